"""The models of `cycle-definitions.yaml` and `gates.yaml`, and the checks that span files.

A name that does not resolve (a phase, a gate, a cycle) is reported with its path in the YAML
and the nearest valid name. `haios.configload` loads these like every other file.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

GateKind = Literal[
    "section_filled",
    "checklist_done",
    "files_exist",
    "command_succeeds",
    "no_open_blockers",
    "memory_stored",
]
GATE_KINDS: tuple[str, ...] = get_args(GateKind)
Tier = Literal["trivial", "small", "standard", "architectural"]
TIERS: tuple[str, ...] = get_args(Tier)
# the arguments each kind takes; the first ones listed are required
_ARGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "section_filled": (("section",), ("document",)),
    "checklist_done": (("section",), ("document",)),
    "files_exist": (("paths",), ()),
    "command_succeeds": (("command",), ("timeout",)),
    "no_open_blockers": ((), ()),
    "memory_stored": ((), ()),
}
_ARG_NAMES = ("section", "document", "paths", "command", "timeout")


def nearest(name: str, known: Iterable[str]) -> str:
    """`nearest: x` when a known name is close to `name`, else the list of known names."""
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    if close:
        return f"nearest: {close[0]}"
    return f"known: {', '.join(known) or 'none'}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Gate(_Strict):
    """One named gate: a kind (a function of GovernanceLayer) and its arguments."""

    kind: str = Field(
        description="What is checked: a built-in kind, or one named under `kinds`.",
        json_schema_extra={"examples": list(GATE_KINDS)},
    )
    description: str = Field("", description="What the gate makes sure of, in one line.")
    fix: str = Field("", description="How to make it pass, added to a failure's reason.")
    section: str | None = Field(None, description="A Markdown heading's text, e.g. Acceptance.")
    document: str = Field("WORK.md", description="A file in the item's folder.")
    paths: tuple[str, ...] = Field((), description="Files or globs from the project root.")
    command: str | tuple[str, ...] | None = Field(None, description="A command line, no shell.")
    timeout: float = Field(300, gt=0, le=86400, description="Seconds before a command fails.")
    tiers: tuple[Tier, ...] = Field(
        (), description="The governance tiers it applies to (empty: every tier)."
    )
    code_only: bool = Field(False, description="Checked only for items that touch code.")
    args: dict[str, Any] = Field({}, description="Arguments of a kind named under `kinds`.")

    @field_validator("document")
    @classmethod
    def _in_folder(cls, value: str) -> str:
        if not value.strip() or "/" in value or "\\" in value or value.startswith("."):
            raise ValueError("must be a file name in the item's folder, e.g. PLAN.md")
        return value

    @model_validator(mode="after")
    def _arguments_fit_kind(self) -> Gate:
        if self.kind not in _ARGS:  # a kind of `kinds`: checked across the file
            return self
        if self.args:
            raise ValueError(f"`args` is for kinds named under `kinds`, not kind {self.kind}")
        required, optional = _ARGS[self.kind]
        fields = type(self).model_fields
        given = {n for n in _ARG_NAMES if getattr(self, n) != fields[n].get_default()}
        missing = [name for name in required if not getattr(self, name)]
        if missing:
            raise ValueError(f"kind {self.kind} needs `{missing[0]}`")
        stray = sorted(given - set(required) - set(optional))
        if stray:
            takes = ", ".join((*required, *optional)) or "no arguments"
            raise ValueError(f"`{stray[0]}` does not apply to kind {self.kind}; it takes: {takes}")
        return self


class TierRules(_Strict):
    """How an item's governance tier is decided; see docs/cycles.md."""

    effort: dict[str, Tier] = Field(
        {
            "trivial": "trivial",
            "xs": "trivial",
            "small": "small",
            "s": "small",
            "medium": "standard",
            "m": "standard",
            "large": "architectural",
            "l": "architectural",
            "xl": "architectural",
        },
        description="The tier each `effort:` value of a WORK.md gives.",
    )
    small_max_files: int = Field(
        3, ge=0, description="More source files than this make an item at least standard."
    )
    architectural_types: tuple[str, ...] = Field(
        ("design",), description="Item types that are always architectural."
    )
    decision_prefixes: tuple[str, ...] = Field(
        ("ADR-",), description="A `traces_to:` entry starting so is a decision record."
    )
    default: Tier = Field("standard", description="The tier when nothing else decides.")
    non_code_types: tuple[str, ...] = Field(
        ("investigation",), description="Item types that never touch code."
    )
    docs: tuple[str, ...] = Field(
        ("*.md", "*.rst", "*.txt", "docs/**"),
        description="Globs of files that are not code (for `code_only` gates).",
    )


class GatesFile(_Strict):
    """`gates.yaml`: every gate a cycle phase may name, and the tiers that decide which apply."""

    gates: dict[str, Gate] = {}
    tiers: TierRules = TierRules()
    kinds: dict[str, str] = Field(
        {},
        description="More gate kinds: name → `module:function` of an importable function "
        "(gate_id, gate, context) → (passed, found, fix).",
    )

    @field_validator("kinds")
    @classmethod
    def _importable_names(cls, kinds: dict[str, str]) -> dict[str, str]:
        for name, target in kinds.items():
            if name in GATE_KINDS:
                raise ValueError(f"{name!r} is a built-in gate kind; give yours another name")
            module, colon, function = target.partition(":")
            if not (colon and module.strip() and function.isidentifier()):
                raise ValueError(f"{name}: {target!r} should be `module:function`")
        return kinds


class Phase(_Strict):
    """One phase of a cycle: what the agent does, and the gates around it."""

    prompt: str = Field("", description="What the agent should do in this phase.")
    entry: tuple[str, ...] = Field((), description="Gates that must pass to enter the phase.")
    exit: tuple[str, ...] = Field((), description="Gates that must pass to leave the phase.")
    next_cycle: str | None = Field(None, description="On the last phase: the cycle that follows.")


class Cycle(_Strict):
    """A cycle: its phases, in order."""

    description: str = ""
    phases: dict[str, Phase] = Field(min_length=1)

    @property
    def first(self) -> str:
        return next(iter(self.phases))

    def after(self, phase: str) -> str | None:
        """The phase that follows `phase`, or None after the last one."""
        names = list(self.phases)
        index = names.index(phase) + 1
        return names[index] if index < len(names) else None


class CycleDefinitions(_Strict):
    """`cycle-definitions.yaml`: every cycle, its phases and how it chains."""

    cycles: dict[str, Cycle] = {}


def _chain(cycle: Cycle) -> str | None:
    return cycle.phases[list(cycle.phases)[-1]].next_cycle


def chain_problem(cycles: Mapping[str, Cycle]) -> str | None:
    """A chain to a missing cycle, from a phase other than the last, or in a loop."""
    for name, cycle in cycles.items():
        last = list(cycle.phases)[-1]
        for phase_name, phase in cycle.phases.items():
            target, where = phase.next_cycle, f"cycles.{name}.phases.{phase_name}.next_cycle"
            if target is None:
                continue
            if phase_name != last:
                return f"{where}: only the last phase ({last}) may chain to another cycle"
            if target not in cycles:
                return f"{where} = {target!r}: no such cycle; {nearest(target, cycles)}"
    for name in cycles:
        seen = [name]
        while (target := _chain(cycles[seen[-1]])) is not None:
            if target in seen:
                loop = " → ".join([*seen[seen.index(target) :], target])
                # name a cycle in the loop: the one we started from may only lead into it
                return (
                    f"cycles.{target}: its chain loops ({loop}); end one of them without next_cycle"
                )
            seen.append(target)
    return None


def cross_problem(
    cycles: CycleDefinitions,
    gates: GatesFile,
    phases: tuple[str, ...],
    bound: Mapping[str, str | None],
) -> tuple[str, str] | None:
    """(file, message) for a name used in one file and missing from another, or for chains
    that do not hold, else None."""
    known = (*GATE_KINDS, *gates.kinds)
    for name, gate in gates.gates.items():
        if gate.kind not in known:
            hint = nearest(gate.kind, known)
            return "gates.yaml", f"gates.{name}.kind = {gate.kind!r}: unknown gate kind; {hint}"
    for name, cycle in cycles.cycles.items():
        for phase_name, phase in cycle.phases.items():
            where = f"cycles.{name}.phases.{phase_name}"
            if phase_name not in phases:
                hint = f"{nearest(phase_name, phases)} (add new phases to work.cycle_phases)"
                return "cycle-definitions.yaml", f"{where}: unknown phase {phase_name!r}; {hint}"
            for side in ("entry", "exit"):
                for gate in getattr(phase, side):
                    if gate not in gates.gates:
                        hint = f"{nearest(gate, gates.gates)} (gates are defined in gates.yaml)"
                        return "cycle-definitions.yaml", (
                            f"{where}.{side}: unknown gate {gate!r}; {hint}"
                        )
    chains = chain_problem(cycles.cycles)
    if chains:
        return "cycle-definitions.yaml", chains
    for node, cycle_id in bound.items():
        if cycle_id is not None and cycle_id not in cycles.cycles:
            hint = nearest(cycle_id, cycles.cycles)
            return "node-bindings.yaml", f"nodes.{node}.cycle = {cycle_id!r}: no such cycle; {hint}"
    return None
