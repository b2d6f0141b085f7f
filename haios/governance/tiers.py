"""Governance tiers: how much ceremony an item gets, so a one-line fix is not put through an
architecture review. Decided from the item's frontmatter (tier, type, traces_to, effort,
source_files/scope) by the rules of `gates.yaml`; each gate names the tiers it applies to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from haios.contracts import WorkState
from haios.cycleconfig import TIERS, TierRules
from haios.governance.globs import match


def _strings(work: WorkState, key: str) -> list[str]:
    value: Any = work.extra.get(key)
    items = value if isinstance(value, list) else [value] if value else []
    return [str(item) for item in items if item]


def source_files(work: WorkState) -> list[str]:
    """The files the item declares it touches (`source_files:`, and `scope:` globs)."""
    return [*_strings(work, "source_files"), *_strings(work, "scope")]


def tier(work: WorkState, rules: TierRules) -> tuple[str, str]:
    """(the item's tier, why): set in the WORK.md, else by type or decision record, else by
    effort (raised to standard when it lists too many files), else by its files."""
    explicit = str(work.extra.get("tier") or "")
    if explicit in TIERS:
        return explicit, "set in its WORK.md"
    if work.type in rules.architectural_types:
        return "architectural", f"type {work.type}"
    prefixes = tuple(p.upper() for p in rules.decision_prefixes)
    decision = next((r for r in _strings(work, "traces_to") if r.upper().startswith(prefixes)), "")
    if decision:
        return "architectural", f"traces to {decision}"
    files = len(source_files(work))
    many = files > rules.small_max_files
    effort = str(work.extra.get("effort") or "").lower()
    if effort in rules.effort:
        found = rules.effort[effort]
        if many and TIERS.index(found) < TIERS.index("standard"):
            return "standard", f"effort {effort}, but {files} source files"
        return found, f"effort {effort}"
    if files:
        return ("standard" if many else "small"), f"{files} source files"
    return rules.default, "no effort or source files given"


def touches_code(work: WorkState, rules: TierRules) -> bool:
    """Whether the item (may) change code: not when its type never does, or when every file it
    declares is documentation; an item that declares nothing is taken to touch code."""
    if work.type in rules.non_code_types:
        return False
    files = source_files(work)
    return not files or not all(_is_doc(f, rules.docs) for f in files)


def _is_doc(path: str, docs: Sequence[str]) -> bool:
    name = path.rsplit("/", 1)[-1]
    return any(match(path, g) or ("/" not in g and match(name, g)) for g in docs)
