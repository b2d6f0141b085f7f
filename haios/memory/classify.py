"""Classify a learning as episteme (what is true), techne (how to do it) or doxa (opinion,
unverified), by fixed word rules: the same text always gets the same class and reason.

Order matters: a hedge makes anything doxa ("maybe use X" is an opinion about a technique);
then an instruction makes it techne; then evidence or a plain statement of fact makes it
episteme; what is left (a question, a fragment) is doxa.
"""

from __future__ import annotations

import functools
import re

HEDGES = (
    "i think",
    "i believe",
    "i guess",
    "maybe",
    "perhaps",
    "probably",
    "possibly",
    "might",
    "seems",
    "seem to",
    "apparently",
    "not sure",
    "unverified",
    "in my opinion",
    "could be",
    "likely",
    "rumour",
    "rumor",
)
IMPERATIVES = (
    "use",
    "run",
    "add",
    "avoid",
    "prefer",
    "set",
    "call",
    "install",
    "check",
    "keep",
    "make",
    "write",
    "put",
    "pass",
    "never",
    "always",
    "don't",
    "do",
    "start",
    "stop",
    "remove",
    "delete",
    "create",
    "open",
    "close",
    "commit",
    "read",
    "test",
    "retry",
    "wrap",
    "split",
    "move",
    "rename",
    "restart",
    "clear",
    "pin",
    "upgrade",
    "downgrade",
    "configure",
    "enable",
    "disable",
)
HOW_TO = (
    "how to",
    "to fix",
    "to avoid",
    "the fix",
    "fix:",
    "workaround",
    "instead of",
    "in order to",
    "step ",
    "steps:",
    "recipe",
    "the trick",
    "rather than",
)
EVIDENCE = (
    "measured",
    "verified",
    "confirmed",
    "reproduced",
    "benchmark",
    "according to",
    "the docs say",
    "returns",
    "raises",
    "fails with",
    "because",
    "caused by",
    "takes",
    "costs",
)
FACT = re.compile(r"\b(?:is|are|was|were|has|have|does|do not|cannot|can't|won't|needs?)\b")
NUMBER = re.compile(r"\d")
_WORD = re.compile(r"[a-z']+")
_LABEL = re.compile(r"^[^:\n]{1,60}:\s+")


@functools.cache
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation of whole-word phrases (a phrase ending in ':' or ' ' ends there)."""
    parts = [re.escape(p) + (r"(?![\w'])" if p[-1].isalnum() else "") for p in phrases]
    return re.compile(rf"(?<![\w'])(?:{'|'.join(parts)})")


def _found(text: str, phrases: tuple[str, ...]) -> str | None:
    """The first of `phrases` in `text` (the leftmost)."""
    match = _pattern(phrases).search(text)
    return match.group(0).strip() if match else None


def _first_word(text: str) -> str:
    body = _LABEL.sub("", text.lstrip("-*• \t"), count=1)
    match = _WORD.match(body.lstrip("`\"'"))
    return match.group(0) if match else ""


def classify(content: str) -> tuple[str, str]:
    """(kind, reason) for one learning."""
    text = " ".join(content.lower().split())
    hedge = _found(text, HEDGES)
    if hedge:
        return "doxa", f"hedged ({hedge!r}): an opinion until verified"
    first = _first_word(text)
    if first in IMPERATIVES:
        return "techne", f"an instruction (starts with {first!r})"
    how = _found(text, HOW_TO)
    if how:
        return "techne", f"says how to do something ({how!r})"
    if text.rstrip().endswith("?"):
        return "doxa", "a question, not a finding"
    evidence = _found(text, EVIDENCE)
    if evidence:
        return "episteme", f"a finding with evidence ({evidence!r})"
    fact = FACT.search(text)
    if fact and NUMBER.search(text):
        return "episteme", f"a statement of fact with a figure ({fact.group(0)!r})"
    if fact:
        return "episteme", f"a statement of fact ({fact.group(0)!r})"
    return "doxa", "neither an instruction nor a statement of fact"
