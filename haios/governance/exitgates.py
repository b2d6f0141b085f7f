"""exit_gate_check: an item moved on (`haios work move|close`) while its phase's gates fail.

The agent learns at once, with the gate's reason, instead of after the move. Which gates fail is
asked of the CLI's wiring (`Context.exit_gates`), which builds the runtime: that costs a few
hundred milliseconds, paid only by a Bash call that runs one of these commands. Command gates
(tests) are never run here; `haios cycle check` runs them.
"""

from __future__ import annotations

from haios.governance.hookevent import Context, Decision, HookEvent
from haios.governance.shell_guards import bash_script, strongest

TYPE_CHECKING = False  # importing typing costs ~3 ms on every hook call
if TYPE_CHECKING:
    from haios.governance import shell

_GLOBAL_WITH_VALUE = frozenset({"-C", "--project"})
_JUST = frozenset({"move", "close"})


def exit_gate_check(event: HookEvent, context: Context) -> Decision | None:
    command = event.tool_input.get("command") if event.tool_name == "Bash" else None
    if not isinstance(command, str) or ("haios" not in command and "just" not in command):
        return None
    script = bash_script(event)
    moves = [m for m in map(_move, script.commands if script else ()) if m]
    found = [_failing(work_id, target, context) for work_id, target in moves]
    return strongest("exit_gate_check", context.settings, found)


def _move(command: shell.Command) -> tuple[str, str | None] | None:
    """(id, target node) of `haios work move ID NODE`; (id, None) of `haios work close ID`
    (not --abandon). Also through `python -m haios` and the recipes `just move|close`."""
    words = [w.text for w in command.words]
    if command.name == "haios":
        args = words[1:]
    elif command.name.startswith("python") and words[1:3] == ["-m", "haios"]:
        args = words[3:]
    elif command.name == "just" and words[1:2] and words[1] in _JUST:
        args = ["work", *words[1:]]
    else:
        return None
    if "--abandon" in args:
        return None
    positional, skip = [], False
    for word in args:
        if not skip and not word.startswith("-"):
            positional.append(word)
        skip = word in _GLOBAL_WITH_VALUE
    if positional[:2] == ["work", "move"] and len(positional) >= 4:
        return positional[2], positional[3]
    if positional[:2] == ["work", "close"] and len(positional) >= 3:
        return positional[2], None
    return None


def _failing(work_id: str, target: str | None, context: Context) -> tuple[str, str] | None:
    facts = context.exit_gates(work_id)
    if not facts or not facts["failed"] or not _onward(facts["node"], target, context):
        return None
    item, phase, cycle = facts["id"], facts["phase"], facts["cycle"]
    failed = "; ".join(f"{gate}: {reason}" for gate, reason in facts["failed"])
    step = f"moving {item} to {target}" if target else f"closing {item}"
    return (
        "on_failed_gate",
        f"{step} skips the exit gates of its {phase} phase ({cycle}), which fail: {failed}. "
        f"Finish the phase first: `haios cycle check {item}` shows the gates, `haios cycle "
        f"advance {item}` moves on once they pass. Or ask the user.",
    )


def _onward(node: str, target: str | None, context: Context) -> bool:
    """Whether the move goes forward in the lifecycle (a close always does)."""
    if target is None:
        return True
    nodes = list(context.config["node_bindings"]["nodes"])
    return node in nodes and target in nodes and nodes.index(target) > nodes.index(node)
