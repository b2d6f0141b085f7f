"""The real `haios` CLI in a subprocess: output, JSON documents and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from haios import __version__
from haios.cli.agentfiles import COMMANDS, skill_path
from haios.configload import load_config
from haios.errors import WorkFileError
from haios.project import Project
from haios.runtime import Runtime
from haios.work import files

PACKAGED_CYCLES = load_config(Project("/nonexistent")).cycle_definitions.cycles
GENERATED = [*map(skill_path, PACKAGED_CYCLES), *(f"commands/{name}.md" for name in COMMANDS)]

ROW_KEYS = {
    "id", "title", "type", "status", "node", "queue", "priority", "owner", "created",
    "blocked_by", "phase", "scope", "path",
}  # fmt: skip
SHOW_KEYS = {
    "id", "title", "type", "status", "priority", "current_node", "queue_position", "cycle_phase",
    "owner", "created", "closed", "closed_reason", "path", "blocked_by", "blocks", "memory_refs",
    "node_history", "queue_history", "documents", "extra", "legacy", "cycle",
}  # fmt: skip
BROKEN_CHAIN = "chain broken: `prev` does not match the line before"
NOT_FOUND = "haios: error: WORK-404: no such work item; `haios work list` shows them all\n"


def ok(result: Any) -> Any:
    assert (result.code, result.err) == (0, ""), result.err
    return result


def failed(result: Any, code: int, message: str) -> None:
    """A user error: one line on stderr, nothing on stdout."""
    assert (result.code, result.out, result.err) == (code, "", f"haios: error: {message}\n")


def usage_error(result: Any, fragment: str) -> None:
    """An argparse error: usage and the problem on stderr, exit 2."""
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("usage: haios")
    assert fragment in result.err
    assert "Traceback" not in result.err


def rel(project: Project, work_id: str, area: str = "active") -> str:
    return f"docs/work/{area}/{work_id}/WORK.md"


@pytest.fixture
def three(rt: Runtime) -> Runtime:
    """WORK-001 (medium), WORK-002 (high bug, claimed by alice), WORK-003 (low, blocked by 1)."""
    rt.work.create("Alpha")
    rt.work.create("Beta", type="bug", priority="high")
    rt.work.create("Gamma", priority="low", blocked_by=["WORK-001"])
    rt.work.claim("WORK-002", "alice")
    return rt


def test_version(haios: Any) -> None:
    result = ok(haios("--version"))
    assert result.out == f"haios {__version__}\n"


# -- work new / show ------------------------------------------------------------------------------


def test_new_and_show(haios: Any, project: Project) -> None:
    result = ok(haios("work", "new", "Write the docs", "--type", "chore", "--priority", "high"))
    path = project.root / rel(project, "WORK-001")
    assert result.out == f"created WORK-001: Write the docs (backlog)\n  {path}\n"
    result = ok(haios("work", "new", "Second", "--blocked-by", "1", "--blocked-by", "WORK-001"))
    assert result.out.startswith("created WORK-002: Second (backlog, blocked by WORK-001)\n")
    result = ok(haios("work", "show", "WORK-002"))
    lines = result.out.splitlines()
    assert lines[0] == "WORK-002: Second"
    assert lines[1] == (
        "  status active · node backlog · queue backlog · priority medium · type feature"
    )
    assert "  blocked by: WORK-001" in lines
    assert "  history: backlog" in lines
    assert lines[-1] == f"  {project.root / rel(project, 'WORK-002')}"
    assert "  blocks: WORK-002" in ok(haios("work", "show", "1")).out.splitlines()


def test_new_and_show_json(haios: Any, project: Project) -> None:
    created = ok(haios("work", "new", "JSON item", "--json")).json()
    assert set(created) == SHOW_KEYS
    shown = ok(haios("work", "show", "1", "--json")).json()
    assert shown == created
    assert shown["id"] == "WORK-001"
    assert (shown["status"], shown["current_node"], shown["queue_position"]) == (
        "active",
        "backlog",
        "backlog",
    )
    assert shown["path"] == str(project.root / rel(project, "WORK-001"))
    assert shown["node_history"] == [
        {"node": "backlog", "entered": shown["created"], "exited": None}
    ]
    assert (shown["extra"], shown["legacy"], shown["documents"]) == ({}, {}, {})


def test_show_lists_documents(haios: Any, rt: Runtime, project: Project) -> None:
    rt.work.create("Documented")
    folder = project.root / "docs/work/active/WORK-001"
    (folder / "PLAN.md").write_text("plan")
    (folder / "notes.md").write_text("notes")
    assert "  plan: PLAN.md\n  other: notes.md\n" in ok(haios("work", "show", "1")).out
    assert ok(haios("work", "show", "1", "--json")).json()["documents"] == {
        "plan": ["PLAN.md"],
        "other": ["notes.md"],
    }


# -- work list / ready / next ---------------------------------------------------------------------


def test_list_human(haios: Any, three: Runtime) -> None:
    assert ok(haios("work", "list")).out == (
        "ID        NODE     QUEUE    PRIORITY  TITLE\n"
        "WORK-002  backlog  working  high      Beta\n"
        "WORK-001  backlog  backlog  medium    Alpha\n"
        "WORK-003  backlog  backlog  low       Gamma\n"
    )


def test_list_json(haios: Any, three: Runtime, project: Project) -> None:
    doc = ok(haios("work", "list", "--json")).json()
    assert set(doc) == {"items", "count", "errors"}
    assert (doc["count"], doc["errors"]) == (3, [])
    assert [row["id"] for row in doc["items"]] == ["WORK-002", "WORK-001", "WORK-003"]
    for row in doc["items"]:
        assert set(row) == ROW_KEYS
    beta = doc["items"][0]
    assert {k: beta[k] for k in ROW_KEYS - {"created"}} == {
        "id": "WORK-002",
        "title": "Beta",
        "type": "bug",
        "status": "active",
        "node": "backlog",
        "queue": "working",
        "priority": "high",
        "owner": "alice",
        "blocked_by": [],
        "phase": None,
        "scope": [],
        "path": rel(project, "WORK-002"),
    }
    assert doc["items"][2]["blocked_by"] == ["WORK-001"]


@pytest.mark.parametrize(
    ("filters", "ids"),
    [
        (("--status", "active"), ["WORK-002", "WORK-001", "WORK-003"]),
        (("--status", "abandoned"), ["WORK-004"]),
        (("--status", "complete"), []),
        (("--node", "plan"), ["WORK-001"]),
        (("--queue", "working"), ["WORK-002"]),
        (("--queue", "done"), ["WORK-004"]),
        (("--type", "bug"), ["WORK-002"]),
        (("--owner", "alice"), ["WORK-002"]),
        (("--text", "amm"), ["WORK-003"]),
        (("--text", "work-00"), ["WORK-002", "WORK-001", "WORK-004", "WORK-003"]),
        (("--status", "active", "--type", "feature", "--text", "a"), ["WORK-001", "WORK-003"]),
        (("--node", "plan", "--queue", "working"), []),
    ],
)
def test_list_filters(haios: Any, three: Runtime, filters: tuple[str, ...], ids: list[str]) -> None:
    three.work.transition("WORK-001", "plan")
    three.work.create("Delta")
    three.work.close("WORK-004", abandon_reason="dropped")
    doc = ok(haios("work", "list", *filters, "--json")).json()
    assert [row["id"] for row in doc["items"]] == ids
    human = ok(haios("work", "list", *filters)).out
    assert human == "no work items match\n" if not ids else human.count("\nWORK-") == len(ids)


def test_list_rejects_a_bad_filter_value(haios: Any) -> None:
    usage_error(haios("work", "list", "--status", "open"), "argument --status: invalid choice")


def test_list_of_an_empty_project(haios: Any) -> None:
    assert ok(haios("work", "list")).out == "no work items match\n"
    assert ok(haios("work", "list", "--json")).json() == {"items": [], "count": 0, "errors": []}
    assert ok(haios("work", "ready")).out == "nothing is ready\n"


def test_ready_human_and_json(haios: Any, three: Runtime) -> None:
    # WORK-002 is claimed and WORK-003 waits for WORK-001: only WORK-001 is ready
    assert ok(haios("work", "ready")).out == (
        "ID        NODE     QUEUE    PRIORITY  TITLE\n"
        "WORK-001  backlog  backlog  medium    Alpha\n"
        "1 ready\n"
    )
    doc = ok(haios("work", "ready", "--json")).json()
    assert set(doc) == {"items", "count", "total", "errors"}
    assert ([r["id"] for r in doc["items"]], doc["count"], doc["total"]) == (["WORK-001"], 1, 1)


def test_ready_limit_and_all(haios: Any, rt: Runtime) -> None:
    for n in range(1, 24):
        rt.work.create(f"item {n}", priority="high" if n == 23 else None)
    out = ok(haios("work", "ready")).out.splitlines()
    assert out[1].startswith("WORK-023 ")
    assert (len(out), out[-1]) == (22, "23 ready (showing 20; --all for every one)")
    out = ok(haios("work", "ready", "--limit", "2")).out.splitlines()
    assert [line.split()[0] for line in out[1:3]] == ["WORK-023", "WORK-001"]
    assert out[-1] == "23 ready (showing 2; --all for every one)"
    assert ok(haios("work", "ready", "--all")).out.splitlines()[-1] == "23 ready"
    doc = ok(haios("work", "ready", "--all", "--json")).json()
    assert (doc["count"], doc["total"]) == (23, 23)
    doc = ok(haios("work", "ready", "--limit", "5", "--json")).json()
    assert (doc["count"], doc["total"]) == (5, 23)


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_ready_limit_must_be_positive(haios: Any, limit: str) -> None:
    failed(
        haios("work", "ready", "--limit", limit),
        2,
        f"--limit {limit}: must be at least 1 (--all shows every item)",
    )


def test_ready_limit_must_be_a_number(haios: Any) -> None:
    usage_error(haios("work", "ready", "--limit", "many"), "invalid int value: 'many'")


def test_next_and_next_claim(haios: Any, three: Runtime) -> None:
    assert ok(haios("work", "next")).out == "WORK-001 is next: Alpha\n"
    assert ok(haios("work", "next", "--json")).json()["id"] == "WORK-001"
    assert ok(haios("work", "next", "--claim")).out == "WORK-001 claimed by test-session: Alpha\n"
    assert ok(haios("work", "next")).out == "nothing is ready\n"
    assert ok(haios("work", "next", "--json")).out == "null\n"
    assert ok(haios("work", "next", "--claim", "--owner", "bob")).out == "nothing is ready\n"


# -- claim / release / move / queue / close -------------------------------------------------------


def test_claim_and_release(haios: Any, three: Runtime) -> None:
    assert ok(haios("work", "claim", "1")).out == "WORK-001 claimed by test-session\n"
    failed(
        haios("work", "claim", "1", "--owner", "bob"),
        1,
        "WORK-001 is already claimed by test-session",
    )
    failed(
        haios("work", "release", "1", "--owner", "bob"),
        1,
        "WORK-001 is claimed by test-session, not bob; pass --force to take the claim away",
    )
    assert ok(haios("work", "release", "1")).out == "WORK-001 released (backlog)\n"
    doc = ok(haios("work", "release", "2", "--owner", "bob", "--force", "--json")).json()
    assert (doc["owner"], doc["queue_position"]) == (None, "backlog")
    doc = ok(haios("work", "claim", "2", "--owner", "bob", "--json")).json()
    assert (doc["owner"], doc["queue_position"]) == ("bob", "working")


def test_claim_uses_the_session_from_the_environment(haios: Any, rt: Runtime) -> None:
    rt.work.create("mine")
    result = ok(haios("work", "claim", "1", env={"HAIOS_SESSION": "agent-42"}))
    assert result.out == "WORK-001 claimed by agent-42\n"


def test_move(haios: Any, rt: Runtime) -> None:
    rt.work.create("mover")
    assert ok(haios("work", "move", "1", "plan")).out == "WORK-001: backlog → plan\n"
    assert ok(haios("work", "move", "1", "plan")).out == "WORK-001 is already in plan\n"
    doc = ok(haios("work", "move", "WORK-001", "implement", "--json")).json()
    assert [h["node"] for h in doc["node_history"]] == ["backlog", "plan", "implement"]
    failed(
        haios("work", "move", "1", "discovery"),
        1,
        "WORK-001: cannot move implement → discovery; allowed from implement: plan, close",
    )


def test_queue(haios: Any, rt: Runtime) -> None:
    rt.work.create("queued")
    assert ok(haios("work", "queue", "1", "parked")).out == "WORK-001 queued: parked\n"
    assert ok(haios("work", "queue", "1", "ready", "--json")).json()["queue_position"] == "ready"
    failed(
        haios("work", "queue", "1", "working"),
        2,
        "cannot queue to 'working': use `haios work claim ID`",
    )
    failed(
        haios("work", "queue", "1", "done"), 2, "cannot queue to 'done': use `haios work close ID`"
    )


def test_close(haios: Any, rt: Runtime, project: Project) -> None:
    rt.work.create("finish me")
    rt.work.create("drop me")
    failed(
        haios("work", "close", "1"),
        1,
        "WORK-001 is in backlog; close completes items in implement or close: first "
        "`haios work move WORK-001 plan` then `haios work move WORK-001 implement`, "
        'or abandon it: `haios work close WORK-001 --abandon --reason "…"`',
    )
    rt.work.transition("WORK-001", "plan")
    rt.work.transition("WORK-001", "implement")
    assert ok(haios("work", "close", "1")).out == "WORK-001 closed: complete\n"
    assert ok(haios("work", "close", "1")).out == "WORK-001 was already closed (complete)\n"
    failed(
        haios("work", "close", "2", "--abandon"),
        2,
        '--abandon needs --reason "why it will not be done"',
    )
    doc = ok(
        haios("work", "close", "2", "--abandon", "--reason", "dup", "--archive", "--json")
    ).json()
    assert (doc["status"], doc["closed_reason"]) == ("abandoned", "dup")
    assert doc["path"] == str(project.root / rel(project, "WORK-002", "archive"))
    assert ok(haios("work", "show", "2")).out.startswith("WORK-002: drop me\n  status abandoned")


def test_block_and_unblock(haios: Any, rt: Runtime) -> None:
    for title in ("a", "b", "c"):
        rt.work.create(title)
    assert ok(haios("work", "block", "1", "--by", "2")).out == "WORK-001 is blocked by WORK-002\n"
    assert ok(haios("work", "block", "1", "--by", "3")).out == (
        "WORK-001 is blocked by WORK-002, WORK-003\n"
    )
    failed(
        haios("work", "block", "3", "--by", "1"),
        1,
        "WORK-003 blocked by WORK-001 would close a dependency cycle: "
        "WORK-003 → WORK-001 → WORK-003 (each is blocked by the next)",
    )
    assert rt.work.get("WORK-002").blocks == ("WORK-001",)
    doc = ok(haios("work", "unblock", "1", "--by", "2", "--json")).json()
    assert doc["blocked_by"] == ["WORK-003"]
    assert rt.work.get("WORK-002").blocks == ()
    assert ok(haios("work", "unblock", "1", "--by", "3")).out == "WORK-001 is blocked by nothing\n"
    usage_error(haios("work", "block", "1"), "the following arguments are required: --by")


def test_reindex(haios: Any, rt: Runtime, project: Project) -> None:
    rt.work.create("a")
    rt.work.create("b")
    (project.root / rel(project, "WORK-002")).write_text("---\nid: [\n---\n")
    result = haios("work", "reindex")
    assert (result.code, result.out) == (0, "indexed 2 items\n")
    assert result.err.startswith(
        f"haios: warning: unreadable item: {project.root / rel(project, 'WORK-002')}: line 3: "
    )
    doc = ok(haios("work", "reindex", "--json")).json()
    assert doc["indexed"] == 2
    assert [e["key"] for e in doc["errors"]] == ["active/WORK-002"]
    rt.work.close_index()  # deleting the index of a running process is another matter
    (project.state_dir / "index.sqlite").unlink()
    assert ok(haios("work", "list", "--json")).json()["count"] == 1


def test_renumber(haios: Any, rt: Runtime, project: Project) -> None:
    rt.work.create("ours")
    rt.work.create("blocked by theirs")
    assert ok(haios("work", "renumber", "1")).out == "WORK-001 is not duplicated; nothing to do\n"
    copy = project.root / "docs/work/active/WORK-001-copy"
    shutil.copytree(project.root / "docs/work/active/WORK-001", copy)
    path = copy / "WORK.md"
    changed = {"title": "theirs", "created": "2099-01-01T00:00:00+00:00", "blocks": ["WORK-002"]}
    files.write_atomic(path, files.patch(files.read(path), changed))
    rt.work.block("WORK-002", "WORK-001")  # recorded on WORK-001 too, as symmetry requires
    assert ok(haios("work", "renumber", "1")).out == "active/WORK-001-copy → WORK-003\n"
    assert ok(haios("work", "show", "3", "--json")).json()["title"] == "theirs"
    assert ok(haios("work", "renumber", "1", "--json")).json() == {"renumbered": {}}


# -- exit codes and errors ------------------------------------------------------------------------


def test_user_errors_exit_1_with_one_line(haios: Any, project: Project) -> None:
    failed(haios("work", "show", "WORK-404"), 1, NOT_FOUND.removeprefix("haios: error: ")[:-1])
    failed(haios("work", "show", "404", "--json"), 1, NOT_FOUND.removeprefix("haios: error: ")[:-1])
    failed(
        haios("work", "show", "../../etc/passwd"),
        1,
        "invalid work id '../../etc/passwd': use letters, digits and dashes, starting with a "
        "letter, at most 64 characters (e.g. WORK-001)",
    )
    failed(
        haios("work", "move", "/etc/passwd", "plan"),
        1,
        "invalid work id '/etc/passwd': use letters, digits and dashes, starting with a "
        "letter, at most 64 characters (e.g. WORK-001)",
    )
    result = haios("work", "show", "W" * 10_000)
    assert (result.code, result.out, result.err.count("\n")) == (1, "", 1)
    assert len(result.err) < 250


def test_usage_errors_from_the_engine_exit_2_with_one_line(haios: Any) -> None:
    failed(
        haios("work", "new", "typed", "--type", "epic"),
        2,
        "unknown type 'epic'; types are: feature, bug, chore, investigation, implementation,"
        " design (set work.types in .claude/haios/config/haios.yaml)",
    )
    failed(haios("work", "new", "   "), 2, "a title must be 1 to 200 characters of text")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((), "the following arguments are required: COMMAND"),
        (("bogus",), "argument COMMAND: invalid choice: 'bogus'"),
        (("work",), "the following arguments are required: COMMAND"),
        (("work", "move", "1"), "the following arguments are required: node"),
        (("work", "new", "x", "--priority", "urgent"), "argument --priority: invalid choice"),
        (("work", "list", "--nope"), "unrecognized arguments: --nope"),
    ],
)
def test_argparse_errors_exit_2(haios: Any, args: tuple[str, ...], fragment: str) -> None:
    usage_error(haios(*args), fragment)


def test_outside_a_project(haios: Any, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    message = (
        f"{elsewhere.resolve()}: not a haios project (no .claude/haios here or above);"
        " run `haios init` first"
    )
    for args in (
        ("work", "list"),
        ("work", "ready"),
        ("work", "new", "x"),
        ("doctor",),
        ("audit", "verify"),
    ):
        failed(haios(*args, cwd=elsewhere), 1, message)
    assert list(elsewhere.iterdir()) == []


def test_from_a_subfolder_and_with_dash_c(haios: Any, project: Project, tmp_path: Path) -> None:
    sub = project.root / "docs/work/active"
    assert ok(haios("work", "new", "from below", cwd=sub)).out.startswith("created WORK-001")
    assert ok(haios("work", "list", "--json", cwd=sub)).json()["count"] == 1
    deep = project.root / "src/a/b"
    deep.mkdir(parents=True)
    assert ok(haios("work", "show", "1", cwd=deep)).out.startswith("WORK-001: from below\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = ok(haios("-C", str(project.root), "work", "ready", cwd=elsewhere))
    assert result.out.endswith("1 ready\n")


def test_an_unreadable_item_is_skipped_with_a_warning(
    haios: Any, rt: Runtime, project: Project
) -> None:
    rt.work.create("fine")
    rt.work.create("broken")
    path = project.root / rel(project, "WORK-002")
    path.write_text("---\ntitle: fine\nstatus: a: b\n---\nbody\n")
    with pytest.raises(WorkFileError) as info:
        files.read(path)
    error = str(info.value)
    assert error.startswith(f"{path}: line 3: mapping values are not allowed ")
    result = haios("work", "list")
    assert result.code == 0
    assert result.err == f"haios: warning: skipped unreadable item: {error}\n"
    assert result.out.splitlines()[1].startswith("WORK-001 ")
    doc = ok(haios("work", "ready", "--json")).json()
    assert doc["errors"] == [{"key": "active/WORK-002", "error": error}]
    failed(haios("work", "show", "2"), 1, error)
    failed(haios("work", "move", "2", "plan"), 1, error)
    assert path.read_text() == "---\ntitle: fine\nstatus: a: b\n---\nbody\n"


def test_internal_error_exits_3_and_logs_the_traceback(haios: Any, project: Project) -> None:
    index = project.state_dir / "index.sqlite"
    index.unlink(missing_ok=True)
    index.mkdir()
    log = project.state_dir / "haios-error.log"
    result = haios("work", "list")
    assert (result.code, result.out) == (3, "")
    assert result.err == (
        f"haios: internal error: OperationalError: unable to open database file; details in {log}\n"
    )
    text = log.read_text()
    assert text.startswith(f"--- haios {__version__} work list\n")
    assert "Traceback (most recent call last):" in text
    assert text.rstrip().endswith("sqlite3.OperationalError: unable to open database file")


# -- audit ----------------------------------------------------------------------------------------


@pytest.fixture
def journal(rt: Runtime, project: Project) -> Path:
    """A journal of five events."""
    rt.work.create("a")  # 1
    rt.work.create("b", blocked_by=["WORK-001"])  # 2 (WORK-001 blocks), 3 (created)
    rt.work.transition("WORK-001", "plan")  # 4
    rt.work.claim("WORK-001", "me")  # 5
    path = project.state_dir / "journal.jsonl"
    assert len(path.read_bytes().splitlines()) == 5
    return path


def test_audit_verify_intact(haios: Any, journal: Path) -> None:
    assert ok(haios("audit", "verify")).out == "journal intact: 5 events\n"
    doc = ok(haios("audit", "verify", "--json")).json()
    assert doc == {"ok": True, "lines": 5, "problem": None}


def test_audit_verify_of_an_empty_journal(haios: Any) -> None:
    assert ok(haios("audit", "verify")).out == "journal intact: 0 events\n"


def tamper(lines: list[bytes], number: int) -> list[bytes]:
    record = json.loads(lines[number - 1])
    record["payload"]["node"] = "complete"
    lines[number - 1] = json.dumps(record, separators=(",", ":")).encode() + b"\n"
    return lines


@pytest.mark.parametrize(
    ("damage", "line", "reason"),
    [
        (lambda ls: tamper(ls, 3), 3, "hash mismatch: the line was edited"),
        (lambda ls: [*ls[:1], *ls[2:]], 2, BROKEN_CHAIN),
        (lambda ls: ls[1:], 1, BROKEN_CHAIN),
        (lambda ls: [*ls[:4], ls[4][:40]], 5, "torn last line (a write was interrupted)"),
        (lambda ls: [*ls[:2], b"not json\n", *ls[2:]], 3, "not a JSON object"),
        (lambda ls: [ls[0], ls[2], ls[1], *ls[3:]], 2, BROKEN_CHAIN),
    ],
    ids=["edited", "deleted", "first deleted", "torn", "garbage", "swapped"],
)  # fmt: skip
def test_audit_verify_names_the_first_bad_line(
    haios: Any, journal: Path, damage: Any, line: int, reason: str
) -> None:
    journal.write_bytes(b"".join(damage(journal.read_bytes().splitlines(keepends=True))))
    result = haios("audit", "verify")
    assert (result.code, result.out, result.err) == (1, f"{journal}:{line}: {reason}\n", "")


def test_audit_verify_json_names_the_first_bad_line(haios: Any, journal: Path) -> None:
    journal.write_bytes(b"".join(tamper(journal.read_bytes().splitlines(keepends=True), 2)))
    result = haios("audit", "verify", "--json")
    assert (result.code, result.err) == (1, "")
    assert result.json() == {
        "ok": False,
        "lines": 2,
        "problem": {"line": 2, "reason": "hash mismatch: the line was edited"},
    }


def test_audit_tail(haios: Any, journal: Path) -> None:
    lines = ok(haios("audit", "tail", "-n", "2")).out.splitlines()
    assert len(lines) == 2
    seq, _, session, event, payload = lines[1].split("  ")
    assert (seq, session, event) == ("5", "test-session", "WorkUpdated")
    assert json.loads(payload) == {
        "id": "WORK-001",
        "change": "claim",
        "detail": "me",
        "session": "test-session",
    }
    assert lines[0].split("  ")[3] == "NodeTransitioned"
    doc = ok(haios("audit", "tail", "--json")).json()
    assert [e["seq"] for e in doc["events"]] == [1, 2, 3, 4, 5]
    assert set(doc["events"][0]) == {"seq", "time", "session", "event", "payload", "prev", "hash"}
    assert ok(haios("audit", "tail", "-n", "0", "--json")).json() == {"events": []}


# -- doctor ---------------------------------------------------------------------------------------


def test_doctor_on_a_clean_project(haios: Any, rt: Runtime) -> None:
    rt.work.create("fine")
    assert ok(haios("doctor")).out == (
        "ok       config\nok       packs\nok       state folder writable\nok       journal\n"
        "ok       work items\nok       memory server\nok       hook registration\n"
        "all checks passed\n"
    )
    doc = ok(haios("doctor", "--json")).json()
    assert doc["ok"] is True
    assert [(c["check"], c["ok"], c["problems"]) for c in doc["checks"]] == [
        ("config", True, []),
        ("packs", True, []),
        ("state folder writable", True, []),
        ("journal", True, []),
        ("work items", True, []),
        ("memory server", True, []),
        ("hook registration", True, []),
    ]


def test_doctor_reports_problems_with_their_fixes(
    haios: Any, rt: Runtime, project: Project
) -> None:
    for title in ("dup", "broken", "waits", "closed waits"):
        rt.work.create(title)
    active = project.root / "docs/work/active"
    shutil.copytree(active / "WORK-001", active / "WORK-001-b")
    (active / "WORK-002/WORK.md").write_text("---\nid: WORK-002\nstatus: a: b\n---\n")
    for folder in ("WORK-003", "WORK-004"):
        path = active / folder / "WORK.md"
        files.write_atomic(path, files.patch(files.read(path), {"blocked_by": ["WORK-099"]}))
    rt.work.close("WORK-004", abandon_reason="no")  # a closed item's blockers do not matter
    result = haios("doctor")
    assert (result.code, result.err) == (1, "")
    out = result.out
    assert "PROBLEM  work items\n" in out
    assert (
        "         duplicate id WORK-001: active/WORK-001, active/WORK-001-b\n"
        "         fix: `haios work renumber WORK-001`\n"
    ) in out
    assert (
        "         WORK-003 is blocked by WORK-099, which does not exist\n"
        "         fix: `haios work unblock WORK-003 --by WORK-099`\n"
    ) in out
    assert f"         unreadable WORK.md: {active / 'WORK-002/WORK.md'}: line 3: " in out
    assert (
        "fix: fix the file by hand (its body and other items are untouched), "
        "then `haios work reindex`" in out
    )
    assert "WORK-004" not in out
    assert out.endswith("problems found\n")
    doc = haios("doctor", "--json")
    assert doc.code == 1
    checks = {c["check"]: c for c in doc.json()["checks"]}
    assert doc.json()["ok"] is False
    assert checks["config"]["ok"] and checks["journal"]["ok"]
    fixes = [p["fix"] for p in checks["work items"]["problems"]]
    assert "`haios work renumber WORK-001`" in fixes
    assert "`haios work unblock WORK-003 --by WORK-099`" in fixes
    assert len(fixes) == 4  # unreadable, folder/id mismatch, duplicate, dangling blocker


def test_doctor_reports_a_broken_journal_and_config(
    haios: Any, rt: Runtime, project: Project
) -> None:
    rt.work.create("a")
    rt.work.create("b")
    journal = project.state_dir / "journal.jsonl"
    journal.write_bytes(journal.read_bytes().splitlines(keepends=True)[1])
    result = haios("doctor")
    assert result.code == 1
    assert f"PROBLEM  journal\n         journal.jsonl:1: {BROKEN_CHAIN}\n" in result.out
    (project.config_dir / "haios.yaml").write_text("work:\n  bogus: 1\n")
    doc = haios("doctor", "--json")
    assert doc.code == 1
    (config,) = doc.json()["checks"]
    assert config["check"] == "config"
    assert config["problems"][0]["problem"].startswith(
        f"{project.config_dir / 'haios.yaml'}: unknown key 'work.bogus'"
    )


# -- init -----------------------------------------------------------------------------------------


def tree(root: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


def test_init_is_idempotent(haios: Any, tmp_path: Path) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    (repo / ".gitignore").write_text("node_modules/\n*.pyc")  # no trailing newline
    result = ok(haios("init", cwd=repo))
    assert result.out == f"haios initialised in {repo.resolve()}\n" + "".join(
        f"  + {line}\n"
        for line in (
            ".claude/haios/config/",
            ".claude/haios/state/",
            "docs/work/active/",
            "docs/work/archive/",
            ".claude/haios/config/haios.yaml",
            ".claude/haios/config/cycle-definitions.yaml",
            ".claude/haios/config/gates.yaml",
            ".claude/config/north-star.md",
            ".claude/config/invariants.md",
            ".claude/config/roadmap.md",
            ".gitignore (+ /.claude/haios/state/)",
            ".claude/settings.json (+ haios hooks)",
            ".mcp.json (+ memory server)",
            *(f".claude/{path}" for path in GENERATED),
            "justfile (+ import of haios' recipes)",
        )
    )
    assert (repo / ".gitignore").read_text() == "node_modules/\n*.pyc\n/.claude/haios/state/\n"
    before = tree(repo)
    result = ok(haios("init", cwd=repo))
    assert result.out == f"haios is already set up in {repo.resolve()}; nothing changed\n"
    assert ok(haios("init", str(repo), "--json")).json() == {
        "project": str(repo.resolve()),
        "changes": [],
        "created": [],
        "notices": [],
    }
    assert tree(repo) == before


def test_init_keeps_an_existing_override_and_restores_missing_folders(
    haios: Any, tmp_path: Path
) -> None:
    repo = tmp_path / "fresh"
    (repo / ".claude/haios/config").mkdir(parents=True)
    (repo / ".claude/haios/config/haios.yaml").write_text("work:\n  id_prefix: T-\n")
    (repo / ".gitignore").write_text("/.claude/haios/state/\n")
    (repo / ".claude/config").mkdir()
    (repo / ".claude/config/north-star.md").write_text("# Ours\n\nKeep it.\n")
    doc = ok(haios("init", str(repo), "--json")).json()
    assert doc["created"][:4] == [
        ".claude/haios/state/",
        "docs/work/active/",
        "docs/work/archive/",
        ".claude/haios/config/cycle-definitions.yaml",
    ]
    assert ".claude/haios/config/haios.yaml" not in doc["created"]
    assert (repo / ".claude/config/north-star.md").read_text() == "# Ours\n\nKeep it.\n"
    assert (repo / ".claude/haios/config/haios.yaml").read_text() == "work:\n  id_prefix: T-\n"
    assert (repo / ".gitignore").read_text() == "/.claude/haios/state/\n"
    assert ok(haios("work", "new", "x", cwd=repo)).out.startswith("created T-001: x")


def test_init_of_a_missing_folder(haios: Any, tmp_path: Path) -> None:
    failed(haios("init", str(tmp_path / "nope")), 1, f"{tmp_path / 'nope'}: no such folder")


def test_demo_runs_the_whole_job_and_cleans_up(haios: Any, tmp_path: Path) -> None:
    result = ok(haios("demo", cwd=tmp_path))
    steps = [line for line in result.out.splitlines() if line.startswith("== ")]
    assert [s.split(".")[0] for s in steps] == [f"== {n}" for n in range(1, 14)]
    assert "chain intact" in result.out
    hooks = result.out.split("== 9.")[1]
    assert "runs the tests: no opinion (runs)" in hooks
    assert "echoes a scary string: no opinion (runs)" in hooks
    for what in ("deletes everything via bash -c", "reads a secret through Bash"):
        assert f"{what}: deny\n      haios: " in hooks
    assert "use `haios work move WORK-002 implement` instead" in hooks
    cycles = result.out.split("== 10.")[1].split("== 11.")[0].splitlines()
    assert [line for line in cycles if line.startswith("   ") and not line.startswith("    ")] == [
        "   plan-authoring: held at gather by context_filled",
        "   + wrote ## Context, ## Deliverables, ## Acceptance",
        "   plan-authoring: held at draft by plan_approach_filled",
        "   + wrote PLAN.md (## Approach, ## Steps)",
        "   plan-authoring: chain → implementation, node now implement",
        "   implementation: held at do by deliverables_done",
        "   + ticked the deliverable and the criterion, wrote ## Learnings",
        "   implementation: chain → close-work, node now close; the tests gate ran "
        "`python tests.py`: it passed",
    ]
    before, after = result.out.split("== 12.")[1].split("== 13.")
    assert "   haios · session 1 · coldstart · tier full\n" in before
    assert "   You hold WORK-002 «Build the HTTP API» (node close).\n" in before
    assert after.split("\n")[1:4] == [
        "   haios · session 2 (prior 1) · coldstart · tier light",
        "   Work items change only through `haios work …` (never by editing WORK.md keys); "
        "`haios status` shows where things stand.",
        "   Pending from session 1: WORK-003: the user guide waits for the API",
    ]
    memory = result.out.split("== 11.")[1].split("== 12.")[0]
    assert "stored memory 1: techne (an instruction (starts with 'use'))" in memory
    assert "linked to WORK-001: memory_refs [1]" in memory
    assert "1. [techne] Use SQLite in WAL mode so that readers never wait for the writer" in memory
    strategy = "   - Use SQLite in WAL mode so that readers never wait for the writer (WORK-001)\n"
    assert strategy in before and strategy in after  # the next sessions start with it
    assert result.out.endswith("done: the folder was removed; `haios demo --dir DIR` keeps it\n")


def test_demo_keeps_its_folder_with_dir(haios: Any, tmp_path: Path) -> None:
    target = tmp_path / "kept"
    ok(haios("demo", "--dir", str(target)))
    assert (target / "docs/work/active/WORK-001/WORK.md").exists()
    message = f"{target}: not empty; give --dir a new or empty folder"
    failed(haios("demo", "--dir", str(target)), 1, message)
