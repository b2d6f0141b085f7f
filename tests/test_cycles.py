"""Cycles and gates: the packaged definitions, config errors, each gate kind, CycleRunner, and the
implementation cycle driven end to end through the real CLI."""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from haios.configload import load_config
from haios.contracts import GateContext
from haios.cycleconfig import GATE_KINDS
from haios.errors import ConfigError, CycleError
from haios.governance.gates import KINDS
from haios.project import Project
from haios.runtime import Runtime, build

PY = shlex.quote(sys.executable)


def write_config(project: Project, name: str, text: str) -> Path:
    path = project.config_dir / name
    path.write_text(text, encoding="utf-8")
    return path


def fill(path: Path, heading: str, text: str) -> None:
    """Put `text` right under `## heading` in the Markdown file at `path`."""
    body = path.read_text("utf-8").replace(f"## {heading}\n", f"## {heading}\n\n{text}\n", 1)
    path.write_text(body, "utf-8")


# -- the packaged definitions ---------------------------------------------------------------------


def test_every_packaged_cycle_loads_and_its_gates_exist(tmp_path: Path) -> None:
    config = load_config(Project(tmp_path))
    cycles, gates = config.cycle_definitions.cycles, config.gates.gates
    assert list(cycles) == [
        "work-creation",
        "investigation",
        "plan-authoring",
        "implementation",
        "close-work",
        "checkpoint",
        "observation-triage",
    ]
    assert list(cycles["implementation"].phases) == ["plan", "do", "check", "done", "chain"]
    for cycle in cycles.values():
        for name, phase in cycle.phases.items():
            assert name in config.haios.work.cycle_phases
            assert phase.prompt
            assert set(phase.entry) | set(phase.exit) <= set(gates)
    bound = {n: r.cycle for n, r in config.node_bindings.nodes.items() if r.cycle}
    assert bound == {
        "backlog": "work-creation",
        "discovery": "investigation",
        "plan": "plan-authoring",
        "implement": "implementation",
        "close": "close-work",
    }
    assert set(KINDS) == set(GATE_KINDS) == {g.kind for g in gates.values()}


# -- config errors --------------------------------------------------------------------------------

CYCLE_ERRORS = [
    (
        "cycles: {implementation: {phases: {do: {exit: [deliverables_dne]}}}}",
        "cycles.implementation.phases.do.exit: unknown gate 'deliverables_dne'; "
        "nearest: deliverables_done (gates are defined in gates.yaml)",
    ),
    (
        "cycles: {implementation: {phases: {dp: {prompt: Work.}}}}",
        "cycles.implementation.phases.dp: unknown phase 'dp'; nearest: do "
        "(add new phases to work.cycle_phases)",
    ),
    (
        "cycles: {close-work: {phases: {memory: {next_cycle: implementaton}}}}",
        "cycles.close-work.phases.memory.next_cycle = 'implementaton': no such cycle; "
        "nearest: implementation",
    ),
    (
        "cycles: {close-work: {phases: {memory: {next_cycle: work-creation}}}}",
        "cycles.work-creation: its chain loops (work-creation → plan-authoring → "
        "implementation → close-work → work-creation); end one of them without next_cycle",
    ),
    (  # work-creation leads into the loop without being part of it
        "cycles: {close-work: {phases: {memory: {next_cycle: plan-authoring}}}}",
        "cycles.plan-authoring: its chain loops (plan-authoring → implementation → "
        "close-work → plan-authoring); end one of them without next_cycle",
    ),
    (
        "cycles: {implementation: {phases: {do: {next_cycle: close-work}}}}",
        "cycles.implementation.phases.do.next_cycle: only the last phase (chain) may chain "
        "to another cycle",
    ),
    (
        "cycles: {implementation: {phases: {do: {exits: []}}}}",
        "unknown key 'cycles.implementation.phases.do.exits'; "
        "known keys here: entry, exit, next_cycle, prompt",
    ),
]


@pytest.mark.parametrize(("text", "message"), CYCLE_ERRORS)
def test_a_bad_cycle_file_names_the_file_the_path_and_the_nearest_name(
    project: Project, text: str, message: str
) -> None:
    path = write_config(project, "cycle-definitions.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_config(project)
    assert str(info.value) == f"{path}: {message}"


GATE_ERRORS = [
    (
        "gates: {x: {kind: section_filed, section: A}}",
        "gates.x.kind = 'section_filed': unknown gate kind; nearest: section_filled",
    ),
    ("gates: {x: {kind: files_exist}}", "gates.x: kind files_exist needs `paths`"),
    (
        "gates: {x: {kind: files_exist, paths: [a], section: B}}",
        "gates.x: `section` does not apply to kind files_exist; it takes: paths",
    ),
    (
        "gates: {x: {kind: checklist_done, section: B, document: ../x.md}}",
        "gates.x.document = '../x.md': must be a file name in the item's folder, e.g. PLAN.md",
    ),
]


@pytest.mark.parametrize(("text", "message"), GATE_ERRORS)
def test_a_bad_gate_is_refused(project: Project, text: str, message: str) -> None:
    path = write_config(project, "gates.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_config(project)
    assert str(info.value) == f"{path}: {message}"


def test_a_node_bound_to_a_missing_cycle_is_refused(project: Project, haios: Any) -> None:
    path = write_config(project, "node-bindings.yaml", "nodes: {plan: {cycle: plan-authorng}}")
    result = haios("cycle", "list")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"haios: error: {path}: nodes.plan.cycle = 'plan-authorng': no such cycle; "
        "nearest: plan-authoring\n"
    )


# -- gate kinds -----------------------------------------------------------------------------------


def gated(project: Project, **gates: dict[str, Any]) -> Runtime:
    write_config(project, "gates.yaml", json.dumps({"gates": gates}))  # JSON is YAML
    return build(project)


def check(rt: Runtime, gate: str, work_id: str = "WORK-001") -> tuple[bool, str]:
    result = rt.governance.check_gate(gate, rt.cycles.context(rt.work.get(work_id)))
    return result.passed, result.reason


def test_a_command_that_hangs_is_stopped_at_its_timeout(project: Project) -> None:
    command = f"{PY} -c 'import time; time.sleep(60)'"
    slow = {"kind": "command_succeeds", "command": command, "timeout": 0.5}
    with gated(project, slow=slow) as rt:
        rt.work.create("Hang")
        started = time.monotonic()
        passed, reason = check(rt, "slow")
    assert time.monotonic() - started < 10
    assert not passed
    assert reason.endswith(
        "did not finish in 0.5 s and was stopped; make it faster, or raise gates.slow.timeout"
    )


def test_a_missing_program_is_a_failed_gate_not_a_crash(project: Project) -> None:
    with gated(project, t={"kind": "command_succeeds", "command": "no-such-program-x -q"}) as rt:
        rt.work.create("Missing")
        assert check(rt, "t") == (
            False,
            "`no-such-program-x` is not installed or not on PATH; "
            "install it, or fix gates.t.command in gates.yaml",
        )


def test_a_failing_command_shows_the_end_of_its_output(project: Project) -> None:
    script = "print(1); print(2); print(3); print(4); raise SystemExit(3)"
    command = [sys.executable, "-c", script]
    with gated(project, t={"kind": "command_succeeds", "command": command}) as rt:
        rt.work.create("Fails")
        passed, reason = check(rt, "t")
    assert not passed
    assert "exited 3: 2 | 3 | 4; run `" in reason


def test_a_section_holding_the_template_text_is_not_filled(project: Project) -> None:
    with build(project) as rt:
        state = rt.work.create("Sections")
        assert check(rt, "context_filled") == (
            False,
            "`## Context` in docs/work/active/WORK-001/WORK.md is empty; "
            "write it (the template text does not count)",
        )
        fill(Path(state.path), "Context", "Users hit the API too hard.")
        assert check(rt, "context_filled")[0]


def test_a_checklist_passes_once_every_item_is_ticked(project: Project) -> None:
    with build(project) as rt:
        path = Path(rt.work.create("Checklist").path)
        assert check(rt, "acceptance_done") == (
            False,
            "`## Acceptance` in docs/work/active/WORK-001/WORK.md has no checklist items; "
            "list them as `- [ ] …` and tick each one (`- [x]`) when it holds",
        )
        fill(path, "Acceptance", "- [x] limits apply\n- [ ] limits documented")
        assert check(rt, "acceptance_done") == (
            False,
            "1 of 2 items under `## Acceptance` in docs/work/active/WORK-001/WORK.md are not "
            "ticked: 'limits documented'; finish them, then tick each one (`- [x]`)",
        )
        path.write_text(path.read_text("utf-8").replace("- [ ] limits", "- [x] limits"), "utf-8")
        assert check(rt, "acceptance_done")[0]


def test_a_named_document_in_the_item_folder(project: Project) -> None:
    with build(project) as rt:
        folder = Path(rt.work.create("Plan doc").path).parent
        assert check(rt, "plan_approach_filled") == (
            False,
            "docs/work/active/WORK-001/PLAN.md is missing; create it with a `## Approach` section",
        )
        (folder / "PLAN.md").write_text("# Plan\n\n## Approach\n\nA token bucket.\n", "utf-8")
        assert check(rt, "plan_approach_filled")[0]


def test_open_blockers_and_files(project: Project) -> None:
    with gated(
        project, f={"kind": "files_exist", "paths": ["{folder}/notes.txt", "src/*.py"]}
    ) as rt:
        rt.work.create("Blocker")
        rt.work.create("Blocked", blocked_by=["WORK-001"])
        assert check(rt, "no_open_blockers", "WORK-002") == (
            False,
            "blocked by WORK-001 (active); finish those first, "
            "or `haios work unblock WORK-002 --by WORK-001`",
        )
        rt.work.close("WORK-001", abandon_reason="not needed")
        assert check(rt, "no_open_blockers", "WORK-002") == (True, "nothing blocks it")
        assert check(rt, "f") == (
            False,
            "missing: docs/work/active/WORK-001/notes.txt, src/*.py; create them",
        )


def test_an_unknown_gate_fails_with_the_nearest_name(rt: Runtime) -> None:
    state = rt.work.create("Unknown")
    result = rt.governance.check_gate("acceptance_dne", GateContext(state, str(rt.project.root)))
    assert (result.passed, result.reason) == (
        False,
        "unknown gate 'acceptance_dne'; nearest: acceptance_done",
    )


# -- CycleRunner ----------------------------------------------------------------------------------


def test_run_goes_as_far_as_the_gates_allow(rt: Runtime) -> None:
    state = rt.work.create("Run")
    fill(Path(state.path), "Context", "Why.")
    fill(Path(state.path), "Deliverables", "- [ ] code")
    result = rt.cycles.run("work-creation", state)
    assert (result.cycle_id, result.final_phase, result.outcome) == (
        "work-creation",
        "populate",
        "blocked",
    )
    assert [g.gate_id for g in result.failed] == ["acceptance_listed"]
    assert rt.work.get("WORK-001").cycle_phase == "populate"
    fill(Path(state.path), "Acceptance", "- [ ] it works")
    result = rt.cycles.run("work-creation", rt.work.get("WORK-001"))
    assert (result.outcome, result.next_cycle) == ("chain", "plan-authoring")
    assert rt.work.get("WORK-001").cycle_phase is None


def test_the_cycle_of_a_phase_comes_from_the_node_or_must_be_named(rt: Runtime) -> None:
    rt.work.create("Ambiguous")
    state = rt.work.set_cycle_phase("WORK-001", "validate")  # close-work and plan-authoring
    with pytest.raises(CycleError) as info:
        rt.cycles.locate(state)
    assert str(info.value) == (
        "WORK-001 is in phase 'validate', which plan-authoring and close-work all have; "
        "name the cycle with --cycle plan-authoring"
    )
    assert rt.cycles.locate(state, "close-work") == "close-work"
    rt.work.transition("WORK-001", "plan")
    assert rt.cycles.resume(rt.work.get("WORK-001")).cycle_id == "plan-authoring"


# -- the CLI --------------------------------------------------------------------------------------


def events(project: Project) -> list[str]:
    journal = project.state_dir / "journal.jsonl"
    return [json.loads(line)["event"] for line in journal.read_text("utf-8").splitlines()]


def test_the_implementation_cycle_through_the_cli(project: Project, haios: Any) -> None:
    write_config(
        project,
        "gates.yaml",
        f"gates: {{tests_pass: {{command: [{sys.executable}, -c, "
        "'import os, sys; sys.exit(0 if os.path.exists(\"GREEN\") else 1)']}}\n",
    )
    assert haios("work", "new", "Rate limits").code == 0
    work_md = project.root / "docs/work/active/WORK-001/WORK.md"

    refused = haios("cycle", "start", "1", "implementation")
    assert (refused.code, refused.out) == (1, "")
    assert "cannot move backlog → implement" in refused.err
    assert haios("work", "move", "1", "plan").code == 0

    before = work_md.read_bytes()
    blocked = haios("cycle", "start", "1", "implementation")
    assert blocked.code == 1
    assert blocked.out == (
        "WORK-001 is held at implementation/plan: 1 gate failed\n"
        "  FAIL  plan_approach_filled: docs/work/active/WORK-001/PLAN.md is missing; "
        "create it with a `## Approach` section\n"
    )
    assert work_md.read_bytes() == before  # a failed gate changes nothing

    (work_md.parent / "PLAN.md").write_text("## Approach\n\nA token bucket.\n", "utf-8")
    started = haios("cycle", "start", "1", "implementation")
    assert started.code == 0, started.err
    assert started.out.startswith("WORK-001 is in implementation/plan\n")
    shown = haios("work", "show", "1", "--json").json()
    assert (shown["current_node"], shown["cycle_phase"]) == ("implement", "plan")

    assert haios("cycle", "advance", "1").out.startswith("WORK-001 is in implementation/do\n")
    fill(work_md, "Deliverables", "- [ ] the limiter")
    fill(work_md, "Acceptance", "- [ ] 429 after 100 requests")
    held = haios("cycle", "advance", "1")
    assert held.code == 1
    assert "FAIL  deliverables_done: 1 of 1 items under `## Deliverables`" in held.out
    work_md.write_text(work_md.read_text("utf-8").replace("- [ ] the", "- [x] the"), "utf-8")
    assert haios("cycle", "advance", "1").code == 0

    before = work_md.read_bytes()
    failing = haios("cycle", "check", "1", "--json")
    assert failing.code == 1
    document = failing.json()
    assert (document["final_phase"], document["outcome"]) == ("check", "blocked")
    assert [(g["gate_id"], g["passed"]) for g in document["gate_results"]] == [
        ("tests_pass", False),
        ("acceptance_done", False),
    ]
    assert "exited 1; run `" in document["gate_results"][0]["reason"]
    assert haios("cycle", "advance", "1").code == 1
    assert work_md.read_bytes() == before

    (project.root / "GREEN").write_text("", "utf-8")
    work_md.write_text(work_md.read_text("utf-8").replace("- [ ] 429", "- [x] 429"), "utf-8")
    passing = haios("cycle", "check", "1")
    assert (passing.code, passing.out.splitlines()[0]) == (
        0,
        "WORK-001 implementation/check: all 2 gates pass; `haios cycle advance WORK-001` moves on",
    )
    assert haios("cycle", "advance", "1").code == 0
    assert haios("cycle", "advance", "1").code == 1  # ## Learnings is still empty
    fill(work_md, "Learnings", "Token buckets need a clock you can fake.")
    assert haios("cycle", "advance", "1").out.startswith("WORK-001 is in implementation/chain")
    done = haios("cycle", "advance", "1")
    assert (done.code, done.out) == (
        0,
        "WORK-001 completed implementation; next: `haios cycle start WORK-001 close-work`\n",
    )
    # node-bindings.yaml: implement's cycle completed, `then: close` moved the item on
    assert haios("cycle", "status", "1").out == (
        "WORK-001 is in no cycle (node close); `haios cycle start WORK-001` starts close-work\n"
    )
    kinds = events(project)
    assert kinds.count("PhaseEntered") == 5
    assert kinds.count("CycleCompleted") == 1
    assert "GatePassed" in kinds


def test_status_after_a_break_resumes_from_the_phase_in_the_work_item(
    project: Project, haios: Any
) -> None:
    haios("work", "new", "Resume")
    haios("work", "move", "1", "plan")
    haios("work", "move", "1", "implement")
    assert haios("work", "phase", "1", "check").code == 0  # as a session left it
    status = haios("cycle", "status", "1")
    assert status.code == 0
    assert status.out.splitlines()[0] == (
        "WORK-001: implementation, phase check (3 of 5), "
        "tier standard (no effort or source files given)"
    )
    assert "exit gates: tests_pass, acceptance_done" in status.out
    assert haios("cycle", "status", "1", "--json").json()["cycle_id"] == "implementation"


def test_cycle_list_and_show(haios: Any) -> None:
    listed = haios("cycle", "list", "--json").json()
    assert [c["id"] for c in listed["cycles"]][:2] == ["work-creation", "investigation"]
    text = haios("cycle", "list").out.splitlines()
    assert text[0].split() == ["CYCLE", "NODE", "PHASES", "THEN"]
    assert "implementation      implement  plan → do → check → done → chain" in "\n".join(text)
    shown = haios("cycle", "show", "close-work")
    assert shown.out.startswith("close-work (bound to node close): ")
    missing = haios("cycle", "show", "implementaton")
    assert (missing.code, missing.err) == (
        1,
        "haios: error: no cycle 'implementaton'; nearest: implementation\n",
    )
