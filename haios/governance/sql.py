"""Which SQL statements destroy data: DROP, TRUNCATE, ALTER … DROP, DELETE or UPDATE without WHERE.

Comments, string literals and quoted names are skipped, so `SELECT 'DROP TABLE x'` is harmless.
Dialects disagree on whether a backslash escapes a quote, so the text is read both ways and the
more careful answer wins. Standard library only.
"""

from __future__ import annotations

import itertools
import re

_TOKEN = r"""
    (?P<skip>--[^\n]*|/\*.*?(?:\*/|\Z)|\s+)
  | (?P<literal>'(?:[^'{esc}]|''{alt})*(?:'|\Z)|"(?:[^"]|"")*(?:"|\Z)|`[^`]*(?:`|\Z)
      |\[[^\]]*(?:\]|\Z)|\$(?P<tag>[A-Za-z_]*)\$.*?(?:\$(?P=tag)\$|\Z))
  | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<mark>.)
"""
_PLAIN = re.compile(_TOKEN.format(esc="", alt=""), re.DOTALL | re.VERBOSE)
_BACKSLASH = re.compile(_TOKEN.format(esc="\\\\", alt="|\\\\."), re.DOTALL | re.VERBOSE)
# tokens after which a statement starts: `;`, `(` of a subquery, `)` ending a WITH clause
_STARTS = frozenset({";", "(", ")", "ANALYZE"})  # EXPLAIN ANALYZE runs the statement
_HARMLESS_DROPS = frozenset({"DEFAULT", "NOT", "IDENTITY", "EXPRESSION"})


def destructive(sql: str) -> str | None:
    """What the first statement that destroys data does ("DROP TABLE", "DELETE without
    WHERE", …), or None when none does."""
    for pattern in (_PLAIN, _BACKSLASH):
        found = _scan(_tokens(sql, pattern))
        if found:
            return found
    return None


def _tokens(sql: str, pattern: re.Pattern[str]) -> list[str]:
    """Words upper-cased, punctuation as is, every literal or quoted name as `?`."""
    out = []
    for match in pattern.finditer(sql):
        if match["word"]:
            out.append(match["word"].upper())
        elif match["literal"]:
            out.append("?")
        elif match["mark"]:
            out.append(match["mark"])
    return out


def _scan(tokens: list[str]) -> str | None:
    for n, word in enumerate(tokens):
        if n and tokens[n - 1] not in _STARTS:
            continue
        clause = _clause(tokens, n + 1)
        if word == "DROP":
            return f"DROP {clause[0]}" if clause and clause[0].isalpha() else "DROP"
        if word == "TRUNCATE":
            return "TRUNCATE"
        if word in ("DELETE", "UPDATE") and "WHERE" not in clause:
            return f"{word} without WHERE"
        if word == "ALTER" and any(
            w == "DROP" and after not in _HARMLESS_DROPS for w, after in itertools.pairwise(clause)
        ):
            return "ALTER … DROP"
    return None


def _clause(tokens: list[str], start: int) -> list[str]:
    """The tokens of a statement from `start` on, at its own level of parentheses."""
    out: list[str] = []
    depth = 0
    for token in tokens[start:]:
        if depth == 0 and token in (";", ")"):
            break
        depth += (token == "(") - (token == ")")
        if depth == 0 and token not in ("(", ")"):
            out.append(token)
    return out
