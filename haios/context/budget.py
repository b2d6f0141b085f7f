"""Fitting the session context into its budget, whole lines only, and saying what was left out.

Each section comes in up to three forms, longest first: full, summary, pointer (one line naming
the file or command to read). A section takes the longest form that fits what is left of its
level's token budget. Then, while the essentials (the sections marked so, which come first) pass
`essentials_chars`, or the whole text passes `max_chars`, sections are shortened one form at a
time in SHORTEN_ORDER; a non-essential section's last step is to be left out. Nothing is ever
cut inside a line. Tokens are estimated as characters ÷ 4, rounded up.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

# The stated order in which sections are shortened when the text is too long.
SHORTEN_ORDER = (
    "invariants",
    "north_star",
    "roadmap",
    "strategies",
    "operational",
    "ready",
    "session",
    "warnings",
)
FORMS = ("full", "summary", "pointer")


def tokens(text: str) -> int:
    return -(-len(text) // 4)


class Section:
    """One part of the context: its level, its forms (longest first) and where it comes from."""

    def __init__(
        self,
        name: str,
        level: str,
        forms: Mapping[str, Sequence[str]],
        *,
        essential: bool = False,
        source: str = "",
        missing: str = "",
    ) -> None:
        self.name = name
        self.level = level
        self.forms = [(f, list(forms[f])) for f in FORMS if forms.get(f)]
        self.essential = essential
        self.source = source
        self.missing = missing  # why there is nothing to show, when there is nothing
        self.chosen = 0 if self.forms else -1  # index into forms; -1: left out
        self.reason = missing or ("" if self.forms else "empty")

    @property
    def lines(self) -> list[str]:
        return self.forms[self.chosen][1] if self.chosen >= 0 else []

    @property
    def form(self) -> str:
        return self.forms[self.chosen][0] if self.chosen >= 0 else "left out"

    def size(self) -> int:
        return sum(len(line) + 1 for line in self.lines)

    def shorten(self, why: str) -> bool:
        """Take the next shorter form (or leave a non-essential section out); False if none."""
        if self.chosen < 0 or (self.chosen == len(self.forms) - 1 and self.essential):
            return False
        self.chosen = self.chosen + 1 if self.chosen < len(self.forms) - 1 else -1
        self.reason = why
        return True


def fit(
    sections: Sequence[Section],
    budgets: Mapping[str, int],
    max_chars: int,
    essentials_chars: int,
) -> tuple[str, list[dict[str, Any]]]:
    """(the text, one explain row per section) after fitting the budgets."""
    for level in dict.fromkeys(s.level for s in sections):
        left = budgets.get(level)
        for section in (s for s in sections if s.level == level):
            if left is None:
                continue
            while section.chosen >= 0 and tokens("\n".join(section.lines)) > left:
                if section.chosen == len(section.forms) - 1:
                    break  # a pointer is always kept: it is one short line
                section.shorten(f"over the {level} budget of {budgets[level]} tokens")
            left = max(0, left - tokens("\n".join(section.lines)))
    essentials = [s for s in sections if s.essential]
    _shorten(essentials, essentials_chars, f"essentials over {essentials_chars} characters")
    _shorten(sections, max_chars, f"context over {max_chars} characters")
    text = "\n".join(line for s in sections for line in s.lines)
    if len(text) > max_chars:  # only if the essential pointers alone are too long
        kept = text[:max_chars].rsplit("\n", 1)[0]
        text = kept
    return text + "\n", [_row(s) for s in sections]


def _shorten(sections: Sequence[Section], limit: int, why: str) -> None:
    order = sorted(
        sections,
        key=lambda s: SHORTEN_ORDER.index(s.name) if s.name in SHORTEN_ORDER else -1,
    )
    order = [s for s in order if s.name in SHORTEN_ORDER]
    while sum(s.size() for s in sections) > limit:
        if not any(s.shorten(why) for s in order):
            return


def _row(section: Section) -> dict[str, Any]:
    full = "\n".join(section.forms[0][1]) if section.forms else ""
    return {
        "section": section.name,
        "level": section.level,
        "source": section.source,
        "form": section.form,
        "tokens_full": tokens(full),
        "tokens": tokens("\n".join(section.lines)),
        "reason": section.reason,
    }
