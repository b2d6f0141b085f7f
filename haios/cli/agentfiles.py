"""The Claude Code skills and slash commands haios writes: one skill per cycle, generated from the
cycle definitions, and a fixed set of slash commands, each a thin prompt around `haios` commands.

Every generated file ends with a marker holding the hash of what haios wrote. A file whose text
no longer matches its marker was changed by someone, and haios leaves it alone from then on.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from haios.cycleconfig import Cycle, Gate

_MARKER = re.compile(r"\n<!-- haios:generated sha256:([0-9a-f]{16}) [^\n]*-->\n")
_NOTE = "(haios init rewrites this file while it is unchanged; edit it and haios leaves it be)"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def marked(text: str) -> str:
    """`text` with the marker that lets a later run tell it is unchanged."""
    return f"{text}\n<!-- haios:generated sha256:{_digest(text)} {_NOTE} -->\n"


def state_of(text: str) -> str:
    """`unchanged` (haios wrote it and nobody edited it), `edited` or `foreign` (no marker)."""
    matches = list(_MARKER.finditer(text))
    if not matches:
        return "foreign"
    last = matches[-1]
    intact = _digest(text[: last.start()]) == last.group(1) and last.end() == len(text)
    return "unchanged" if intact else "edited"


def _yaml_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


# -- skills: one per cycle ------------------------------------------------------------------------


def skill_name(cycle_id: str) -> str:
    """A skill's name: lowercase letters, digits and hyphens, at most 64 (Claude Code's rule)."""
    return re.sub(r"[^a-z0-9-]+", "-", cycle_id.lower()).strip("-")[:64] or "cycle"


def skill_path(cycle_id: str) -> str:
    return f"skills/{skill_name(cycle_id)}/SKILL.md"


def skill(cycle_id: str, cycle: Cycle, gates: Mapping[str, Gate], node: str | None) -> str:
    """The SKILL.md of one cycle: when to use it, each phase's prompt and gates, the commands."""
    phases = " → ".join(cycle.phases)
    description = (
        f"{cycle.description} Use when a haios work item is in the {cycle_id} cycle ({phases})."
    ).strip()
    bound = f" It is the cycle of lifecycle node `{node}`." if node else ""
    lines = [
        "---",
        f"name: {skill_name(cycle_id)}",
        f"description: {_yaml_text(description)}",
        "---",
        "",
        f"# The {cycle_id} cycle",
        "",
        f"{cycle.description}{bound} Its phases run in order; haios checks each phase's gates",
        "by code, so move between phases only with these commands (ID is the work item's id):",
        "",
        f"- start: `haios cycle start ID {cycle_id}`",
        "- where the item stands and what the phase asks: `haios cycle resume ID`",
        "- before moving on: `haios cycle check ID` (exit 1 lists each failing gate and its fix)",
        "- move on once the gates pass: `haios cycle advance ID`",
        "",
        "Never edit the WORK.md frontmatter by hand: `haios work …` commands change it.",
    ]
    for number, (name, phase) in enumerate(cycle.phases.items(), 1):
        lines += ["", f"## {number}. {name}", "", phase.prompt.replace("{id}", "ID")]
        for side, label in (("entry", "Entry gates"), ("exit", "Exit gates")):
            names = getattr(phase, side)
            if names:
                lines += ["", f"{label}:"]
                lines += [f"- `{g}`: {gates[g].description}".rstrip(": ") for g in names]
    chain = cycle.phases[list(cycle.phases)[-1]].next_cycle
    then = (
        f"continue with the {chain} cycle: `haios cycle start ID {chain}`."
        if chain
        else "the cycle is complete."
    )
    lines += ["", "## Then", "", f"When the last phase passes, {then}"]
    return marked("\n".join(lines))


# -- slash commands -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    description: str
    argument_hint: str
    allowed: tuple[str, ...]  # haios command prefixes the command may run without asking
    body: str


_NO_FRONTMATTER = "Never edit a WORK.md's frontmatter yourself: only `haios` commands change it."
COMMANDS: dict[str, Command] = {
    "new-work": Command(
        "Create a haios work item from its template and fill it in",
        "<title>",
        ("haios work", "haios cycle"),
        """Create a haios work item titled: $ARGUMENTS

1. Run `haios work new "<title>" --json` (quote the title for the shell). It creates the item's
   WORK.md from the project's work template, with every section the gates check; note the `id`.
2. Run `haios cycle start <id> work-creation` and follow the work-creation skill: do what each
   phase asks, then `haios cycle check <id>` and `haios cycle advance <id>`, until it completes.
""",
    ),
    "new-plan": Command(
        "Write the plan of a haios work item (PLAN.md from its template)",
        "<work-id>",
        ("haios work", "haios cycle"),
        """Write the plan of haios work item $ARGUMENTS.

1. Run `haios work doc $ARGUMENTS plan`: it creates PLAN.md in the item's folder from the plan
   template, with every section the gates check (an existing PLAN.md is left as it is).
2. If the item is in the backlog, move it: `haios work move $ARGUMENTS plan`.
3. Run `haios cycle start $ARGUMENTS plan-authoring` and follow the plan-authoring skill:
   check each phase with `haios cycle check $ARGUMENTS`, move on with
   `haios cycle advance $ARGUMENTS`.
""",
    ),
    "new-investigation": Command(
        "Start a haios investigation (INVESTIGATION.md from its template)",
        "<work-id | question>",
        ("haios work", "haios cycle"),
        """Start an investigation: $ARGUMENTS

1. If that is not a work item id, create the item first:
   `haios work new "<the question>" --type investigation --json`, and use its `id`.
2. Run `haios work doc <id> investigation`: it creates INVESTIGATION.md in the item's folder from
   the investigation template, with every section the gates check.
3. Move the item to discovery (`haios work move <id> discovery`), then run
   `haios cycle start <id> investigation` and follow the investigation skill, phase by phase
   (`haios cycle check <id>`, then `haios cycle advance <id>`). Change no production code.
""",
    ),
    "implement": Command(
        "Implement a planned haios work item through the implementation cycle",
        "<work-id>",
        ("haios work", "haios cycle"),
        """Implement haios work item $ARGUMENTS.

1. Run `haios work show $ARGUMENTS` and read its WORK.md and PLAN.md.
2. Claim it (`haios work claim $ARGUMENTS`) and move it to implement
   (`haios work move $ARGUMENTS implement`); haios says what is missing if it cannot move yet.
3. Run `haios cycle start $ARGUMENTS implementation` and follow the implementation skill: do
   what each phase asks, `haios cycle check $ARGUMENTS`, then `haios cycle advance $ARGUMENTS`.
""",
    ),
    "ready": Command(
        "Show the haios work items that are ready, best first",
        "",
        ("haios work ready",),
        """The ready haios work items:

!`haios work ready`

Summarise them in a few lines and suggest which to take; `/next` claims the top one.
""",
    ),
    "next": Command(
        "Show the top ready haios work item and offer to start it",
        "",
        ("haios work", "haios cycle"),
        """The next haios work item, and the cycle it needs:

!`haios work next`

!`haios cycle resume`

Say what it is and which cycle comes next. If the user wants to start it, claim it (`haios work
claim <id>`) and start that cycle (`haios cycle start <id> <cycle>`), or pick up where it
stands (`haios cycle resume <id>`).
""",
    ),
    "close": Command(
        "Close a haios work item through the close-work cycle",
        "<work-id>",
        ("haios work", "haios cycle"),
        """Close haios work item $ARGUMENTS.

1. Run `haios cycle start $ARGUMENTS close-work` and follow the close-work skill: confirm every
   deliverable and acceptance criterion, write down ## Learnings, checking each phase with
   `haios cycle check $ARGUMENTS` and moving on with `haios cycle advance $ARGUMENTS`.
2. The archive phase closes it: `haios work close $ARGUMENTS`.
""",
    ),
    "checkpoint": Command(
        "Save a haios checkpoint of this session for the next one",
        "[note]",
        ("haios checkpoint", "haios cycle", "git add", "git commit"),
        """Save a checkpoint of this session. $ARGUMENTS

1. Write it in one command, one flag per line of each list (repeat a flag for more):
   `haios checkpoint new "<what this session was about>" --done "…" --decision "…"
   --next "…" --pending "…" --drift "…"` (`--work ID` names the item it was about).
   It creates the session's checkpoint in the checkpoints folder; the next session starts
   from its pending items, drift and next steps.
2. Re-read the file it names: every claim true, every path existing.
3. Commit the checkpoint with the work it describes.
""",
    ),
    "coldstart": Command(
        "Reload the haios session context (north star, invariants, work, last checkpoint)",
        "[full|light|minimal]",
        ("haios coldstart", "haios context"),
        """The session context haios gives at session start:

!`haios coldstart`

If $ARGUMENTS names a tier, run `haios coldstart --tier $ARGUMENTS` instead. Take it as the
ground truth for this session; `haios context --explain` shows what was left out and why.
""",
    ),
    "status": Command(
        "Show where things stand: session, held item and phase, ready work, blockers",
        "",
        ("haios status",),
        """Where things stand:

!`haios status`

Summarise it in two or three lines, and say what needs attention first.
""",
    ),
}


def command_path(name: str) -> str:
    return f"commands/{name}.md"


def command(name: str) -> str:
    spec = COMMANDS[name]
    lines = ["---", f"description: {_yaml_text(spec.description)}"]
    if spec.argument_hint:
        lines.append(f"argument-hint: {_yaml_text(spec.argument_hint)}")
    tools = ", ".join(f"Bash({prefix}:*)" for prefix in spec.allowed)
    lines += [f"allowed-tools: {tools}", "disable-model-invocation: true", "---", ""]
    return marked("\n".join(lines) + spec.body + "\n" + _NO_FRONTMATTER)


def generated(
    cycles: Mapping[str, Cycle], gates: Mapping[str, Gate], nodes: Mapping[str, str | None]
) -> dict[str, str]:
    """Path under `.claude/` (or a plugin's root) -> text, for every skill and command.
    `nodes` maps a cycle to the lifecycle node it is bound to."""
    files = {
        skill_path(cycle_id): skill(cycle_id, cycle, gates, nodes.get(cycle_id))
        for cycle_id, cycle in cycles.items()
    }
    files.update({command_path(name): command(name) for name in COMMANDS})
    return files
