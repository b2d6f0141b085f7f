"""Every cycle driven end to end through the real CLI on a temporary project, as an agent would:
a gate holds a phase back and changes nothing, the work gets done, and the item goes on to the
end of the cycle. Also: picking up after a crash between phases, a cycle of the project's own,
and bad cycle files or gate commands met through the CLI."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from haios.configload import load_config
from haios.project import Project
from haios.runtime import build

PY = sys.executable
FOLDER = "docs/work/active/WORK-001"


class Item:
    """The folder of WORK-001, edited the way an agent edits it: by hand, in the Markdown."""

    def __init__(self, project: Project) -> None:
        self.folder = project.root / FOLDER
        self.work_md = self.folder / "WORK.md"

    def fill(self, heading: str, text: str, document: str = "WORK.md") -> None:
        """Put `text` right under `## heading` (the template's empty bullets stay, and count
        for nothing)."""
        path = self.folder / document
        body = path.read_text("utf-8").replace(f"## {heading}\n", f"## {heading}\n\n{text}\n", 1)
        path.write_text(body, "utf-8")

    def tick(self, text: str, document: str = "WORK.md") -> None:
        path = self.folder / document
        path.write_text(path.read_text("utf-8").replace(f"- [ ] {text}", f"- [x] {text}"), "utf-8")

    def write(self, document: str, text: str) -> None:
        (self.folder / document).write_text(text, "utf-8")

    def snapshot(self) -> dict[str, bytes]:
        """Every file in the item's folder, byte for byte."""
        return {p.name: p.read_bytes() for p in sorted(self.folder.iterdir()) if p.is_file()}


def configure(project: Project, name: str, data: dict[str, Any]) -> Path:
    """Write a project override in .claude/haios/config/ (JSON is YAML)."""
    path = project.config_dir / name
    path.write_text(json.dumps(data), "utf-8")
    return path


def tests_gate(project: Project, *argv: str) -> None:
    """Point the `tests_pass` gate at a tiny command instead of the project's test suite."""
    configure(project, "gates.yaml", {"gates": {"tests_pass": {"command": list(argv)}}})


def work(haios: Any, *args: str) -> None:
    result = haios("work", *args)
    assert result.code == 0, result.err


def step(haios: Any, *args: str, **expected: Any) -> dict[str, Any]:
    """`haios cycle ARGS --json`, which must succeed; its document holds the `expected` values
    (other keys may come and go)."""
    result = haios("cycle", *args, "--json")
    assert (result.code, result.err) == (0, ""), result.err
    document: dict[str, Any] = result.json()
    assert {key: document.get(key, "<absent>") for key in expected} == expected
    return document


def held(haios: Any, item: Item, *args: str, failed: dict[str, str], phase: str) -> None:
    """`haios cycle ARGS --json` held back at `phase` by gates: exit 1, each failing gate with its
    exact reason, and not a byte changed in the item's folder."""
    before = item.snapshot()
    result = haios("cycle", *args, "--json")
    assert (result.code, result.err) == (1, "")
    document = result.json()
    assert (document["final_phase"], document["outcome"]) == (phase, "blocked")
    reasons = {g["gate_id"]: g["reason"] for g in document["gate_results"] if not g["passed"]}
    assert reasons == failed
    assert item.snapshot() == before


def gate_ids(document: dict[str, Any]) -> list[str]:
    """The gates that let a step through."""
    assert all(g["passed"] for g in document["gate_results"])
    return [g["gate_id"] for g in document["gate_results"]]


def empty(heading: str, document: str = "WORK.md") -> str:
    where = f"{FOLDER}/{document}"
    return f"`## {heading}` in {where} is empty; write it (the template text does not count)"


def missing(document: str, heading: str) -> str:
    return f"{FOLDER}/{document} is missing; create it with a `## {heading}` section"


def node(haios: Any) -> str:
    shown = haios("work", "show", "1", "--json")
    assert shown.code == 0, shown.err
    return str(shown.json()["current_node"])


# -- the seven packaged cycles --------------------------------------------------------------------


def test_work_creation(project: Project, haios: Any) -> None:
    work(haios, "new", "Rate limits")
    work(haios, "new", "Pick a limiter library")
    item = Item(project)
    step(haios, "start", "1", cycle_id="work-creation", final_phase="verify", outcome="running")
    step(haios, "advance", "1", final_phase="populate", outcome="running")

    held(
        haios,
        item,
        "advance",
        "1",
        phase="populate",
        failed={
            "context_filled": empty("Context"),
            "deliverables_listed": empty("Deliverables"),
            "acceptance_listed": empty("Acceptance"),
        },
    )
    item.fill("Context", "Clients flood the API; one bad client slows everyone down.")
    item.fill("Deliverables", "- [ ] a token-bucket limiter")
    item.fill("Acceptance", "- [ ] the 101st request in a minute gets 429")
    work(haios, "block", "1", "--by", "2")
    moved = step(haios, "advance", "1", final_phase="ready", outcome="running")
    assert gate_ids(moved) == ["context_filled", "deliverables_listed", "acceptance_listed"]
    assert moved["prompt"] == (
        "Make sure nothing blocks the item, then mark it ready: `haios work queue WORK-001 ready`."
    )

    held(
        haios,
        item,
        "advance",
        "1",
        phase="ready",
        failed={
            "no_open_blockers": "blocked by WORK-002 (active); finish those first, "
            "or `haios work unblock WORK-001 --by WORK-002`"
        },
    )
    work(haios, "close", "2", "--abandon", "--reason", "the standard library will do")
    work(haios, "queue", "1", "ready")
    done = step(
        haios,
        "advance",
        "1",
        cycle_id="work-creation",
        final_phase="ready",
        outcome="chain",
        next_cycle="plan-authoring",
    )
    assert gate_ids(done) == ["no_open_blockers"]
    step(haios, "status", "1", cycle_id=None, final_phase=None)
    step(haios, "start", "1", "plan-authoring", final_phase="gather", outcome="running")


def test_investigation(project: Project, haios: Any) -> None:
    work(haios, "new", "Why are logins slow")
    item = Item(project)
    step(haios, "start", "1", "investigation", final_phase="hypothesize", outcome="running")
    assert node(haios) == "discovery"  # the cycle's node

    held(
        haios,
        item,
        "advance",
        "1",
        phase="hypothesize",
        failed={"hypothesis_written": missing("INVESTIGATION.md", "Hypothesis")},
    )
    item.write(
        "INVESTIGATION.md",
        "# Why are logins slow\n\n## Hypothesis\n\nThe session lookup scans the whole table.\n\n"
        "## Findings\n\n<!-- what the evidence shows -->\n\n## Conclusion\n",
    )
    step(haios, "advance", "1", final_phase="explore", outcome="running")
    held(
        haios,
        item,
        "check",
        "1",
        phase="explore",
        failed={"findings_written": empty("Findings", "INVESTIGATION.md")},
    )
    item.fill("Findings", "EXPLAIN shows a full scan of sessions.", "INVESTIGATION.md")
    step(haios, "advance", "1", final_phase="conclude", outcome="running")
    item.fill("Conclusion", "Index sessions.token.", "INVESTIGATION.md")
    step(haios, "advance", "1", final_phase="chain", outcome="running")
    step(
        haios,
        "advance",
        "1",
        cycle_id="investigation",
        final_phase="chain",
        outcome="chain",
        next_cycle="work-creation",
    )
    step(haios, "start", "1", "work-creation", final_phase="verify", outcome="running")


def test_plan_authoring(project: Project, haios: Any) -> None:
    work(haios, "new", "Rate limits")
    item = Item(project)
    step(haios, "start", "1", "plan-authoring", final_phase="gather", outcome="running")
    assert node(haios) == "plan"

    held(haios, item, "advance", "1", phase="gather", failed={"context_filled": empty("Context")})
    item.fill("Context", "Clients flood the API.")
    step(haios, "advance", "1", final_phase="draft", outcome="running")

    held(
        haios,
        item,
        "advance",
        "1",
        phase="draft",
        failed={
            "plan_approach_filled": missing("PLAN.md", "Approach"),
            "plan_steps_filled": missing("PLAN.md", "Steps"),
        },
    )
    item.write("PLAN.md", "# Plan\n\n## Approach\n\nA token bucket per client.\n\n## Steps\n\n")
    held(
        haios,
        item,
        "advance",
        "1",
        phase="draft",
        failed={"plan_steps_filled": empty("Steps", "PLAN.md")},
    )
    item.fill("Steps", "1. the bucket\n2. the middleware", "PLAN.md")
    step(haios, "advance", "1", final_phase="validate", outcome="running")

    held(
        haios,
        item,
        "advance",
        "1",
        phase="validate",
        failed={"acceptance_listed": empty("Acceptance")},
    )
    item.fill("Acceptance", "- [ ] the 101st request in a minute gets 429")
    done = step(
        haios,
        "advance",
        "1",
        cycle_id="plan-authoring",
        final_phase="validate",
        outcome="chain",
        next_cycle="implementation",
    )
    assert gate_ids(done) == ["acceptance_listed", "no_open_blockers", "plan_reviewed"]
    assert done["gate_results"][-1]["skipped"] is True  # a review is for architectural items
    started = step(haios, "start", "1", "implementation", final_phase="plan", outcome="running")
    assert gate_ids(started) == ["plan_approach_filled"]  # the plan just written lets it in
    assert node(haios) == "implement"


def test_implementation(project: Project, haios: Any) -> None:
    tests = [PY, "-c", "import os, sys; os.path.isfile('limiter.py') or sys.exit('no limiter')"]
    tests_gate(project, *tests)
    work(haios, "new", "Rate limits")
    work(haios, "move", "1", "plan")
    item = Item(project)
    item.write("PLAN.md", "## Approach\n\nA token bucket per client.\n")
    step(haios, "start", "1", "implementation", final_phase="plan", outcome="running")
    step(haios, "advance", "1", final_phase="do", outcome="running")

    no_items = (
        f"`## Deliverables` in {FOLDER}/WORK.md has no checklist items; "
        "list them as `- [ ] …` and tick each one (`- [x]`) when it holds"
    )
    held(haios, item, "advance", "1", phase="do", failed={"deliverables_done": no_items})
    item.fill("Deliverables", "- [x] limiter.py")
    item.fill("Acceptance", "- [ ] the 101st request in a minute gets 429")
    step(haios, "advance", "1", final_phase="check", outcome="running")

    shown = shlex.join(tests)
    held(
        haios,
        item,
        "check",
        "1",
        phase="check",
        failed={
            "tests_pass": f"`{shown}` exited 1: no limiter; run `{shown}` and fix what it reports",
            "acceptance_done": f"1 of 1 items under `## Acceptance` in {FOLDER}/WORK.md are not "
            "ticked: 'the 101st request in a minute gets 429'; finish them, then tick each one "
            "(`- [x]`)",
        },
    )
    (project.root / "limiter.py").write_text("LIMIT = 100\n", "utf-8")  # the work itself
    item.tick("the 101st request")
    checked = step(haios, "check", "1", final_phase="check", outcome="running")
    assert gate_ids(checked) == ["tests_pass", "acceptance_done"]
    assert checked["gate_results"][0]["reason"] == f"`{shown}` succeeded"
    step(haios, "advance", "1", final_phase="done", outcome="running")
    item.fill("Learnings", "A bucket per client needs a clock the tests can fake.")
    step(haios, "advance", "1", final_phase="chain", outcome="running")
    step(
        haios,
        "advance",
        "1",
        cycle_id="implementation",
        final_phase="chain",
        outcome="chain",
        next_cycle="close-work",
    )
    step(haios, "start", "1", "close-work", final_phase="validate", outcome="running")


def test_close_work(project: Project, haios: Any) -> None:
    tests_gate(project, sys.executable, "-c", "print('3 passed')")
    work(haios, "new", "Rate limits")
    work(haios, "move", "1", "plan")
    work(haios, "move", "1", "implement")
    item = Item(project)
    item.fill("Deliverables", "- [ ] limiter.py")
    item.fill("Acceptance", "- [x] the 101st request in a minute gets 429")
    step(haios, "start", "1", "close-work", final_phase="validate", outcome="running")
    assert node(haios) == "close"

    held(
        haios,
        item,
        "advance",
        "1",
        phase="validate",
        failed={
            "deliverables_done": f"1 of 1 items under `## Deliverables` in {FOLDER}/WORK.md are "
            "not ticked: 'limiter.py'; finish them, then tick each one (`- [x]`)"
        },
    )
    item.tick("limiter.py")
    step(haios, "advance", "1", final_phase="observe", outcome="running")
    held(
        haios,
        item,
        "advance",
        "1",
        phase="observe",
        failed={"learnings_written": empty("Learnings")},
    )
    item.fill("Learnings", "Fake the clock.")
    archive = step(haios, "advance", "1", final_phase="archive", outcome="running")
    assert archive["prompt"] == (
        "Close the item: `haios work close WORK-001` (add --archive to move its folder)."
    )
    work(haios, "close", "1", "--archive")  # what the prompt says; the folder moves
    item.folder = project.root / "docs/work/archive/WORK-001"
    step(haios, "status", "1", cycle_id="close-work", final_phase="archive")
    step(haios, "advance", "1", final_phase="memory", outcome="running")
    held(
        haios,
        item,
        "advance",
        "1",
        phase="memory",
        failed={
            "memory_stored": "no memory is linked to WORK-001; store its learnings (`haios "
            "memory store`, or close it through close-work)"
        },
    )
    with build(project) as rt:  # what storing a memory for the item does
        rt.work.update_memory_refs("WORK-001", [7])
    step(
        haios,
        "advance",
        "1",
        cycle_id="close-work",
        final_phase="memory",
        outcome="completed",
        next_cycle=None,
    )
    assert (project.root / "docs/work/archive/WORK-001/WORK.md").is_file()
    assert node(haios) == "complete"


def test_checkpoint(project: Project, haios: Any) -> None:
    work(haios, "new", "Rate limits")
    item = Item(project)
    started = step(haios, "start", "1", "checkpoint", final_phase="scaffold", outcome="running")
    assert started["gate_results"] == []
    assert node(haios) == "backlog"  # an unbound cycle moves no item

    before = item.snapshot()
    blocked = haios("cycle", "advance", "1")
    assert (blocked.code, blocked.err) == (1, "")
    assert blocked.out == (
        "WORK-001 is held at checkpoint/scaffold: 1 gate failed\n"
        "  FAIL  checkpoint_written: missing: docs/checkpoints/*.md; create them\n"
    )
    assert item.snapshot() == before
    checkpoints = project.root / "docs/checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / "session-12.md").write_text("# Session 12\n\nDone: the limiter.\n", "utf-8")

    # `verify` is also a phase of work-creation, the cycle of this item's node: the cycle
    # recorded beside the phase keeps it in checkpoint
    for phase in ("fill", "verify", "capture", "commit"):
        step(haios, "advance", "1", final_phase=phase, outcome="running")
    done = haios("cycle", "advance", "1")
    assert (done.code, done.out) == (
        0,
        "WORK-001 completed checkpoint\nnext: work-creation for WORK-001: it is new: write its "
        "work item first (`haios cycle resume WORK-001`)\n",
    )
    step(haios, "status", "1", cycle_id=None, final_phase=None)


def test_an_unbound_cycle_keeps_an_item_whose_phase_a_bound_cycle_shares(
    project: Project, haios: Any
) -> None:
    work(haios, "new", "Rate limits")
    step(haios, "start", "1", "checkpoint")
    (project.root / "docs/checkpoints").mkdir(parents=True)
    (project.root / "docs/checkpoints/session-12.md").write_text("# Session 12\n", "utf-8")
    step(haios, "advance", "1", final_phase="fill")
    step(haios, "advance", "1", final_phase="verify")
    step(haios, "status", "1", cycle_id="checkpoint", final_phase="verify")


def test_observation_triage(project: Project, haios: Any) -> None:
    work(haios, "new", "Triage what the last sprint taught us")
    item = Item(project)
    step(haios, "start", "1", "observation-triage", final_phase="scan", outcome="running")
    held(
        haios,
        item,
        "advance",
        "1",
        phase="scan",
        failed={"observations_listed": missing("OBSERVATIONS.md", "Observations")},
    )
    item.write(
        "OBSERVATIONS.md",
        "# Observations\n\n## Observations\n\n"
        "- [ ] the clock is hard to fake\n- [ ] 429 bodies are not JSON\n",
    )
    step(haios, "advance", "1", final_phase="triage", outcome="running")

    held(
        haios,
        item,
        "advance",
        "1",
        phase="triage",
        failed={
            "observations_triaged": f"2 of 2 items under `## Observations` in {FOLDER}/"
            "OBSERVATIONS.md are not ticked: 'the clock is hard to fake'; '429 bodies are not "
            "JSON'; finish them, then tick each one (`- [x]`)"
        },
    )
    item.tick("the clock", "OBSERVATIONS.md")
    item.tick("429 bodies", "OBSERVATIONS.md")
    step(haios, "advance", "1", final_phase="promote", outcome="running")
    work(haios, "new", "Return JSON bodies with 429")  # the observation that needs work
    step(
        haios,
        "advance",
        "1",
        cycle_id="observation-triage",
        final_phase="promote",
        outcome="completed",
        next_cycle=None,
    )


# -- a crash between phases -----------------------------------------------------------------------


def kill_holding_locks(project: Project, *names: str) -> None:
    """A haios process that took these locks in the state folder and was killed holding them."""
    script = (
        "import os, signal, sys\nfrom filelock import FileLock\n"
        "locks = [FileLock(p) for p in sys.argv[1:]]\n"
        "for lock in locks: lock.acquire(timeout=5)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    paths = [str(project.state_dir / name) for name in names]
    proc = subprocess.run([PY, "-c", script, *paths], capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr


def journal_events(haios: Any) -> list[str]:
    tail = haios("audit", "tail", "-n", "1000", "--json")
    assert tail.code == 0, tail.err
    return [record["event"] for record in tail.json()["events"]]


@pytest.mark.parametrize("moment", ["before the rename", "after the rename"])
def test_a_crash_between_phases_is_picked_up_where_the_work_item_says(
    project: Project, haios: Any, moment: str
) -> None:
    """`haios cycle advance` killed while moving WORK-001 from implementation/do to check: before
    its new WORK.md was renamed into place (a temp file is left), or after (the journal line
    that records it is cut off). Either way status tells the truth and advance goes on."""
    tests_gate(project, PY, "-c", "pass")
    work(haios, "new", "Rate limits")
    work(haios, "move", "1", "plan")
    work(haios, "move", "1", "implement")
    work(haios, "phase", "1", "do")
    item = Item(project)
    item.fill("Deliverables", "- [x] limiter.py")
    item.fill("Acceptance", "- [x] the 101st request in a minute gets 429")

    text = item.work_md.read_text("utf-8")
    written = text.replace("\ncycle_phase: do\n", "\ncycle_phase: check\n")
    assert written != text
    journal = project.state_dir / "journal.jsonl"
    if moment == "before the rename":
        (item.folder / ".WORK.md.x7k2q9.tmp").write_text(written[: len(written) // 2], "utf-8")
        now, then = "do", "check"
    else:
        item.work_md.write_text(written, "utf-8")
        last = journal.read_bytes().splitlines()[-1]
        with open(journal, "ab") as fh:
            fh.write(last[: len(last) // 2])
        now, then = "check", "done"
    kill_holding_locks(project, "locks/WORK-001.lock", "journal.lock")

    status = haios("cycle", "status", "1")
    assert status.code == 0, status.err
    assert status.out.splitlines()[0].startswith(f"WORK-001: implementation, phase {now} (")
    step(haios, "advance", "1", cycle_id="implementation", final_phase=then, outcome="running")
    step(haios, "status", "1", cycle_id="implementation", final_phase=then)

    assert not list(item.folder.glob(".WORK.md.*.tmp"))  # swept by the next write
    verified = haios("audit", "verify")
    assert (verified.code, verified.err) == (0, "")
    assert verified.out.startswith("journal intact: ")
    events = journal_events(haios)
    assert events[-1] == "PhaseEntered"
    if moment == "after the rename":
        assert "JournalRepaired" in events  # the cut-off line is dropped, and the chain says so


def test_a_crash_inside_start_after_the_node_moved(project: Project, haios: Any) -> None:
    """`haios cycle start 1 implementation` killed after it moved the item to `implement` but
    before it wrote the first phase: starting again picks up from there."""
    work(haios, "new", "Rate limits")
    work(haios, "move", "1", "plan")
    Item(project).write("PLAN.md", "## Approach\n\nA token bucket.\n")
    work(haios, "move", "1", "implement")  # the state the killed start left

    step(haios, "status", "1", cycle_id=None, final_phase=None, bound="implementation")
    step(haios, "start", "1", cycle_id="implementation", final_phase="plan", outcome="running")
    assert node(haios) == "implement"
    assert haios("audit", "verify").code == 0


# -- a cycle of the project's own -----------------------------------------------------------------

SECURITY_REVIEW = {
    "description": "Look for what could go wrong before it ships.",
    "phases": {
        "review": {
            "prompt": "List the threats to {id} in REVIEW.md under ## Threats.",
            "exit": ["threats_listed"],
        },
        "signoff": {
            "prompt": "Have someone else read the review, then record it in {id}'s SIGNED-OFF.",
            "exit": ["signed_off"],
            "next_cycle": "implementation",
        },
    },
}
REVIEW_GATES = {
    "threats_listed": {
        "kind": "section_filled",
        "document": "REVIEW.md",
        "section": "Threats",
        "description": "The review lists the threats.",
    },
    "signed_off": {
        "kind": "files_exist",
        "paths": ["{folder}/SIGNED-OFF"],
        "description": "Someone else signed the review off.",
    },
}


def add_phases(project: Project, *phases: str) -> None:
    known = load_config(project).haios.work.cycle_phases
    configure(project, "haios.yaml", {"work": {"cycle_phases": [*known, *phases]}})


def test_a_cycle_added_in_the_project_config(project: Project, haios: Any) -> None:
    add_phases(project, "review", "signoff")
    configure(project, "gates.yaml", {"gates": REVIEW_GATES})
    configure(project, "cycle-definitions.yaml", {"cycles": {"security-review": SECURITY_REVIEW}})

    listed = haios("cycle", "list", "--json").json()["cycles"]
    assert [c["id"] for c in listed][-2:] == ["observation-triage", "security-review"]
    assert listed[-1]["node"] is None
    assert [p["name"] for p in listed[-1]["phases"]] == ["review", "signoff"]
    row = haios("cycle", "list").out.splitlines()[-1]
    assert row.split() == ["security-review", "-", "review", "→", "signoff", "implementation"]
    shown = haios("cycle", "show", "security-review")
    assert (shown.code, shown.out) == (
        0,
        "security-review: Look for what could go wrong before it ships.\n"
        "  1. review\n"
        "     List the threats to ID in REVIEW.md under ## Threats.\n"
        "     exit gates: threats_listed\n"
        "  2. signoff\n"
        "     Have someone else read the review, then record it in ID's SIGNED-OFF.\n"
        "     exit gates: signed_off\n"
        "  then: implementation\n",
    )

    work(haios, "new", "Rate limits")
    item = Item(project)
    started = step(haios, "start", "1", "security-review", final_phase="review", outcome="running")
    assert started["prompt"] == "List the threats to WORK-001 in REVIEW.md under ## Threats."
    held(
        haios,
        item,
        "advance",
        "1",
        phase="review",
        failed={"threats_listed": missing("REVIEW.md", "Threats")},
    )
    item.write("REVIEW.md", "## Threats\n\n- one client can starve the others\n")
    step(haios, "advance", "1", final_phase="signoff", outcome="running")
    held(
        haios,
        item,
        "advance",
        "1",
        phase="signoff",
        failed={"signed_off": f"missing: {FOLDER}/SIGNED-OFF; create them"},
    )
    item.write("SIGNED-OFF", "bob\n")
    status = haios("cycle", "status", "1")
    assert status.out.splitlines()[:3] == [
        "WORK-001: security-review, phase signoff (2 of 2), "
        "tier standard (no effort or source files given)",
        "  Have someone else read the review, then record it in WORK-001's SIGNED-OFF.",
        "  exit gates: signed_off",
    ]
    done = step(
        haios,
        "advance",
        "1",
        cycle_id="security-review",
        final_phase="signoff",
        outcome="chain",
        next_cycle="implementation",
    )
    assert gate_ids(done) == ["signed_off"]


# -- bad input, met through the CLI ---------------------------------------------------------------

BAD_CYCLES = [
    pytest.param(
        {"security-review": {"phases": {"review": {"exit": ["threats_listd"]}}}},
        "cycles.security-review.phases.review.exit: unknown gate 'threats_listd'; "
        "nearest: threats_listed (gates are defined in gates.yaml)",
        id="unknown gate",
    ),
    pytest.param(
        {"security-review": {"phases": {"review": {}, "signoff": {"next_cycle": "release"}}}},
        "cycles.security-review.phases.signoff.next_cycle = 'release': no such cycle; known: "
        "work-creation, investigation, plan-authoring, implementation, close-work, checkpoint, "
        "observation-triage, security-review",
        id="chain to a missing cycle",
    ),
    pytest.param(
        {
            "security-review": {"phases": {"review": {"next_cycle": "security-fix"}}},
            "security-fix": {"phases": {"do": {"next_cycle": "security-review"}}},
        },
        "cycles.security-review: its chain loops (security-review → security-fix → "
        "security-review); end one of them without next_cycle",
        id="loop of chains",
    ),
]


@pytest.mark.parametrize(("cycles", "message"), BAD_CYCLES)
def test_a_bad_project_cycle_stops_the_command_and_changes_nothing(
    project: Project, haios: Any, cycles: dict[str, Any], message: str
) -> None:
    add_phases(project, "review", "signoff")
    configure(project, "gates.yaml", {"gates": REVIEW_GATES})
    work(haios, "new", "Rate limits")
    item = Item(project)
    before = item.snapshot()
    path = configure(project, "cycle-definitions.yaml", {"cycles": cycles})

    for args in (("start", "1", "security-review"), ("list",)):
        result = haios("cycle", *args)
        assert (result.code, result.out) == (1, "")
        assert result.err == f"haios: error: {path}: {message}\n"
    assert item.snapshot() == before


def test_a_gate_command_that_hangs_or_is_missing_fails_its_gate(
    project: Project, haios: Any
) -> None:
    hang = [PY, "-c", "import time; time.sleep(60)"]
    configure(
        project,
        "gates.yaml",
        {
            "gates": {
                "tests_pass": {"command": hang, "timeout": 0.3},
                "lint_clean": {"kind": "command_succeeds", "command": "no-such-linter --check"},
            }
        },
    )
    configure(
        project,
        "cycle-definitions.yaml",
        {
            "cycles": {
                "implementation": {"phases": {"check": {"exit": ["tests_pass", "lint_clean"]}}}
            }
        },
    )
    work(haios, "new", "Rate limits")
    work(haios, "move", "1", "plan")
    work(haios, "move", "1", "implement")
    work(haios, "phase", "1", "check")
    item = Item(project)
    before = item.snapshot()

    timed_out = (
        f"`{shlex.join(hang)}` did not finish in 0.3 s and was stopped; "
        "make it faster, or raise gates.tests_pass.timeout"
    )
    not_installed = (
        "`no-such-linter` is not installed or not on PATH; "
        "install it, or fix gates.lint_clean.command in gates.yaml"
    )
    checked = haios("cycle", "check", "1")
    assert (checked.code, checked.err) == (1, "")
    assert checked.out == (
        "WORK-001 implementation/check: 2 of 2 gates failed\n"
        f"  FAIL  tests_pass: {timed_out}\n"
        f"  FAIL  lint_clean: {not_installed}\n"
    )
    held(
        haios,
        item,
        "advance",
        "1",
        phase="check",
        failed={"tests_pass": timed_out, "lint_clean": not_installed},
    )
    assert item.snapshot() == before
    step(haios, "status", "1", cycle_id="implementation", final_phase="check")
