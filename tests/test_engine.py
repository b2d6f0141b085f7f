"""WorkEngine in process: creating, moving, queueing, claiming, closing and linking work items."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from haios.errors import (
    DependencyCycle,
    InvalidId,
    InvalidTransition,
    UsageError,
    WorkConflict,
    WorkFileError,
    WorkNotFound,
)
from haios.project import Project
from haios.runtime import Runtime, build
from haios.work import files


def active(project: Project, folder: str) -> Path:
    return project.root / "docs/work/active" / folder / "WORK.md"


def meta(project: Project, folder: str, area: str = "active") -> dict[str, Any]:
    return files.read(project.root / "docs/work" / area / folder / "WORK.md").meta


def edit(project: Project, folder: str, **changes: Any) -> None:
    """Change an item's frontmatter by hand, as a person with an editor would."""
    path = active(project, folder)
    files.write_atomic(path, files.patch(files.read(path), changes))


def journal(project: Project) -> list[dict[str, Any]]:
    path = project.state_dir / "journal.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def events(project: Project) -> list[tuple[str, dict[str, Any]]]:
    return [(r["event"], r["payload"]) for r in journal(project)]


def at(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


def to_node(rt: Runtime, work_id: str, *nodes: str) -> None:
    for node in nodes:
        rt.work.transition(work_id, node)


# -- create ---------------------------------------------------------------------------------------


def test_create_writes_a_work_md_with_the_template_body(rt: Runtime, project: Project) -> None:
    state = rt.work.create("  Build   the thing ")
    assert state.id == "WORK-001"
    assert state.title == "Build the thing"
    assert (state.status, state.current_node, state.queue_position) == (
        "active",
        "backlog",
        "backlog",
    )
    assert (state.type, state.priority, state.owner, state.cycle_phase) == (
        "feature",
        "medium",
        None,
        None,
    )
    assert state.path == str(active(project, "WORK-001"))
    assert [(e.node, e.exited) for e in state.node_history] == [("backlog", None)]
    assert state.node_history[0].entered == state.created
    assert state.extra == {} and state.legacy == {}
    text = active(project, "WORK-001").read_text()
    assert text.split("---\n", 2)[2].startswith("# WORK-001: Build the thing\n\n## Context\n")
    assert events(project) == [
        ("WorkCreated", {"id": "WORK-001", "title": "Build the thing", "node": "backlog"})
    ]


def test_create_numbers_items_in_sequence_past_archived_ones(rt: Runtime, project: Project) -> None:
    assert [rt.work.create(f"item {n}").id for n in range(3)] == [
        "WORK-001",
        "WORK-002",
        "WORK-003",
    ]
    (project.root / "docs/work/archive/WORK-041").mkdir()
    (project.root / "docs/work/active/notes").mkdir()
    assert rt.work.create("after the archive").id == "WORK-042"


def test_create_uses_the_configured_prefix_and_digits(project: Project) -> None:
    (project.config_dir / "haios.yaml").write_text("work:\n  id_prefix: TASK-\n  id_digits: 5\n")
    with build(project) as rt:
        assert rt.work.create("prefixed").id == "TASK-00001"
        assert rt.work.get("1").id == "TASK-00001"  # a bare number gets the prefix


def test_create_with_type_priority_and_blockers(rt: Runtime, project: Project) -> None:
    rt.work.create("first")
    rt.work.create("second")
    state = rt.work.create("third", type="bug", priority="high", blocked_by=["WORK-001", "2"])
    assert (state.type, state.priority) == ("bug", "high")
    assert state.blocked_by == ("WORK-001", "WORK-002")
    assert rt.work.get("WORK-001").blocks == ("WORK-003",)
    assert rt.work.get("WORK-002").blocks == ("WORK-003",)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"type": "epic"},
            "unknown type 'epic'; types are: feature, bug, chore, investigation, implementation,"
            " design (set work.types in .claude/haios/config/haios.yaml)",
        ),
        (
            {"priority": "urgent"},
            "unknown priority 'urgent'; priorities are: critical, high, medium, low",
        ),
        ({"title": "   "}, "a title must be 1 to 200 characters of text"),
        ({"title": "x" * 201}, "a title must be 1 to 200 characters of text"),
        ({"title": "nul \x00 byte"}, "a title must be 1 to 200 characters of text"),
    ],
)
def test_create_validates_its_arguments(
    rt: Runtime, project: Project, kwargs: dict[str, str], message: str
) -> None:
    title = kwargs.pop("title", "ok")
    with pytest.raises(UsageError) as info:
        rt.work.create(title, **kwargs)  # type: ignore[arg-type]
    assert str(info.value) == message
    assert os.listdir(project.root / "docs/work/active") == []


def test_create_refuses_a_blocker_that_does_not_exist(rt: Runtime, project: Project) -> None:
    with pytest.raises(WorkNotFound) as info:
        rt.work.create("waits", blocked_by=["WORK-009"])
    assert str(info.value) == "WORK-009: no such work item; `haios work list` shows them all"
    assert os.listdir(project.root / "docs/work/active") == []
    assert journal(project) == []


def test_a_project_template_overrides_the_packaged_one(rt: Runtime, project: Project) -> None:
    (project.config_dir / "work-template.md").write_text("# $id\n\n$title and $unknown\n")
    rt.work.create("Templated")
    assert (
        active(project, "WORK-001")
        .read_text()
        .endswith("---\n# WORK-001\n\nTemplated and $unknown\n")
    )


# -- get ------------------------------------------------------------------------------------------


def test_get_unknown_item(rt: Runtime) -> None:
    with pytest.raises(WorkNotFound, match=r"^WORK-404: no such work item; "):
        rt.work.get("WORK-404")


def test_get_finds_an_item_whose_folder_is_not_its_id(rt: Runtime, project: Project) -> None:
    rt.work.create("renamed later")
    os.rename(active(project, "WORK-001").parent, project.root / "docs/work/active/some-name")
    state = rt.work.get("WORK-001")
    assert state.path == str(active(project, "some-name"))


def test_the_same_id_in_two_places_is_a_conflict(rt: Runtime, project: Project) -> None:
    rt.work.create("one")
    shutil.copytree(active(project, "WORK-001").parent, project.root / "docs/work/archive/WORK-001")
    with pytest.raises(WorkConflict) as info:
        rt.work.get("WORK-001")
    assert str(info.value) == (
        "WORK-001: the id is used by 2 items (active/WORK-001, archive/WORK-001);"
        " run `haios work renumber WORK-001`"
    )


def test_documents_lists_the_other_files_of_the_item_by_kind(rt: Runtime, project: Project) -> None:
    rt.work.create("with documents")
    folder = active(project, "WORK-001").parent
    for name in (
        "plans/PLAN.md",
        "investigations/INV-1.md",
        "report.md",
        "design-notes.md",
        "retro.md",
        "checkpoints/one.md",
        "notes.txt",
        "data/raw.csv",
        ".hidden.md",
        ".git/plan.md",
        ".WORK.md.123.tmp",
    ):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("x")
    assert dict(rt.work.get("WORK-001").documents) == {
        "plan": ("plans/PLAN.md",),
        "investigation": ("investigations/INV-1.md",),
        "report": ("report.md",),
        "design": ("design-notes.md",),
        "retro": ("retro.md",),
        "checkpoint": ("checkpoints/one.md",),
        "other": ("data/raw.csv", "notes.txt"),
    }


# -- transitions ----------------------------------------------------------------------------------


def test_transition_along_the_dag_records_node_history(rt: Runtime, project: Project) -> None:
    created = rt.work.create("moving")
    to_node(rt, "WORK-001", "discovery", "backlog", "plan", "implement", "plan", "implement")
    state = rt.work.get("WORK-001")
    assert state.current_node == "implement"
    history = state.node_history
    assert [e.node for e in history] == [
        "backlog", "discovery", "backlog", "plan", "implement", "plan", "implement",
    ]  # fmt: skip
    assert history[0].entered == created.created
    for left, right in itertools.pairwise(history):
        assert left.exited == right.entered
        assert at(left.entered) <= at(left.exited)
    assert history[-1].exited is None
    moves = [(p["from_node"], p["to_node"]) for e, p in events(project) if e == "NodeTransitioned"]
    assert moves == [
        ("backlog", "discovery"), ("discovery", "backlog"), ("backlog", "plan"),
        ("plan", "implement"), ("implement", "plan"), ("plan", "implement"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "target", "allowed"),
    [
        ((), "implement", "backlog: discovery, plan"),
        ((), "complete", "backlog: discovery, plan"),
        (("plan",), "close", "plan: backlog, implement"),
        (("plan", "implement"), "backlog", "implement: plan, close"),
        (("plan", "implement", "close"), "plan", "close: implement, complete"),
    ],
)
def test_invalid_moves_name_the_allowed_targets(
    rt: Runtime, project: Project, path: tuple[str, ...], target: str, allowed: str
) -> None:
    rt.work.create("stuck")
    to_node(rt, "WORK-001", *path)
    before = active(project, "WORK-001").read_bytes()
    node = path[-1] if path else "backlog"
    with pytest.raises(InvalidTransition) as info:
        rt.work.transition("WORK-001", target)
    assert str(info.value) == f"WORK-001: cannot move {node} → {target}; allowed from {allowed}"
    with pytest.raises(InvalidTransition) as info:
        rt.work.transition("WORK-001", "nowhere")
    assert str(info.value) == (
        "WORK-001: unknown node 'nowhere'; "
        "nodes are: backlog, discovery, plan, implement, close, complete"
    )
    assert active(project, "WORK-001").read_bytes() == before


def test_moving_to_the_current_node_is_a_no_op(rt: Runtime, project: Project) -> None:
    rt.work.create("still")
    before = active(project, "WORK-001").read_bytes()
    count = len(journal(project))
    assert rt.work.transition("WORK-001", " Backlog ").current_node == "backlog"
    assert active(project, "WORK-001").read_bytes() == before
    assert len(journal(project)) == count


def test_moving_to_complete_closes_the_item(rt: Runtime) -> None:
    rt.work.create("done by moving")
    to_node(rt, "WORK-001", "plan", "implement", "close", "complete")
    state = rt.work.get("WORK-001")
    assert (state.status, state.current_node, state.queue_position) == (
        "complete",
        "complete",
        "done",
    )
    assert state.closed == state.node_history[-1].entered


# -- close and abandon ----------------------------------------------------------------------------


@pytest.mark.parametrize("start", [("plan", "implement"), ("plan", "implement", "close")])
def test_close_from_implement_or_close_completes(
    rt: Runtime, project: Project, start: tuple[str, ...]
) -> None:
    rt.work.create("to close")
    to_node(rt, "WORK-001", *start)
    state = rt.work.close("WORK-001")
    assert (state.status, state.current_node, state.queue_position) == (
        "complete",
        "complete",
        "done",
    )
    assert [e.node for e in state.node_history] == [
        "backlog",
        "plan",
        "implement",
        "close",
        "complete",
    ]
    assert state.closed is not None and state.closed_reason is None
    assert [q.position for q in state.queue_history] == ["backlog", "done"]
    closed = [p for e, p in events(project) if e == "WorkClosed"]
    assert closed == [{"id": "WORK-001", "memory_refs": [], "status": "complete"}]


@pytest.mark.parametrize("start", [(), ("discovery",), ("plan",)])
def test_close_before_implement_is_refused_naming_abandon(
    rt: Runtime, project: Project, start: tuple[str, ...]
) -> None:
    rt.work.create("too early")
    to_node(rt, "WORK-001", *start)
    before = active(project, "WORK-001").read_bytes()
    node = start[-1] if start else "backlog"
    with pytest.raises(InvalidTransition) as info:
        rt.work.close("WORK-001")
    moves = {"backlog": ["plan", "implement"], "discovery": ["plan", "implement"]}
    route = " then ".join(f"`haios work move WORK-001 {n}`" for n in moves.get(node, ["implement"]))
    assert str(info.value) == (
        f"WORK-001 is in {node}; close completes items in implement or close: first {route}, "
        'or abandon it: `haios work close WORK-001 --abandon --reason "…"`'
    )
    assert active(project, "WORK-001").read_bytes() == before


@pytest.mark.parametrize("start", [(), ("discovery",), ("plan",), ("plan", "implement", "close")])
def test_abandon_from_any_node(rt: Runtime, project: Project, start: tuple[str, ...]) -> None:
    rt.work.create("not needed")
    to_node(rt, "WORK-001", *start)
    state = rt.work.close("WORK-001", abandon_reason="  superseded\n by WORK-002 ")
    assert (state.status, state.queue_position) == ("abandoned", "done")
    assert state.current_node == (start[-1] if start else "backlog")
    assert state.closed_reason == "superseded by WORK-002"
    assert state.closed is not None
    assert ("WorkClosed", {"id": "WORK-001", "memory_refs": [], "status": "abandoned"}) in events(
        project
    )


def test_abandon_needs_a_reason(rt: Runtime, project: Project) -> None:
    rt.work.create("why")
    before = active(project, "WORK-001").read_bytes()
    with pytest.raises(UsageError, match=r"^--abandon needs a --reason saying why"):
        rt.work.close("WORK-001", abandon_reason=" \n ")
    assert active(project, "WORK-001").read_bytes() == before


def test_closing_twice_changes_nothing(rt: Runtime, project: Project) -> None:
    rt.work.create("once")
    to_node(rt, "WORK-001", "plan", "implement")
    first = rt.work.close("WORK-001")
    before, count = active(project, "WORK-001").read_bytes(), len(journal(project))
    assert rt.work.close("WORK-001") == first
    assert rt.work.close("WORK-001", abandon_reason="changed my mind") == first
    assert active(project, "WORK-001").read_bytes() == before
    assert len(journal(project)) == count


def test_close_with_archive_moves_the_folder(rt: Runtime, project: Project) -> None:
    rt.work.create("archive me")
    (active(project, "WORK-001").parent / "plan.md").write_text("the plan")
    to_node(rt, "WORK-001", "plan", "implement")
    state = rt.work.close("WORK-001", archive=True)
    archived = project.root / "docs/work/archive/WORK-001"
    assert not active(project, "WORK-001").parent.exists()
    assert state.path == str(archived / "WORK.md")
    assert (archived / "plan.md").read_text() == "the plan"
    assert rt.work.get("WORK-001").status == "complete"
    assert dict(rt.work.get("WORK-001").documents) == {"plan": ("plan.md",)}
    assert rt.work.index.keys_for("WORK-001") == ["archive/WORK-001"]
    assert rt.work.create("next one").id == "WORK-002"
    # archiving an item that is already archived changes nothing
    assert rt.work.close("WORK-001", archive=True).path == state.path


def test_archive_on_close_setting(project: Project) -> None:
    (project.config_dir / "haios.yaml").write_text("work:\n  archive_on_close: true\n")
    with build(project) as rt:
        rt.work.create("auto archive")
        rt.work.create("kept in place")
        assert "/archive/" in rt.work.close("WORK-001", abandon_reason="no").path
        assert "/active/" in rt.work.close("WORK-002", abandon_reason="no", archive=False).path


# -- queue and claims -----------------------------------------------------------------------------


def test_queue_moves_record_queue_history(rt: Runtime, project: Project) -> None:
    created = rt.work.create("queued")
    for position in ("ready", "parked", "backlog", "ready"):
        assert rt.work.queue("WORK-001", position).queue_position == position
    history = rt.work.get("WORK-001").queue_history
    assert [q.position for q in history] == ["backlog", "ready", "parked", "backlog", "ready"]
    assert history[0].entered == created.created
    for left, right in itertools.pairwise(history):
        assert left.exited == right.entered
    before = active(project, "WORK-001").read_bytes()
    rt.work.queue("WORK-001", "READY")  # same position: nothing written
    assert active(project, "WORK-001").read_bytes() == before


@pytest.mark.parametrize(
    ("position", "message"),
    [
        ("working", "cannot queue to 'working': use `haios work claim ID`"),
        ("done", "cannot queue to 'done': use `haios work close ID`"),
        ("someday", "cannot queue to 'someday': positions are parked, backlog, ready"),
    ],
)
def test_queue_refuses_working_done_and_unknown(rt: Runtime, position: str, message: str) -> None:
    rt.work.create("queued")
    with pytest.raises(UsageError) as info:
        rt.work.queue("WORK-001", position)
    assert str(info.value) == message


def test_queue_of_claimed_or_closed_items_is_refused(rt: Runtime) -> None:
    rt.work.create("claimed")
    rt.work.claim("WORK-001", "alice")
    with pytest.raises(WorkConflict) as info:
        rt.work.queue("WORK-001", "parked")
    assert str(info.value) == "WORK-001 is claimed by alice; `haios work release WORK-001` first"
    rt.work.close("WORK-001", abandon_reason="gone")
    with pytest.raises(
        WorkConflict, match=r"^WORK-001 is abandoned; its queue position stays done$"
    ):
        rt.work.queue("WORK-001", "ready")


def test_claim_and_release(rt: Runtime, project: Project) -> None:
    rt.work.create("shared")
    state = rt.work.claim("WORK-001", "alice")
    assert (state.owner, state.queue_position) == ("alice", "working")
    assert rt.work.claim("WORK-001", "alice") == state  # claiming again is a no-op
    with pytest.raises(WorkConflict) as info:
        rt.work.claim("WORK-001", "bob")
    assert str(info.value) == "WORK-001 is already claimed by alice"
    with pytest.raises(WorkConflict) as info:
        rt.work.release("WORK-001", "bob")
    assert str(info.value) == (
        "WORK-001 is claimed by alice, not bob; pass --force to take the claim away"
    )
    assert rt.work.get("WORK-001").owner == "alice"
    state = rt.work.release("WORK-001", "alice")
    assert (state.owner, state.queue_position) == (None, "backlog")
    before = active(project, "WORK-001").read_bytes()
    assert rt.work.release("WORK-001", "alice").queue_position == "backlog"  # not claimed: no-op
    assert active(project, "WORK-001").read_bytes() == before


def test_release_by_another_owner_with_force(rt: Runtime) -> None:
    rt.work.create("stale claim")
    rt.work.claim("WORK-001", "alice")
    state = rt.work.release("WORK-001", "bob", force=True)
    assert (state.owner, state.queue_position) == (None, "backlog")
    assert rt.work.claim("WORK-001", "bob").owner == "bob"


def test_closed_items_cannot_be_claimed(rt: Runtime) -> None:
    rt.work.create("closed")
    rt.work.close("WORK-001", abandon_reason="no")
    with pytest.raises(
        WorkConflict, match=r"^WORK-001 is abandoned; only open items can be claimed$"
    ):
        rt.work.claim("WORK-001", "alice")


def test_claim_next_takes_the_top_ready_item_once(rt: Runtime) -> None:
    rt.work.create("low", priority="low")
    rt.work.create("high", priority="high")
    assert rt.work.claim_next("alice").id == "WORK-002"  # type: ignore[union-attr]
    assert rt.work.claim_next("bob").id == "WORK-001"  # type: ignore[union-attr]
    assert rt.work.claim_next("carol") is None
    assert rt.work.get("WORK-002").owner == "alice"
    assert rt.work.get("WORK-001").owner == "bob"


# -- dependencies ---------------------------------------------------------------------------------


def test_block_and_unblock_keep_both_files_in_step(rt: Runtime, project: Project) -> None:
    rt.work.create("waiter")
    rt.work.create("blocker")
    state = rt.work.block("WORK-001", "WORK-002")
    assert state.blocked_by == ("WORK-002",)
    assert meta(project, "WORK-001")["blocked_by"] == ["WORK-002"]
    assert meta(project, "WORK-002")["blocks"] == ["WORK-001"]
    assert rt.work.block("WORK-001", "2").blocked_by == ("WORK-002",)  # no duplicate
    assert meta(project, "WORK-002")["blocks"] == ["WORK-001"]
    state = rt.work.unblock("WORK-001", "WORK-002")
    assert state.blocked_by == ()
    assert meta(project, "WORK-001")["blocked_by"] == []
    assert meta(project, "WORK-002")["blocks"] == []


def test_block_refuses_itself_and_unknown_items(rt: Runtime) -> None:
    rt.work.create("alone")
    with pytest.raises(UsageError, match=r"^WORK-001 cannot block itself$"):
        rt.work.block("WORK-001", "1")
    with pytest.raises(WorkNotFound, match=r"^WORK-007: no such work item"):
        rt.work.block("WORK-001", "WORK-007")
    assert rt.work.get("WORK-001").blocked_by == ()


def test_a_dependency_cycle_is_refused_naming_the_cycle(rt: Runtime, project: Project) -> None:
    for title in ("a", "b", "c"):
        rt.work.create(title)
    rt.work.block("WORK-001", "WORK-002")
    rt.work.block("WORK-002", "WORK-003")
    before = {n: active(project, n).read_bytes() for n in ("WORK-001", "WORK-002", "WORK-003")}
    with pytest.raises(DependencyCycle) as info:
        rt.work.block("WORK-003", "WORK-001")
    assert str(info.value) == (
        "WORK-003 blocked by WORK-001 would close a dependency cycle: "
        "WORK-003 → WORK-001 → WORK-002 → WORK-003 (each is blocked by the next)"
    )
    with pytest.raises(DependencyCycle, match="WORK-002 → WORK-001 → WORK-002"):
        rt.work.block("WORK-002", "WORK-001")
    assert {n: active(project, n).read_bytes() for n in before} == before


def test_unblock_of_a_dangling_blocker_removes_our_side(rt: Runtime, project: Project) -> None:
    rt.work.create("waiter")
    edit(project, "WORK-001", blocked_by=["WORK-099"])
    assert rt.work.unblock("WORK-001", "WORK-099").blocked_by == ()


# -- ready ----------------------------------------------------------------------------------------


def test_ready_items_are_ordered_by_priority_then_age(rt: Runtime, project: Project) -> None:
    for title, priority in (("m1", "medium"), ("h", "high"), ("l", "low"), ("m2", "medium")):
        rt.work.create(title, priority=priority)
    rt.work.create("c", priority="critical")
    edit(project, "WORK-004", created="2020-01-01T00:00:00+00:00")  # the oldest medium
    ready = [s.id for s in rt.work.get_ready_items()]
    assert ready == ["WORK-005", "WORK-002", "WORK-004", "WORK-001", "WORK-003"]
    assert [s.id for s in rt.work.get_ready_items(limit=2)] == ["WORK-005", "WORK-002"]


def test_ready_excludes_blocked_parked_working_closed_and_broken(
    rt: Runtime, project: Project
) -> None:
    names = ["plain", "blocked", "parked", "working", "closed", "ready", "broken", "blocker"]
    for name in names:
        rt.work.create(name)
    rt.work.block("WORK-002", "WORK-008")
    rt.work.queue("WORK-003", "parked")
    rt.work.claim("WORK-004", "alice")
    rt.work.close("WORK-005", abandon_reason="no")
    rt.work.queue("WORK-006", "ready")
    active(project, "WORK-007").write_text("---\ntitle: [oops\n---\n")
    assert [s.id for s in rt.work.get_ready_items()] == ["WORK-001", "WORK-006", "WORK-008"]
    # once its blocker is closed, the blocked item is ready
    rt.work.close("WORK-008", abandon_reason="not needed")
    assert [s.id for s in rt.work.get_ready_items()] == ["WORK-001", "WORK-002", "WORK-006"]


def test_an_item_blocked_by_a_missing_item_is_ready(rt: Runtime, project: Project) -> None:
    rt.work.create("dangling")
    edit(project, "WORK-001", blocked_by=["WORK-099"])
    assert [s.id for s in rt.work.get_ready_items()] == ["WORK-001"]


# -- fields other modules own ---------------------------------------------------------------------


def test_update_memory_refs_adds_without_duplicates(rt: Runtime, project: Project) -> None:
    rt.work.create("remember")
    assert rt.work.update_memory_refs("WORK-001", [3, 1, 3]).memory_refs == (3, 1)
    assert rt.work.update_memory_refs("WORK-001", [1, 2, "x"]).memory_refs == (3, 1, 2, "x")
    before = active(project, "WORK-001").read_bytes()
    assert rt.work.update_memory_refs("WORK-001", [2, 3]).memory_refs == (3, 1, 2, "x")
    assert active(project, "WORK-001").read_bytes() == before
    assert meta(project, "WORK-001")["memory_refs"] == [3, 1, 2, "x"]


def test_set_cycle_phase(rt: Runtime, project: Project) -> None:
    rt.work.create("phased")
    assert rt.work.set_cycle_phase("WORK-001", " Plan ").cycle_phase == "plan"
    assert meta(project, "WORK-001")["cycle_phase"] == "plan"
    with pytest.raises(UsageError) as info:
        rt.work.set_cycle_phase("WORK-001", "dreaming")
    assert str(info.value).startswith(
        "unknown cycle phase 'dreaming'; phases are: explore, design,"
    )
    assert rt.work.get("WORK-001").cycle_phase == "plan"
    assert rt.work.set_cycle_phase("WORK-001", None).cycle_phase is None
    assert meta(project, "WORK-001")["cycle_phase"] is None


# -- renumbering after a merge --------------------------------------------------------------------


def test_renumber_moves_the_younger_duplicate_and_its_partners(
    rt: Runtime, project: Project
) -> None:
    rt.work.create("ours")  # WORK-001
    rt.work.create("needs ours", blocked_by=["WORK-001"])  # WORK-002
    rt.work.create("needs theirs")  # WORK-003
    theirs = project.root / "docs/work/active/WORK-001-theirs"
    shutil.copytree(active(project, "WORK-001").parent, theirs)
    edit(
        project,
        "WORK-001-theirs",
        title="theirs",
        created="2099-01-01T00:00:00+00:00",
        blocks=["WORK-003"],
    )
    edit(project, "WORK-003", blocked_by=["WORK-001"])
    (theirs / "WORK.md").chmod(0o600)
    body = (theirs / "WORK.md").read_text().split("\n---\n", 1)[1]

    assert rt.work.renumber("WORK-001") == {"active/WORK-001-theirs": "WORK-004"}

    assert not theirs.exists()
    moved = rt.work.get("WORK-004")
    assert (moved.title, moved.blocks) == ("theirs", ("WORK-003",))
    assert active(project, "WORK-004").read_text().split("\n---\n", 1)[1] == body
    assert active(project, "WORK-004").stat().st_mode & 0o777 == 0o600
    assert rt.work.get("WORK-003").blocked_by == ("WORK-004",)
    assert rt.work.get("WORK-002").blocked_by == ("WORK-001",)
    kept = rt.work.get("WORK-001")
    assert (kept.title, kept.blocks, kept.path) == (
        "ours",
        ("WORK-002",),
        str(active(project, "WORK-001")),
    )
    assert rt.work.renumber("WORK-001") == {}
    renumbered = [p for e, p in events(project) if e == "WorkUpdated" and p["change"] == "renumber"]
    assert [p["id"] for p in renumbered] == ["WORK-004"]


def test_renumber_of_an_id_used_once_does_nothing(rt: Runtime, project: Project) -> None:
    rt.work.create("single")
    before = active(project, "WORK-001").read_bytes()
    assert rt.work.renumber("WORK-001") == {}
    assert active(project, "WORK-001").read_bytes() == before


# -- hostile ids ----------------------------------------------------------------------------------

HOSTILE = {
    "traversal": "../../etc/passwd",
    "absolute": "/etc/passwd",
    "nul": "WORK-001\x00",
    "huge": "W" * 10_240,
    "empty": "",
    "space": "WORK 001",
    "dot": ".",
    "trailing slash": "WORK-001/",
    "newline": "WORK-001\n",
}


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(root.rglob("*"))
    }


def verbs(bad: str) -> dict[str, Any]:
    return {
        "get": lambda w: w.get(bad),
        "transition": lambda w: w.transition(bad, "plan"),
        "close": lambda w: w.close(bad),
        "abandon": lambda w: w.close(bad, abandon_reason="x"),
        "queue": lambda w: w.queue(bad, "ready"),
        "claim": lambda w: w.claim(bad, "me"),
        "release": lambda w: w.release(bad, "me", force=True),
        "block": lambda w: w.block("WORK-001", bad),
        "blocked": lambda w: w.block(bad, "WORK-001"),
        "unblock": lambda w: w.unblock("WORK-001", bad),
        "memory": lambda w: w.update_memory_refs(bad, [1]),
        "phase": lambda w: w.set_cycle_phase(bad, "plan"),
        "renumber": lambda w: w.renumber(bad),
        "create": lambda w: w.create("t", blocked_by=[bad]),
    }


@pytest.mark.parametrize("bad", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_ids_are_refused_before_any_file_is_touched(
    rt: Runtime, project: Project, bad: str
) -> None:
    rt.work.create("victim")
    before = snapshot(project.root)
    for name, call in verbs(bad).items():
        with pytest.raises(InvalidId) as info:
            call(rt.work)
        message = str(info.value)
        assert message.startswith("invalid work id "), name
        assert message.endswith(
            ": use letters, digits and dashes, starting with a letter, at most 64 characters"
            " (e.g. WORK-001)"
        )
        assert "\x00" not in message and "\n" not in message and len(message) < 250
    assert snapshot(project.root) == before


def test_hostile_id_messages_are_escaped_and_short(rt: Runtime) -> None:
    with pytest.raises(InvalidId) as info:
        rt.work.get("../../etc/passwd")
    assert str(info.value).startswith("invalid work id '../../etc/passwd': ")
    with pytest.raises(InvalidId) as info:
        rt.work.get("a\x00b")
    assert str(info.value).startswith("invalid work id 'a\\\\x00b': ")
    with pytest.raises(InvalidId) as info:
        rt.work.get("W" * 10_240)
    assert str(info.value).startswith(f"invalid work id '{'W' * 40}'…: ")


def test_bare_numbers_get_the_prefix(rt: Runtime) -> None:
    rt.work.create("exact")
    assert rt.work.get("1").id == rt.work.get("001").id == "WORK-001"
    with pytest.raises(WorkNotFound, match=r"^WORK-1000: no such work item"):
        rt.work.get("1000")


# -- a broken WORK.md -----------------------------------------------------------------------------


BROKEN = "---\nid: WORK-002\ntitle: fine\nstatus: [active\npriority: high\n---\n# body\n"


def test_a_broken_work_md_is_reported_and_never_rewritten(rt: Runtime, project: Project) -> None:
    rt.work.create("healthy")
    rt.work.create("to break")
    path = active(project, "WORK-002")
    path.write_text(BROKEN)
    for call in (
        lambda: rt.work.get("WORK-002"),
        lambda: rt.work.transition("WORK-002", "plan"),
        lambda: rt.work.claim("WORK-002", "me"),
        lambda: rt.work.close("WORK-002", abandon_reason="x"),
        lambda: rt.work.block("WORK-002", "WORK-001"),
        lambda: rt.work.update_memory_refs("WORK-002", [1]),
    ):
        with pytest.raises(WorkFileError) as info:
            call()
        assert str(info.value).startswith(f"{path}: line 5: ")
        assert str(info.value).endswith(" in the frontmatter")
    assert path.read_text() == BROKEN
    assert meta(project, "WORK-001")["blocked_by"] == []


def test_a_broken_work_md_does_not_stop_the_others(rt: Runtime, project: Project) -> None:
    for title in ("one", "two", "three"):
        rt.work.create(title)
    active(project, "WORK-002").write_text(BROKEN)
    index = rt.work.index
    index.refresh()
    assert [json.loads(r)["id"] for r in index.rows()] == ["WORK-001", "WORK-003"]
    ((key, error),) = index.errors()
    assert key == "active/WORK-002"
    assert error.startswith(f"{active(project, 'WORK-002')}: line 5: ")
    assert [s.id for s in rt.work.get_ready_items()] == ["WORK-001", "WORK-003"]
    assert rt.work.create("four").id == "WORK-004"
    # fixing the file by hand brings it back
    active(project, "WORK-002").write_text(BROKEN.replace("[active", "active"))
    assert [s.id for s in rt.work.get_ready_items()] == [
        "WORK-002",
        "WORK-001",
        "WORK-003",
        "WORK-004",
    ]
    assert (
        yaml.safe_load(active(project, "WORK-002").read_text().split("---\n")[1])["priority"]
        == "high"
    )
