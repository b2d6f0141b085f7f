"""exit_gate_check: moving an item on while its cycle phase's exit gates fail is held back at
the hook, with the gate's reason; moves back, abandons and items in no cycle pass untouched.

The hook runs as Claude Code runs it: a new process, CLAUDE_PROJECT_DIR set, one JSON object
on stdin.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from haios.cli.hook import wired_context
from haios.governance.exitgates import _move
from haios.governance.hookevent import normalise
from haios.governance.policy import decide
from haios.governance.shell import parse
from haios.project import Project, compiled_config

from .conftest import Result

WORK_MD = "docs/work/active/WORK-001/WORK.md"
GATHER_FAILS = (
    "haios: {step} skips the exit gates of its gather phase (plan-authoring), which fail: "
    "context_filled: `## Context` in docs/work/active/WORK-001/WORK.md is empty; write it (the "
    "template text does not count). Finish the phase first: `haios cycle check WORK-001` shows "
    "the gates, `haios cycle advance WORK-001` moves on once they pass. Or ask the user."
)


def bash(haios: Any, project: Project, command: str) -> Result:
    payload = {
        "session_id": "s1",
        "hook_event_name": "PreToolUse",
        "cwd": str(project.root),
        "tool_name": "Bash",
        "tool_input": {"command": command},
    }
    env = {"CLAUDE_PROJECT_DIR": str(project.root)}
    result: Result = haios(
        "hook", "PreToolUse", cwd=project.root.parent, stdin=json.dumps(payload), env=env
    )
    return result


def reason(result: Result) -> str:
    assert result.code == 0, result.err
    output = json.loads(result.out)["hookSpecificOutput"]
    assert output["permissionDecision"] == "deny"
    text: str = output["permissionDecisionReason"]
    return text


@pytest.fixture
def gathering(project: Project, haios: Any) -> Path:
    """WORK-001 in plan, in the gather phase of plan-authoring, its ## Context still empty."""
    assert haios("work", "new", "Rate limits").code == 0
    assert haios("cycle", "start", "1", "plan-authoring").code == 0
    return project.root / WORK_MD


def test_moving_on_past_a_failing_exit_gate_is_denied_with_its_reason(
    project: Project, haios: Any, gathering: Path
) -> None:
    denied = bash(haios, project, "haios work move WORK-001 implement")
    assert reason(denied) == GATHER_FAILS.format(step="moving WORK-001 to implement")
    closing = bash(haios, project, "cd docs && python -m haios work close 1 --archive")
    assert reason(closing) == GATHER_FAILS.format(step="closing WORK-001")
    assert reason(bash(haios, project, "just move 1 implement")).startswith("haios: moving")


def test_once_the_gate_passes_the_move_is_left_to_the_permission_rules(
    project: Project, haios: Any, gathering: Path
) -> None:
    text = gathering.read_text("utf-8")
    gathering.write_text(text.replace("## Context\n", "## Context\n\nClients hammer us.\n"))
    assert bash(haios, project, "haios work move WORK-001 implement").out == ""


@pytest.mark.parametrize(
    "command",
    [
        "haios work move 1 backlog",  # back in the lifecycle
        "haios work close 1 --abandon --reason 'not needed'",
        "haios work show 1",
        "echo haios work move 1 implement",
        "haios work move 9 implement",  # no such item: the command itself says so
        "git commit -m 'haios work close 1'",
    ],
)
def test_what_is_not_a_move_onward_gets_no_opinion(
    project: Project, haios: Any, gathering: Path, command: str
) -> None:
    assert bash(haios, project, command).out == ""


def test_an_item_in_no_cycle_moves_freely(project: Project, haios: Any) -> None:
    assert haios("work", "new", "Rate limits").code == 0
    assert bash(haios, project, "haios work move 1 plan").out == ""


def test_command_gates_never_run_in_the_hook(
    project: Project, haios: Any, gathering: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    config = project.root / ".claude/haios/config/gates.yaml"
    config.write_text(
        f"gates: {{context_filled: {{kind: command_succeeds, section: null, command: "
        f'[{sys.executable}, -c, \'open(r"{marker}", "w")\']}}}}\n',
        encoding="utf-8",
    )
    assert bash(haios, project, "haios work move WORK-001 implement").out == ""
    assert not marker.exists()
    checked = haios("cycle", "check", "1")
    assert checked.code == 0, checked.err
    assert marker.exists()


def test_the_setting_turns_deny_into_ask(project: Project, haios: Any, gathering: Path) -> None:
    config = project.root / ".claude/haios/config/hook-handlers.yaml"
    config.write_text("exit_gate_check: {on_failed_gate: ask}\n", encoding="utf-8")
    out = json.loads(bash(haios, project, "haios work move 1 implement").out)
    assert out["hookSpecificOutput"]["permissionDecision"] == "ask"


def test_policy_check_gives_the_same_answer(project: Project, haios: Any, gathering: Path) -> None:
    checked = haios("policy", "check", "--bash", "haios work move 1 implement")
    step = "moving WORK-001 to implement"
    assert checked.out == f"deny (exit_gate_check): {GATHER_FAILS.format(step=step)}\n"
    root = str(project.root)
    event = normalise(
        "PreToolUse",
        {"tool_name": "Bash", "tool_input": {"command": "haios -C . work close WORK-001"}},
    )
    decision = decide(event, wired_context(root, compiled_config(project)))
    assert decision is not None and decision.handler == "exit_gate_check"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("haios work move 7 implement", ("7", "implement")),
        ("haios -C /repo work move WORK-7 close", ("WORK-7", "close")),
        ("haios --project /repo -v work close 7", ("7", None)),
        ("/usr/local/bin/haios work close 7 --json", ("7", None)),
        ("python3 -m haios work move 7 plan", ("7", "plan")),
        ("just close 7", ("7", None)),
        ("haios work close 7 --abandon --reason dup", None),
        ("haios work move 7", None),
        ("haios cycle advance 7", None),
        ("just ready", None),
    ],
)
def test_which_commands_move_an_item(line: str, expected: tuple[str, str | None] | None) -> None:
    assert _move(parse(line).commands[0]) == expected
