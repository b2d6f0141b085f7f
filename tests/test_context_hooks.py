"""The session lifecycle through real `haios hook` processes: SessionStart injects ContextLoader's
context (shorter after a compaction), Stop and PreCompact persist the session, SessionEnd marks
it ended and writes a checkpoint when none was written, orphans are reported with what git shows
uncommitted, and no failure ever reaches Claude Code as a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from haios.project import Project
from haios.runtime import Runtime

from .conftest import Result

SESSION = "5b7e0f3a-session"


def hook(
    haios: Any,
    project: Project,
    event: str,
    session: str = SESSION,
    env: dict[str, str] | None = None,
    **fields: Any,
) -> Result:
    payload = {"session_id": session, "cwd": str(project.root), "hook_event_name": event, **fields}
    env = {"CLAUDE_PROJECT_DIR": str(project.root), **(env or {})}
    result: Result = haios("hook", event, stdin=json.dumps(payload), env=env)
    assert (result.code, result.err) == (0, "")
    return result


def context_of(result: Result) -> str:
    text: str = json.loads(result.out)["hookSpecificOutput"]["additionalContext"]
    return text


def sessions(project: Project) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project.state_dir / "session.json").read_text())
    return data["sessions"]


def test_startup_then_compaction_keep_one_number_and_the_second_is_shorter(
    haios: Any, rt: Runtime, project: Project, tmp_path: Path
) -> None:
    rt.work.create("Ship the retry policy")
    env_file = tmp_path / "claude-env"
    env = {"CLAUDE_ENV_FILE": str(env_file)}
    first = context_of(hook(haios, project, "SessionStart", env=env, source="startup"))
    again = context_of(hook(haios, project, "SessionStart", source="compact"))
    assert first.startswith("haios · session 1 · coldstart · tier full\n")
    assert again.startswith("haios · session 1 · session_recovery · tier minimal\n")
    assert len(again) < len(first) and "Ready" not in again
    assert env_file.read_text() == f"export HAIOS_SESSION={SESSION}\n"
    assert sessions(project)[SESSION]["sources"] == ["startup", "compact"]
    other = context_of(hook(haios, project, "SessionStart", session="other", source="startup"))
    assert other.startswith("haios · session 2 (prior 1) · coldstart")


def test_sessions_that_start_at_once_get_distinct_numbers_through_the_hook(
    project: Project,
) -> None:
    env = {"CLAUDE_PROJECT_DIR": str(project.root), "PATH": "/usr/bin:/bin"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "haios", "hook", "SessionStart"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**env, "HOME": str(project.root)},
        )
        for _ in range(5)
    ]
    outs = [
        p.communicate(json.dumps({"session_id": f"s{n}", "source": "startup"}), timeout=120)[0]
        for n, p in enumerate(procs)
    ]
    heads = sorted(json.loads(o)["hookSpecificOutput"]["additionalContext"][:18] for o in outs)
    assert heads == [f"haios · session {n} " for n in range(1, 6)]


def test_the_session_is_persisted_as_it_goes_and_ended_cheaply(
    haios: Any, rt: Runtime, project: Project
) -> None:
    item = rt.work.create("Retry with backoff")
    rt.work.claim(item.id, SESSION)
    hook(haios, project, "SessionStart", source="startup")
    assert hook(haios, project, "Stop", stop_hook_active=False).out == ""
    assert hook(haios, project, "PreCompact", trigger="auto", custom_instructions="").out == ""
    record = sessions(project)[SESSION]
    assert (record["turns"], record["compactions"], record["work"]) == (1, 1, "WORK-001")
    assert hook(haios, project, "SessionEnd", reason="prompt_input_exit").out == ""
    record = sessions(project)[SESSION]
    assert record["end_reason"] == "prompt_input_exit" and record["ended"]
    written = sorted((project.root / "docs" / "checkpoints").glob("*-SESSION-1-*.md"))
    assert [p.name[11:] for p in written] == ["01-SESSION-1-ended-without-a-checkpoint.md"]
    assert record["checkpoint"] == f"docs/checkpoints/{written[0].name}"
    text = written[0].read_text()
    assert "\nsession: 1\n" in text and "\nstatus: auto\n" in text
    assert "\npending:\n  - WORK-001\n" in text
    nxt = context_of(hook(haios, project, "SessionStart", session="next", source="startup"))
    assert nxt.split("\n")[2] == "Pending from session 1: WORK-001"


def test_an_orphaned_session_is_reported_with_what_it_left_uncommitted(
    haios: Any, rt: Runtime, project: Project
) -> None:
    subprocess.run(["git", "init", "-q"], cwd=project.root, check=True)
    item = rt.work.create("Half done")
    rt.work.claim(item.id, SESSION)
    hook(haios, project, "SessionStart", source="startup")
    hook(haios, project, "Stop")
    (project.root / "retry.py").write_text("print('half')\n")
    path = project.state_dir / "session.json"
    data = json.loads(path.read_text())
    data["sessions"][SESSION]["last_seen"] = "2020-01-01T00:00:00Z"
    path.write_text(json.dumps(data))
    text = context_of(hook(haios, project, "SessionStart", session="next", source="startup"))
    lines = text.split("\n")
    assert lines[2] == (
        "Session 1 never ended (no SessionEnd, no checkpoint); last seen 2020-01-01T00:00:00Z, "
        "holding WORK-001, 1 turns."
    )
    assert lines[3].startswith("Uncommitted: ") and "retry.py" in lines[3]
    later = context_of(hook(haios, project, "SessionStart", session="later", source="startup"))
    assert "never ended" not in later  # reported once


def test_a_failure_becomes_a_one_line_note_never_a_traceback(haios: Any, project: Project) -> None:
    (project.state_dir / "locks").write_text("not a folder")
    text = context_of(hook(haios, project, "SessionStart", source="startup"))
    assert text.startswith(
        "haios: the session context could not be built (SessionStateError); details in "
    )
    assert "Traceback" not in text
    log = (project.state_dir / "haios-error.log").read_text()
    assert "cannot open the lock" in log
    assert hook(haios, project, "Stop").out == ""  # Stop, PreCompact, SessionEnd stay quiet


def test_switched_off_the_context_is_not_injected_but_the_session_is_numbered(
    haios: Any, project: Project
) -> None:
    override = project.config_dir / "hook-handlers.yaml"
    override.write_text("session_brief: {enabled: false}\n")
    assert hook(haios, project, "SessionStart", source="startup").out == ""
    assert sessions(project)[SESSION]["number"] == 1


def test_doctor_sample_calls_are_not_numbered(haios: Any, project: Project) -> None:
    result = hook(haios, project, "SessionStart", session="haios-doctor", source="startup")
    assert context_of(result).startswith("haios · session 1 · coldstart")
    hook(haios, project, "Stop", session="haios-doctor")
    assert not (project.state_dir / "session.json").exists()


def test_session_end_refreshes_the_memory_digest_in_the_background(
    haios: Any, project: Project
) -> None:
    state = project.state_dir
    hook(haios, project, "SessionStart", source="startup")
    hook(haios, project, "SessionEnd", reason="other")
    assert not (state / "memory-flush.lock").exists()  # no memory yet: nothing started
    line = {
        "time": "2026-12-03T09:00:00+0000",
        "session": SESSION,
        "tool": "Bash",
        "input": "pytest -q",
        "error": "1 failed",
        "work": None,
    }  # as error_capture queues it
    (state / "memory-outbox.jsonl").write_text(json.dumps(line) + "\n", "utf-8")
    hook(haios, project, "SessionStart", source="startup", session="second")
    hook(haios, project, "SessionEnd", reason="other", session="second")
    digest = state / "memory-digest.json"
    for _ in range(600):  # the detached flush starts the memory server: wait for its digest
        if digest.exists() and not (state / "memory-flush.lock").exists():
            break
        time.sleep(0.1)
    assert json.loads(digest.read_text("utf-8"))["version"] == 1
    assert not (state / "memory-outbox.jsonl").exists()  # taken into the outbox
