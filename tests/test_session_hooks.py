"""The handlers tied to sessions and work items: SessionStart's brief, each prompt's context,
Stop's checkpoint reminder, the phase and scope rules, the after-tool handlers, and the hook log
with `haios audit stats`.

Work items are made with the real WorkEngine (which keeps the hooks' work cache); decisions come
from the one evaluator, in this process, or from `haios hook` in a subprocess where the protocol
itself matters.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from haios.governance import hooklog, policy, workview
from haios.governance.hookevent import Decision, normalise
from haios.project import Project, compiled_config
from haios.runtime import Runtime

from .conftest import Result

SESSION = "3f2b6c1e-session"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    workview.load.cache_clear()  # the cache is read once per process: here, once per call


def decide(project: Project, event: str, **fields: Any) -> Decision | None:
    payload = {"session_id": SESSION, "cwd": str(project.root), **fields}
    workview.load.cache_clear()
    config = compiled_config(project)
    return policy.decide(normalise(event, payload), policy.context_for(str(project.root), config))


def hook(
    haios: Any, project: Project, event: str, env: dict[str, str] | None = None, **fields: Any
) -> Result:
    payload = {"session_id": SESSION, "cwd": str(project.root), "hook_event_name": event, **fields}
    env = {"CLAUDE_PROJECT_DIR": str(project.root), **(env or {})}
    result: Result = haios("hook", event, stdin=json.dumps(payload), env=env)
    assert (result.code, result.err) == (0, "")
    return result


def context_of(result: Result, event: str) -> str:
    doc = json.loads(result.out)
    assert doc["hookSpecificOutput"]["hookEventName"] == event
    text: str = doc["hookSpecificOutput"]["additionalContext"]
    return text


def transcript(tmp_path: Path, used: int) -> str:
    """A transcript whose latest assistant message used `used` tokens of context."""
    path = tmp_path / "transcript.jsonl"
    usage = {"input_tokens": 10, "cache_read_input_tokens": used - 10, "output_tokens": 5}
    lines = [
        {"type": "user", "message": {"role": "user", "content": "hi"}},
        {"type": "assistant", "message": {"role": "assistant", "usage": usage}},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return str(path)


def held(rt: Runtime, title: str = "Retry with backoff", phase: str | None = None) -> str:
    item = rt.work.create(title)
    rt.work.claim(item.id, SESSION)
    if phase:
        rt.work.set_cycle_phase(item.id, phase)
    return item.id


def set_scope(rt: Runtime, work_id: str, globs: list[str]) -> None:
    path = rt.project.root / "docs/work/active" / work_id / "WORK.md"
    text = path.read_text()
    path.write_text(text.replace("\n---\n", f"\nscope: {json.dumps(globs)}\n---\n", 1))
    rt.work.index.refresh()


# -- SessionStart ------------------------------------------------------------------------------


def test_session_brief_names_the_held_item_and_the_ready_ones(
    haios: Any, rt: Runtime, project: Project, tmp_path: Path
) -> None:
    mine = held(rt, phase="do")
    rt.work.create("Ship the e2e harness")
    env_file = tmp_path / "claude-env"
    result = hook(
        haios, project, "SessionStart", env={"CLAUDE_ENV_FILE": str(env_file)}, source="startup"
    )
    text = context_of(result, "SessionStart")
    assert text.startswith("haios · session 1 · coldstart · tier full\nWork items change only")
    assert f"\nYou hold {mine} «Retry with backoff» (node backlog, phase do).\n" in text
    assert "\nReady (1); take the next with `haios work next --claim`:\n" in text
    assert "\n- WORK-002 «Ship the e2e harness» (medium, backlog)\n" in text
    assert env_file.read_text() == f"export HAIOS_SESSION={SESSION}\n"


def test_session_brief_sees_items_written_since_the_last_command(
    haios: Any, rt: Runtime, project: Project
) -> None:
    rt.work.create("First")
    copy = project.root / "docs/work/active/WORK-009"
    copy.mkdir()
    text = (project.root / "docs/work/active/WORK-001/WORK.md").read_text()
    (copy / "WORK.md").write_text(text.replace("WORK-001", "WORK-009").replace("First", "Pulled"))
    brief = context_of(hook(haios, project, "SessionStart", source="startup"), "SessionStart")
    assert "Ready (2);" in brief and "- WORK-009 «Pulled» (medium, backlog)" in brief


def test_session_brief_with_no_work(haios: Any, project: Project) -> None:
    brief = context_of(hook(haios, project, "SessionStart", source="startup"), "SessionStart")
    assert "\nYou hold no work item; `haios work next --claim` takes the top ready one.\n" in brief
    assert "Ready" not in brief


# -- UserPromptSubmit --------------------------------------------------------------------------


def test_a_prompt_gets_time_status_and_vitals_within_the_limit(
    haios: Any, rt: Runtime, project: Project
) -> None:
    mine = held(rt, phase="plan")
    rt.work.create("Another")
    text = context_of(hook(haios, project, "UserPromptSubmit", prompt="go on"), "UserPromptSubmit")
    lines = text.split("\n")
    assert lines[0].startswith("Now: ") and lines[0].endswith(".")
    assert lines[1:] == [
        f"Working on {mine} «Retry with backoff» (node backlog, phase plan).",
        "Work: 1 ready, 1 claimed.",
    ]
    assert len(text) <= 300


def test_prompt_context_is_cut_to_max_chars(haios: Any, rt: Runtime, project: Project) -> None:
    held(rt, title="A title long enough to matter " * 3)
    env = {"HAIOS_THRESHOLDS__PROMPT__MAX_CHARS": "60"}
    text = context_of(
        hook(haios, project, "UserPromptSubmit", env=env, prompt="x"), "UserPromptSubmit"
    )
    assert len(text) == 60 and text.endswith("…")


@pytest.mark.parametrize(
    ("used", "expected"),
    [
        (100_000, None),
        (162_000, "Context: 19% left; plan to checkpoint soon."),
        (172_000, "Context: 14% left. Write a checkpoint in docs/checkpoints/ before going on."),
        (
            185_000,
            "Context: 8% left. Write a checkpoint in docs/checkpoints/ now, then stop the session.",
        ),
    ],
)
def test_context_percentage_warns_then_asks_for_a_checkpoint(
    project: Project, tmp_path: Path, used: int, expected: str | None
) -> None:
    decision = decide(
        project, "UserPromptSubmit", prompt="x", transcript_path=transcript(tmp_path, used)
    )
    notes = decision.reason.split("\n") if decision else []
    assert [n for n in notes if n.startswith("Context:")] == ([expected] if expected else [])


def test_context_left_falls_back_to_the_transcript_size(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_bytes(b"x" * (4 * 190_000))  # ~190k tokens at 4 bytes a token, no usage lines
    decision = decide(project, "UserPromptSubmit", prompt="x", transcript_path=str(path))
    assert decision is not None and "Context: 5% left." in decision.reason


# -- Stop --------------------------------------------------------------------------------------


def test_stop_asks_for_a_checkpoint_once_and_never_loops(
    haios: Any, project: Project, tmp_path: Path
) -> None:
    path = transcript(tmp_path, 175_000)
    first = json.loads(
        hook(haios, project, "Stop", transcript_path=path, stop_hook_active=False).out
    )
    assert first["decision"] == "block" and first["reason"].startswith("haios: context left: 12%.")
    again = hook(haios, project, "Stop", transcript_path=path, stop_hook_active=True)
    assert again.out == ""  # a continuation is never blocked again
    later = hook(haios, project, "Stop", transcript_path=path, stop_hook_active=False)
    assert later.out == ""  # once per session


def test_stop_with_plenty_of_context_says_nothing(project: Project, tmp_path: Path) -> None:
    assert decide(project, "Stop", transcript_path=transcript(tmp_path, 50_000)) is None


# -- activity matrix and scope -----------------------------------------------------------------


def edit(project: Project, rel: str) -> dict[str, Any]:
    path = str(project.root / rel)
    return {
        "tool_name": "Edit",
        "tool_input": {"file_path": path, "old_string": "a", "new_string": "b"},
    }


def test_source_edits_in_plan_are_asked_about_with_the_way_forward(
    rt: Runtime, project: Project
) -> None:
    mine = held(rt, phase="plan")
    decision = decide(project, "PreToolUse", **edit(project, "src/app.py"))
    assert decision == Decision(
        "ask",
        f"haios: {mine} is in its plan phase, which holds back write calls (Edit). Move the item "
        f"on with `haios work phase {mine} PHASE` (or finish this phase's work first).",
        "activity_matrix",
    )


@pytest.mark.parametrize("rel", ["docs/plan.md", "NOTES.md", "docs/work/active/WORK-001/plan.txt"])
def test_plans_and_notes_are_never_held_back(rt: Runtime, project: Project, rel: str) -> None:
    held(rt, phase="plan")
    assert decide(project, "PreToolUse", **edit(project, rel)) is None


def test_web_in_do_is_asked_about_and_writes_pass(rt: Runtime, project: Project) -> None:
    held(rt, phase="do")
    web = decide(project, "PreToolUse", tool_name="WebFetch", tool_input={"url": "https://x.org"})
    assert web is not None and web.action == "ask" and "do phase" in web.reason
    assert decide(project, "PreToolUse", **edit(project, "src/app.py")) is None


def test_a_warn_phase_adds_a_note(haios: Any, rt: Runtime, project: Project) -> None:
    mine = held(rt, phase="explore")
    result = hook(haios, project, "PreToolUse", **edit(project, "src/app.py"))
    assert context_of(result, "PreToolUse") == (
        f"haios: {mine} is in its explore phase; write calls (Edit) are unusual here."
    )


def test_no_held_item_or_no_phase_means_no_phase_rule(rt: Runtime, project: Project) -> None:
    assert decide(project, "PreToolUse", **edit(project, "src/app.py")) is None
    held(rt)  # claimed, no phase
    assert decide(project, "PreToolUse", **edit(project, "src/app.py")) is None


def test_another_sessions_item_does_not_govern_this_one(rt: Runtime, project: Project) -> None:
    for title in ("One", "Two"):
        item = rt.work.create(title)
        rt.work.claim(item.id, f"other-{title}")
        rt.work.set_cycle_phase(item.id, "plan")
    assert decide(project, "PreToolUse", **edit(project, "src/app.py")) is None


def test_scope_guard_asks_about_writes_outside_the_items_scope(
    rt: Runtime, project: Project
) -> None:
    mine = held(rt)
    set_scope(rt, mine, ["src/retry/**", "tests/test_retry.py"])
    assert decide(project, "PreToolUse", **edit(project, "src/retry/backoff.py")) is None
    assert decide(project, "PreToolUse", **edit(project, "tests/test_retry.py")) is None
    assert (
        decide(project, "PreToolUse", **edit(project, f"docs/work/active/{mine}/WORK.md")) is None
    )
    outside = decide(project, "PreToolUse", **edit(project, "src/billing.py"))
    assert outside is not None and outside.action == "ask" and outside.handler == "scope_guard"
    assert outside.reason.startswith(f"haios: src/billing.py is outside the scope of {mine}")


# -- after a tool ran --------------------------------------------------------------------------


def work_edit(rt: Runtime, work_id: str, old: str, new: str) -> dict[str, Any]:
    path = rt.project.root / "docs/work/active" / work_id / "WORK.md"
    path.write_text(path.read_text().replace(old, new, 1))  # what the Edit tool did
    return {
        "tool_name": "Edit",
        "tool_input": {"file_path": str(path), "old_string": old, "new_string": new},
        "tool_response": {"filePath": str(path)},
    }


def test_an_edit_that_drops_a_template_section_goes_back_to_claude(
    haios: Any, rt: Runtime, project: Project
) -> None:
    item = rt.work.create("Sections")
    call = work_edit(rt, item.id, "## Acceptance\n", "")
    result = json.loads(hook(haios, project, "PostToolUse", **call).out)
    assert result == {
        "decision": "block",
        "reason": f"haios: {item.id}'s WORK.md no longer matches its template: it lacks the "
        "sections `## Acceptance`. Put them back (a section may stay empty).",
    }


def test_a_body_edit_keeping_the_sections_is_fine_and_reindexed(
    haios: Any, rt: Runtime, project: Project
) -> None:
    item = rt.work.create("Old title")
    call = work_edit(rt, item.id, "title: Old title", "title: New title")
    assert hook(haios, project, "PostToolUse", **call).out == ""
    cache = json.loads((project.state_dir / "work-cache.json").read_text())
    assert [r["title"] for r in cache["ready"]] == ["New title"]  # artifact_refresh


def test_closing_an_item_names_what_it_made_ready(rt: Runtime, project: Project) -> None:
    first = rt.work.create("First")
    second = rt.work.create("Second", blocked_by=[first.id])
    rt.work.transition(first.id, "plan")
    rt.work.transition(first.id, "implement")
    rt.work.close(first.id)
    command = {"command": f"haios work close {first.id}"}
    decision = decide(
        project, "PostToolUse", tool_name="Bash", tool_input=command, tool_response={}
    )
    assert decision == Decision(
        "context", f"haios: closing {first.id} made ready: {second.id} «Second».", "cascade_trigger"
    )


def test_a_failed_command_is_queued_for_memory_redacted(
    haios: Any, rt: Runtime, project: Project
) -> None:
    mine = held(rt)
    command = "API_TOKEN=tok_live_1234567890 ./deploy.sh"
    hook(
        haios,
        project,
        "PostToolUseFailure",
        tool_name="Bash",
        tool_input={"command": command},
        error="Exit code 2\nboom",
    )
    (line,) = [
        json.loads(t) for t in (project.state_dir / "memory-outbox.jsonl").read_text().splitlines()
    ]
    assert line["input"] == "API_TOKEN=*** ./deploy.sh"
    assert (line["error"], line["work"], line["session"]) == ("Exit code 2\nboom", mine, SESSION)


# -- the hook log and audit stats --------------------------------------------------------------


def test_every_call_is_logged_and_summarised(haios: Any, rt: Runtime, project: Project) -> None:
    mine = held(rt)
    env = {"GITHUB_TOKEN": "ghp_abcdefghijklmnopqrstuvwxyz012345"}
    secret = {"file_path": str(project.root / ".env"), "content": "X=1"}
    hook(
        haios,
        project,
        "PreToolUse",
        env=env,
        tool_name="Write",
        tool_input=secret,
        agent_id="sub-1",
    )
    hook(
        haios,
        project,
        "PreToolUse",
        tool_name="Read",
        tool_input={"file_path": str(project.root / "a.py")},
    )
    tests = {"command": "python -m pytest -q --password hunter2"}
    hook(haios, project, "PostToolUse", tool_name="Bash", tool_input=tests, tool_response={})
    hook(
        haios,
        project,
        "PostToolUseFailure",
        tool_name="Bash",
        tool_input={"command": "pytest"},
        error="Exit code 1",
    )
    hook(
        haios,
        project,
        "PostToolUse",
        tool_name="Bash",
        tool_input={"command": "git commit -m x"},
        tool_response={},
    )
    close = {"command": "haios work close WORK-777"}
    hook(haios, project, "PostToolUse", tool_name="Bash", tool_input=close, tool_response={})
    lines = list(hooklog.read(str(project.state_dir)))
    assert [(line["event"], line["decision"]) for line in lines] == [
        ("PreToolUse", "deny"),
        ("PreToolUse", "none"),
        ("PostToolUse", "none"),
        ("PostToolUseFailure", "none"),
        ("PostToolUse", "none"),
        ("PostToolUse", "none"),
    ]
    deny = lines[0]
    assert (deny["handler"], deny["tool"], deny["agent_id"], deny["work"]) == (
        "path_governance", "Write", "sub-1", mine,
    )  # fmt: skip
    assert deny["session"] == SESSION and deny["ms"] > 0
    notable = [line.get("notable") for line in lines[2:]]
    assert notable == ["tests_passed", "tests_failed", "commit", "item_closed"]
    assert lines[2]["command"] == "python -m pytest -q --password ***"
    raw = (project.state_dir / "hooks.jsonl").read_text()
    assert "ghp_" not in raw and "hunter2" not in raw
    stats = haios("audit", "stats", "--json").json()
    assert stats["calls"] == 6
    assert stats["decisions"] == {"path_governance": {"deny": 1}}
    assert stats["latency"]["PreToolUse"]["calls"] == 2
    assert stats["notable"] == {
        "tests_passed": 1, "tests_failed": 1, "commit": 1, "item_closed": 1,
    }  # fmt: skip
    text = haios("audit", "stats").out
    assert "path_governance  1" in text and "PreToolUse" in text and "tests_passed" in text


def test_audit_stats_with_no_calls(haios: Any, project: Project) -> None:
    assert haios("audit", "stats").out.startswith("no hook calls recorded yet")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("export ANTHROPIC_API_KEY=sk-ant-abcdefghijklmnopqrstuv", "export ANTHROPIC_API_KEY=***"),
        ('curl -H "Authorization: Bearer abcdefghijkl" x', 'curl -H "Authorization: Bearer ***" x'),
        ("psql postgres://bob:hunter2@db/x", "psql postgres://bob:***@db/x"),
        ("mysql --password hunter2 -u root", "mysql --password *** -u root"),
        ('PASSWORD="s3cr3t pass" ./run', "PASSWORD=*** ./run"),
        (
            "git push https://ghp_abcdefghijklmnopqrstuvwxyz1234@github.com",
            "git push https://***@github.com",
        ),
        ("AKIAABCDEFGHIJKLMNOP", "***"),
        ("grep token file.txt", "grep token file.txt"),
        ("pytest -q tests/", "pytest -q tests/"),
    ],
)
def test_redaction(text: str, shown: str) -> None:
    assert hooklog.redact(text) == shown


def test_the_log_survives_a_torn_line(haios: Any, project: Project) -> None:
    hook(haios, project, "UserPromptSubmit", prompt="x")
    with open(project.state_dir / "hooks.jsonl", "a") as fh:
        fh.write('{"event": "PreTo')  # a crash mid-write elsewhere
    assert haios("audit", "stats", "--json").json()["calls"] == 1
    assert os.path.getsize(project.state_dir / "hooks.jsonl") > 0


# -- PermissionRequest -------------------------------------------------------------------------


def permission_deny(result: Result) -> str:
    doc = json.loads(result.out)
    spec = doc["hookSpecificOutput"]
    assert (spec["hookEventName"], spec["decision"]["behavior"]) == ("PermissionRequest", "deny")
    message: str = spec["decision"]["message"]
    return message


def test_permission_request_gets_the_guards_deny(haios: Any, project: Project) -> None:
    write = {"file_path": str(project.root / ".env"), "content": "X=1"}
    result = hook(haios, project, "PermissionRequest", tool_name="Write", tool_input=write)
    assert permission_deny(result).startswith("haios: writing .env is blocked")
    fine = {"file_path": str(project.root / "src/app.py"), "content": "x = 1"}
    assert hook(haios, project, "PermissionRequest", tool_name="Write", tool_input=fine).out == ""


def test_permission_request_fails_closed(haios: Any, project: Project) -> None:
    env = {"CLAUDE_PROJECT_DIR": str(project.root)}
    result = haios("hook", "PermissionRequest", stdin="not json", env=env)
    assert (result.code, result.err) == (0, "")
    assert permission_deny(result).startswith("haios could not check this call")
