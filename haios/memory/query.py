"""Search text to an FTS5 query: words only, each quoted, so no text is ever FTS or SQL syntax."""

from __future__ import annotations

import re

MAX_TERMS = 24
_WORD = re.compile(r"\w+", re.UNICODE)
_COMMON = "a an and are as at be by for from has have how i in is it its of on or that the this to"
STOPWORDS = frozenset(f"{_COMMON} was were what when where which who why will with".split(" "))


def terms(text: str) -> list[str]:
    """The distinct search words of `text`, lowercased, common words left out (unless that
    would leave nothing)."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text or "")))
    kept = [w for w in words if w not in STOPWORDS] or words
    return kept[:MAX_TERMS]


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression: any of the words, as quoted strings; None when there are none."""
    found = terms(text)
    if not found:
        return None
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in found)
