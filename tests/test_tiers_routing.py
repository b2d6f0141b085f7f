"""Governance tiers (which gates apply to an item), the node following a completed cycle, and
routing: what comes next."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from haios.contracts import Route
from haios.cycleconfig import TierRules
from haios.governance.tiers import tier, touches_code
from haios.project import Project
from haios.runtime import Runtime

from .test_cycles import fill


def front(path: Path, text: str) -> None:
    """Add frontmatter lines by hand, as a person editing the WORK.md would."""
    path.write_text(path.read_text("utf-8").replace("---\n", f"---\n{text}", 1), "utf-8")


def item(rt: Runtime, frontmatter: str = "", type: str | None = None) -> Any:
    state = rt.work.create("Item", type=type)
    if frontmatter:
        front(Path(state.path), frontmatter)
    return rt.work.get(state.id)


@pytest.mark.parametrize(
    ("frontmatter", "expected"),
    [
        ("", ("standard", "no effort or source files given")),
        ("tier: trivial\neffort: xl\n", ("trivial", "set in its WORK.md")),
        ("type=design", ("architectural", "type design")),
        ("traces_to: [REQ-1, adr-012]\n", ("architectural", "traces to adr-012")),
        ("traces_to: [REQ-1]\neffort: small\n", ("small", "effort small")),
        ("effort: XS\n", ("trivial", "effort xs")),
        ("effort: large\n", ("architectural", "effort large")),
        ("effort: small\nsource_files: [a.py, b.py, c.py, d.py]\n",
         ("standard", "effort small, but 4 source files")),
        ("source_files: [a.py]\nscope: ['src/x/**']\n", ("small", "2 source files")),
        ("scope: [a, b, c, d, e]\n", ("standard", "5 source files")),
        ("effort: enormous\n", ("standard", "no effort or source files given")),
    ],
)  # fmt: skip
def test_the_tier_of_an_item(rt: Runtime, frontmatter: str, expected: tuple[str, str]) -> None:
    state = item(rt, type="design") if frontmatter == "type=design" else item(rt, frontmatter)
    assert tier(state, TierRules()) == expected


@pytest.mark.parametrize(
    ("frontmatter", "code"),
    [
        ("", True),
        ("type=investigation", False),
        ("source_files: [README.md, docs/guide/intro.rst]\n", False),
        ("source_files: [README.md, src/app.py]\n", True),
    ],
)
def test_whether_an_item_touches_code(rt: Runtime, frontmatter: str, code: bool) -> None:
    kind = frontmatter.partition("type=")[2] or None
    state = item(rt, type=kind) if kind else item(rt, frontmatter)
    assert touches_code(state, TierRules()) is code


def test_a_trivial_item_skips_the_plan_and_the_retrospective(rt: Runtime) -> None:
    state = item(rt, "effort: trivial\nsource_files: [README.md]\n")
    fill(Path(state.path), "Context", "A typo in the README.")
    rt.work.transition(state.id, "plan")
    result = rt.cycles.run("plan-authoring", rt.work.get(state.id))
    assert (result.outcome, result.next_cycle) == ("chain", "implementation")
    skipped = {g.gate_id: g.reason for g in result.gate_results if g.skipped}
    trivial = "not required for a trivial item (effort trivial)"
    assert skipped == dict.fromkeys(
        ("plan_approach_filled", "plan_steps_filled", "acceptance_listed", "plan_reviewed"),
        trivial,
    )
    # then: implement — the plan-authoring binding moved the item on
    assert rt.work.get(state.id).current_node == "implement"
    done = rt.cycles.run("implementation", rt.work.get(state.id))
    assert done.outcome == "chain", done.failed
    assert {g.gate_id for g in done.gate_results if g.skipped} >= {
        "tests_pass",  # only README.md: it touches no code
        "deliverables_done",
        "learnings_written",
    }


def test_a_standard_item_needs_its_plan(rt: Runtime) -> None:
    state = item(rt)
    fill(Path(state.path), "Context", "Why.")
    rt.work.transition(state.id, "plan")
    result = rt.cycles.run("plan-authoring", rt.work.get(state.id))
    assert (result.final_phase, result.outcome) == ("draft", "blocked")
    assert [g.gate_id for g in result.failed] == ["plan_approach_filled", "plan_steps_filled"]
    assert rt.work.get(state.id).current_node == "plan"


def test_an_architectural_plan_needs_its_review(rt: Runtime) -> None:
    state = item(rt, "traces_to: [ADR-7]\n")
    folder = Path(state.path).parent
    fill(Path(state.path), "Context", "Why.")
    fill(Path(state.path), "Acceptance", "- [ ] holds")
    (folder / "PLAN.md").write_text("## Approach\n\nThis.\n\n## Steps\n\n1. That.\n", "utf-8")
    rt.work.transition(state.id, "plan")
    result = rt.cycles.run("plan-authoring", rt.work.get(state.id))
    assert (result.final_phase, [g.gate_id for g in result.failed]) == (
        "validate",
        ["plan_reviewed"],
    )


def test_memory_stored_passes_once_a_memory_is_linked(rt: Runtime) -> None:
    state = item(rt)
    context = rt.cycles.context(state)
    first = rt.governance.check_gate("memory_stored", context)
    assert (first.passed, first.reason) == (
        False,
        "no memory is linked to WORK-001; store its learnings (`haios memory store`, or close "
        "it through close-work)",
    )
    linked = rt.work.update_memory_refs(state.id, [41, 42])
    second = rt.governance.check_gate("memory_stored", rt.cycles.context(linked))
    assert (second.passed, second.reason) == (True, "2 memories linked")


def test_a_refused_move_after_a_cycle_is_logged_not_raised(
    project: Project, rt: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    state = item(rt, "effort: trivial\n")
    fill(Path(state.path), "Context", "Why.")
    rt.work.transition(state.id, "plan")
    rt.work.close(state.id, abandon_reason="not needed")  # closed items do not move
    rt.cycles.run("plan-authoring", rt.work.get(state.id))
    assert rt.work.get(state.id).current_node == "plan"


def test_then_must_be_one_of_the_next_nodes(project: Project, haios: Any) -> None:
    (project.config_dir / "node-bindings.yaml").write_text(
        "nodes: {plan: {next: [backlog, implement], then: close}}\n", "utf-8"
    )
    refused = haios("work", "list")
    assert refused.code == 1
    assert "nodes.plan.then = 'close' is not one of its next nodes (backlog, implement)" in (
        refused.err
    )


# -- routing ------------------------------------------------------------------------------------


def test_routing_picks_the_cycle_for_the_top_ready_item(rt: Runtime) -> None:
    assert rt.cycles.route([]) == Route(
        None, None, "nothing is ready: wait for the user (or `haios work new`)"
    )
    new = item(rt)
    assert rt.cycles.route([new]) == Route(
        "work-creation", "WORK-001", "WORK-001: it is new: write its work item first"
    )
    question = item(rt, type="investigation")
    assert rt.cycles.route([question]).cycle_id == "investigation"
    planned = rt.work.transition(rt.work.transition(new.id, "plan").id, "implement")
    assert rt.cycles.route([planned]) == Route(
        "implementation", "WORK-001", "WORK-001: its plan is approved"
    )
    running = rt.work.set_cycle_phase(planned.id, "do")
    assert rt.cycles.route([running]).reason == "WORK-001: it is in its do phase"


def test_resume_through_the_cli(project: Project, haios: Any) -> None:
    waiting = haios("cycle", "resume")
    assert (waiting.code, waiting.out) == (
        0,
        "next: nothing is ready: wait for the user (or `haios work new`)\n",
    )
    assert haios("work", "new", "Rate limits").code == 0
    assert haios("work", "queue", "1", "ready").code == 0
    routed = haios("cycle", "resume", "--json")
    assert routed.json() == {
        "cycle_id": "work-creation",
        "work_id": "WORK-001",
        "reason": "WORK-001: it is new: write its work item first",
        "command": "haios cycle resume WORK-001",
    }
    assert haios("cycle", "start", "1").code == 0
    resumed = haios("cycle", "resume", "1")
    assert resumed.out.splitlines()[0] == (
        "WORK-001: work-creation, phase verify (1 of 3), "
        "tier standard (no effort or source files given)"
    )
    document = haios("cycle", "check", "1", "--json").json()
    assert (document["tier"], document["outcome"]) == ("standard", "running")
    assert json.dumps(document)  # one JSON document
