"""Many processes at once on one project: ids stay distinct, claims exclusive, no move is lost.

Each worker is a real process that runs a list of `haios …` command lines through the CLI's
`main()` (the code `python -m haios` runs, minus the interpreter start-up per command), after
all workers have started and wait on one go-file. Each worker also records every event its
process emitted, so the journal can be checked line for line against what really happened.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

from haios.project import Project
from haios.runtime import Runtime, journal_for
from haios.work import files

WORKER = r"""
import contextlib, io, json, os, sys, time
from haios.cli.main import main
from haios.events import SIGNALS, payload_dict
import haios.cli.work, haios.runtime  # warm up before the start signal

events = []

def record(sender, *, event):
    events.append([type(event).__name__, payload_dict(event)])

for signal in SIGNALS.values():
    signal.connect(record)

ready, go, plan = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.002)
results = []
for argv in plan:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    results.append({"argv": argv, "code": code, "out": out.getvalue(), "err": err.getvalue()})
sys.stdout.write(json.dumps({"results": results, "events": events}))
"""


def run_workers(root: Path, plans: list[list[list[str]]]) -> list[dict[str, Any]]:
    """Start one process per plan, release them together, return each one's report."""
    signals = root.parent / f"signals-{time.monotonic_ns()}"
    signals.mkdir()
    go = signals / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(signals / f"ready-{n}"), str(go), json.dumps(plan)],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, plan in enumerate(plans)
    ]
    try:
        deadline = time.monotonic() + 90
        while len(list(signals.glob("ready-*"))) < len(procs):
            assert time.monotonic() < deadline, "workers did not start"
            assert all(p.poll() is None for p in procs), "a worker died while starting"
            time.sleep(0.01)
        go.touch()
        reports = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            reports.append(json.loads(out))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return reports


def _results(reports: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """(worker number, result) of every command, with no crash and no usage error anywhere."""
    flat = [(n, r) for n, report in enumerate(reports) for r in report["results"]]
    for _, r in flat:
        assert r["code"] in (0, 1), r
        assert r["code"] == 0 or r["err"].startswith("haios: error: "), r
    return flat


def _canonical(event: str, payload: Any) -> str:
    return json.dumps([event, payload], sort_keys=True, ensure_ascii=False)


def _journal(project: Project) -> list[dict[str, Any]]:
    path = project.state_dir / "journal.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _worker_plan(n: int, race: str, contested: str, shared: list[str]) -> list[list[str]]:
    rng = random.Random(n)
    owner = f"p{n}"
    plan = [
        ["work", "move", race, "plan", "--json"],
        ["work", "claim", contested, "--owner", owner, "--json"],
        *(["work", "new", f"{owner} item {k}", "--json"] for k in range(3)),
        ["work", "ready", "--json"],
        *(["work", "next", "--claim", "--owner", owner, "--json"] for _ in range(2)),
        ["work", "list", "--json"],
    ]
    for item in rng.sample(shared, 4):
        node = rng.choice(["plan", "implement", "backlog", "discovery"])
        plan.append(["work", "move", item, node, "--json"])
    plan.append(["work", "claim", rng.choice(shared), "--owner", owner, "--json"])
    plan.append(["work", "queue", rng.choice(shared), rng.choice(["ready", "parked"]), "--json"])
    return plan


def _check_history(state: Any) -> list[tuple[str, str]]:
    """The item's history is one unbroken chain; returns its moves (from, to)."""
    history = state.node_history
    assert history[0].node == "backlog"
    assert history[-1].node == state.current_node
    assert history[-1].exited is None
    for before, after in pairwise(history):
        assert before.exited is not None
        assert before.exited == after.entered
        assert before.node != after.node
    return [(a.node, b.node) for a, b in pairwise(history)]


def test_twenty_processes_create_claim_and_move_shared_items(rt: Runtime) -> None:
    project = rt.project
    race, contested, *shared = (rt.work.create(f"shared {k}").id for k in range(8))
    baseline = len(_journal(project))

    reports = run_workers(
        project.root, [_worker_plan(n, race, contested, shared) for n in range(20)]
    )
    results = _results(reports)

    for _, r in results:
        if r["argv"][1] in ("list", "ready"):  # readers running beside the writers
            assert r["code"] == 0, r
            assert json.loads(r["out"])["errors"] == []

    # every created id is distinct, and every created item exists and parses
    created = [
        json.loads(r["out"])["id"] for _, r in results if r["argv"][1] == "new" and r["code"] == 0
    ]
    assert len(created) == 60
    assert len(set(created)) == 60
    assert not set(created) & {race, contested, *shared}
    for work_id in created:
        meta = files.read(rt.work.work_dir / "active" / work_id / "WORK.md").meta
        assert meta["id"] == work_id
        assert rt.work.get(work_id).title.endswith(("item 0", "item 1", "item 2"))

    listed = subprocess.run(
        [sys.executable, "-m", "haios", "work", "list", "--json"],
        cwd=project.root,
        capture_output=True,
        text=True,
    )
    assert json.loads(listed.stdout)["errors"] == []
    assert json.loads(listed.stdout)["count"] == 68

    # claims are exclusive: one process per claimed id, and it is the item's final owner
    claims: dict[str, set[int]] = {}
    for n, r in results:
        if r["argv"][1] in ("claim", "next") and r["code"] == 0:
            state = json.loads(r["out"])
            if state is not None:
                assert state["owner"] == f"p{n}"
                claims.setdefault(state["id"], set()).add(n)
    assert contested in claims
    for work_id, claimants in claims.items():
        assert len(claimants) == 1, f"{work_id} claimed by {sorted(claimants)}"
        state = rt.work.get(work_id)
        assert (state.owner, state.queue_position) == (f"p{claimants.pop()}", "working")
    assert [r["code"] for _, r in results if r["argv"][1:3] == ["claim", contested]].count(0) <= 1

    # no transition is lost or doubled
    assert all(r["code"] == 0 for _, r in results if r["argv"][1:3] == ["move", race])
    journal = _journal(project)
    moves = Counter(
        (e["payload"]["id"], e["payload"]["from_node"], e["payload"]["to_node"])
        for e in journal
        if e["event"] == "NodeTransitioned"
    )
    assert _check_history(rt.work.get(race)) == [("backlog", "plan")]
    for work_id in (race, contested, *shared, *created):
        history_moves = Counter((work_id, a, b) for a, b in _check_history(rt.work.get(work_id)))
        assert history_moves == Counter({k: v for k, v in moves.items() if k[0] == work_id})

    # the journal verifies, with exactly one line per event the workers emitted
    verify = subprocess.run(
        [sys.executable, "-m", "haios", "audit", "verify", "--json"],
        cwd=project.root,
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stdout
    emitted = Counter(_canonical(*e) for report in reports for e in report["events"])
    assert json.loads(verify.stdout)["lines"] == baseline + sum(emitted.values())
    assert Counter(_canonical(e["event"], e["payload"]) for e in journal[baseline:]) == emitted
    assert [e["seq"] for e in journal] == list(range(1, len(journal) + 1))


def test_eight_processes_creating_at_once_never_share_an_id(rt: Runtime) -> None:
    plan = [["work", "new", f"burst {k}", "--json"] for k in range(6)]
    reports = run_workers(rt.project.root, [plan] * 8)
    created = [json.loads(r["out"])["id"] for _, r in _results(reports)]
    assert len(created) == len(set(created)) == 48
    folders = sorted(p.name for p in (rt.work.work_dir / "active").iterdir())
    assert folders == sorted(created)
    assert journal_for(rt.project).verify() == (48, None)
