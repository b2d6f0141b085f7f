"""`haios coldstart`, `context --explain`, `session current|list`, `checkpoint new` and `status`,
through the real CLI in a subprocess."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from haios.cli import main
from haios.cli.parser import build_parser
from haios.project import Project
from haios.runtime import Runtime

from .test_context_hooks import SESSION, context_of, hook

IN_SESSION = {"HAIOS_SESSION": SESSION}


def test_coldstart_prints_exactly_what_the_hook_injected(
    haios: Any, rt: Runtime, project: Project
) -> None:
    rt.work.create("Retry with backoff")
    injected = context_of(hook(haios, project, "SessionStart", source="startup"))
    shown = haios("coldstart", env=IN_SESSION)
    assert (shown.code, shown.out, shown.err) == (0, injected, "")
    doc = haios("coldstart", "--json", env=IN_SESSION).json()
    assert doc == {
        "session": 1,
        "prior": None,
        "trigger": "coldstart",
        "tier": "full",
        "chars": len(injected),
        "tokens": -(-len(injected) // 4),
        "text": injected,
    }


def test_outside_a_session_coldstart_is_a_preview_that_records_nothing(
    haios: Any, project: Project
) -> None:
    shown = haios("coldstart", "--tier", "minimal", env={"HAIOS_SESSION": "someone@laptop"})
    assert shown.out.startswith("haios · session 1 · coldstart · tier minimal\n")
    assert not (project.state_dir / "session.json").exists()


def test_context_explain_says_what_was_kept_and_why(haios: Any, project: Project) -> None:
    folder = project.root / ".claude" / "config"
    folder.mkdir(parents=True)
    (folder / "north-star.md").write_text("# North star\n\nShip it.\n")
    result = haios("context", "--explain", "--tier", "light")
    assert result.code == 0, result.err
    lines = result.out.split("\n")
    assert re.split(r"\s{2,}", lines[0]) == ["SECTION", "LEVEL", "FORM", "TOKENS", "FULL", "WHY"]
    rows = {re.split(r"\s{2,}", line)[0]: re.split(r"\s{2,}", line) for line in lines[1:11]}
    assert rows["north_star"] == [
        "north_star",
        "l0",
        "left out",
        "0",
        "17",
        "tier light leaves it out",
    ]
    assert rows["invariants"][-1] == "missing: write .claude/config/invariants.md"
    assert lines[-2].startswith("session 1 · coldstart · tier light · ")
    doc = haios("context", "--json", "--trigger", "session_recovery").json()
    assert (doc["trigger"], doc["tier"]) == ("session_recovery", "minimal")
    assert {r["section"] for r in doc["sections"]} >= {"header", "session", "north_star"}
    assert set(doc["sections"][0]) == {
        "section",
        "level",
        "source",
        "form",
        "tokens",
        "tokens_full",
        "reason",
    }


def test_session_current_and_list(haios: Any, project: Project) -> None:
    none = haios("session", "current", env=IN_SESSION)
    assert none.out == f"no session recorded for {SESSION}; the next session will be 1\n"
    hook(haios, project, "SessionStart", source="startup")
    hook(haios, project, "Stop")
    hook(haios, project, "SessionStart", session="other", source="startup")
    hook(haios, project, "SessionEnd", session="other", reason="other")
    current = haios("session", "current", env=IN_SESSION).out.split("\n")
    assert current[0] == f"session 1: {SESSION}"
    assert ", 1 turns, 0 compactions, open" in current[1]
    doc = haios("session", "current", "--json", env=IN_SESSION).json()
    assert (doc["id"], doc["record"]["number"], doc["next"]) == (SESSION, 1, 3)
    listed = haios("session", "list").out.split("\n")
    assert [
        re.split(r"\s{2,}", line)[:1] + re.split(r"\s{2,}", line)[2:4] for line in listed[1:3]
    ] == [
        ["2", "0", "ended"],
        ["1", "1", "open"],
    ]
    assert listed[3] == "2 sessions recorded; the next will be 3"
    assert [s["number"] for s in haios("session", "list", "--json").json()["sessions"]] == [2, 1]


def test_checkpoint_new_writes_the_legacy_format_and_leads_the_next_start(
    haios: Any, project: Project
) -> None:
    hook(haios, project, "SessionStart", source="startup")
    made = haios(
        "checkpoint", "new", "Retry design", "--done", "WORK-010: backoff policy",
        "--decision", "Full jitter", "--next", "make the backoff configurable",
        "--pending", "WORK-012", "--drift", "docs/cli.md lists --fast",
        "--memory-ref", "88476", "--json", env=IN_SESSION,
    )  # fmt: skip
    assert made.code == 0, made.err
    doc = made.json()
    assert doc["session"] == 1
    assert re.fullmatch(
        r"docs/checkpoints/\d{4}-\d\d-\d\d-01-SESSION-1-retry-design\.md", doc["path"]
    )
    text = (project.root / doc["path"]).read_text()
    assert (
        "\nload_memory_refs:\n  - 88476\n" in text and "\n## Decisions\n\n- Full jitter\n" in text
    )
    nxt = context_of(hook(haios, project, "SessionStart", session="next", source="startup"))
    assert nxt.split("\n")[2:4] == [
        "Pending from session 1: WORK-012",
        "Drift seen in session 1: docs/cli.md lists --fast",
    ]
    assert "\nNext: make the backoff configurable\n" in nxt
    empty = haios("checkpoint", "new", "  ", env=IN_SESSION)
    assert (empty.code, empty.err) == (
        2,
        "haios: error: a checkpoint needs a title: what this session was about, in a line\n",
    )


def test_a_session_that_wrote_its_checkpoint_or_did_nothing_gets_none_at_the_end(
    haios: Any, project: Project
) -> None:
    hook(haios, project, "SessionStart", source="startup")
    hook(haios, project, "SessionEnd", reason="other")
    hook(haios, project, "SessionStart", session="worked", source="startup")
    hook(haios, project, "Stop", session="worked")
    made = haios("checkpoint", "new", "Done for today", env={"HAIOS_SESSION": "worked"})
    assert made.code == 0 and made.out.startswith("wrote docs/checkpoints/")
    hook(haios, project, "SessionEnd", session="worked", reason="other")
    names = [p.name[11:] for p in (project.root / "docs" / "checkpoints").iterdir()]
    assert names == ["01-SESSION-2-done-for-today.md"]


def test_status_fits_one_screen(haios: Any, rt: Runtime, project: Project) -> None:
    first = rt.work.create("Retry with backoff")
    rt.work.create("Document it", blocked_by=[first.id])
    rt.work.claim(first.id, SESSION)
    rt.work.set_cycle_phase(first.id, "do")
    hook(haios, project, "SessionStart", source="startup")
    shown = haios("status", env=IN_SESSION)
    assert shown.code == 0, shown.err
    assert shown.out == (
        "session 1 · last checkpoint none\n"
        "work: WORK-001 «Retry with backoff» (node backlog, phase do) · 0 ready · 1 claimed · "
        "1 blocked (WORK-002) · 2 open\n"
        "memory: degraded (0 strategies; no memory digest yet)\n"
        "hook errors: 0\n"
    )
    doc = haios("status", "--json", env=IN_SESSION).json()
    assert doc["work"]["held"] == {
        "id": "WORK-001", "title": "Retry with backoff", "node": "backlog", "phase": "do"
    }  # fmt: skip
    assert (doc["session"]["number"], doc["hook_errors"]["count"]) == (1, 0)


def test_status_names_the_last_hook_error(haios: Any, project: Project, tmp_path: Path) -> None:
    (project.state_dir / "haios-error.log").write_text(
        "--- haios 0.1.0 hook SessionStart\nTraceback (most recent call last):\n"
        '  File "x.py", line 1\nOSError: disk full\n'
    )
    line = haios("status").out.split("\n")[3]
    assert line.startswith(
        "hook errors: 1; last: haios 0.1.0 hook SessionStart: OSError: disk full"
    )


def test_outside_a_project_the_commands_say_so(haios: Any, tmp_path: Path) -> None:
    for argv in (("coldstart",), ("status",), ("session", "list")):
        result = haios(*argv, cwd=tmp_path)
        assert (
            result.code == 1
            and result.err.startswith("haios: error: ")
            and "haios init" in result.err
        )
        assert "Traceback" not in result.err


def test_statusline_shows_the_session_and_records_the_context_left(
    haios: Any, rt: Runtime, project: Project
) -> None:
    item = rt.work.create("Retry with backoff")
    rt.work.claim(item.id, SESSION)
    rt.work.set_cycle_phase(item.id, "do")
    hook(haios, project, "SessionStart", source="startup")
    payload = {
        "session_id": SESSION,
        "model": {"id": "claude-opus-4-8", "display_name": "Opus"},
        "workspace": {"current_dir": str(project.root / "docs"), "project_dir": str(project.root)},
        "context_window": {"used_percentage": 88.4},
    }
    shown = haios("statusline", stdin=json.dumps(payload))
    assert (shown.code, shown.out, shown.err) == (
        0,
        "Opus · session 1 · WORK-001 do · 12% context left\n",
        "",
    )
    prompt = context_of(hook(haios, project, "UserPromptSubmit", prompt="go on"))
    assert "Context: 12% left. Write a checkpoint in docs/checkpoints/ before going on." in prompt


def test_statusline_never_fails(haios: Any, tmp_path: Path) -> None:
    for stdin in (
        "not json",
        "[1, 2]",
        "",
        '{"model": "odd", "context_window": {"used_percentage": true}}',
    ):
        shown = haios("statusline", stdin=stdin, cwd=tmp_path)
        assert (shown.code, shown.err) == (0, "")
        assert shown.out == "haios: not a haios project\n"


def test_a_bare_coldstart_skips_the_parser_with_the_options_the_parser_gives() -> None:
    args = build_parser(["coldstart"]).parse_args(["coldstart"])
    assert vars(args) == main.COLDSTART


def test_a_bare_coldstart_outside_a_project_fails_as_the_parsed_one_does(
    haios: Any, tmp_path: Path
) -> None:
    bare, parsed = haios("coldstart", cwd=tmp_path), haios("coldstart", "--json", cwd=tmp_path)
    assert (bare.code, bare.out, bare.err) == (parsed.code, parsed.out, parsed.err)
    assert bare.code == 1 and bare.err.startswith("haios: error: ")
