"""A writer killed with SIGKILL at any moment never leaves a broken or hidden item behind.

A process loops transitions and queue moves on an item whose body is a megabyte long (so a write
takes a while and kills land inside it), and is killed again and again. After every kill each
WORK.md parses, its body is byte for byte what a person wrote, leftover temp files change
nothing, `haios work list` works, and the journal verifies (or is torn only at its last line).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from haios.runtime import Runtime, journal_for

KILLS = 40

WRITER = r"""
import os, sys
from pathlib import Path
from haios.project import Project
from haios.runtime import build

root, work_id, ready = sys.argv[1], sys.argv[2], sys.argv[3]
queue = {"backlog": "ready", "ready": "parked", "parked": "backlog"}
with build(Project(Path(root))) as rt:
    open(ready, "w").close()
    while True:
        state = rt.work.get(work_id)
        rt.work.transition(work_id, "plan" if state.current_node == "backlog" else "backlog")
        rt.work.queue(work_id, queue[state.queue_position])
"""


def big_body(seed: int, lines: int) -> str:
    """Markdown a person might write, lots of it: unicode, CRLF, `---` lines, no final EOL."""
    rng = random.Random(seed)
    pool = ["---", "# Heading ✓", "- [ ] a task: with a colon", "ünïcödé “quotes” 🎉", "", "..."]
    return "\r\n".join(rng.choice([*pool, "words " * rng.randint(1, 30)]) for _ in range(lines))


def split(text: str) -> tuple[dict[str, Any], str]:
    lines = text.splitlines(keepends=True)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    assert end is not None, f"torn WORK.md: no closing --- in {len(text)} characters"
    meta = yaml.safe_load("".join(lines[1:end]))
    assert isinstance(meta, dict)
    return meta, "".join(lines[end + 1 :])


def put_body(path: Path, body: str) -> None:
    """Replace the body the way a person would, in an editor."""
    lines = path.read_text("utf-8").splitlines(keepends=True)
    end = lines.index("---\n", 1)
    path.write_bytes(("".join(lines[: end + 1]) + body).encode())


def check_item(path: Path, work_id: str, body: str) -> None:
    meta, kept = split(path.read_bytes().decode("utf-8"))
    assert kept == body
    assert meta["id"] == work_id
    assert meta["current_node"] in ("backlog", "plan")
    history = meta["node_history"]
    assert history[-1] == {
        "node": meta["current_node"],
        "entered": history[-1]["entered"],
        "exited": None,
    }
    assert all(a["exited"] == b["entered"] for a, b in pairwise(history))


def _temp_files(folder: Path) -> set[str]:
    return {n for n in os.listdir(folder) if n.startswith(".WORK.md.") and n.endswith(".tmp")}


def run_and_kill(root: Path, folder: Path, work_id: str, rng: random.Random) -> None:
    """Start the writer, then SIGKILL it: at a random moment, or right inside an atomic write."""
    ready = root.parent / f"ready-{time.monotonic_ns()}"
    old_temps = _temp_files(folder)
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), work_id, str(ready)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.005)
        if rng.random() < 0.5:
            time.sleep(rng.uniform(0, 0.3))
        else:  # wait (a little) for a temp file of its own: a write is under way
            until = time.monotonic() + 2
            while not _temp_files(folder) - old_temps and time.monotonic() < until:
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.004))
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()


def haios_json(root: Path, *args: str) -> Any:
    proc = subprocess.run(
        [sys.executable, "-m", "haios", *args, "--json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_sigkill_during_writes_never_breaks_an_item(rt: Runtime) -> None:
    root = rt.project.root
    victim, bystander = rt.work.create("written and killed"), rt.work.create("left alone")
    body = big_body(1, 45_000)
    victim_path, bystander_path = Path(victim.path), Path(bystander.path)
    put_body(victim_path, body)
    put_body(bystander_path, big_body(2, 50))
    bystander_bytes = bystander_path.read_bytes()
    journal = journal_for(rt.project)
    rng = random.Random(20240601)

    for _ in range(KILLS):
        run_and_kill(root, victim_path.parent, victim.id, rng)
        check_item(victim_path, victim.id, body)
        assert bystander_path.read_bytes() == bystander_bytes
        listed = haios_json(root, "work", "list")
        assert listed["errors"] == []
        assert sorted(i["id"] for i in listed["items"]) == [victim.id, bystander.id]
        count, problem = journal.verify()
        assert problem is None or (problem.line == count and problem.reason.startswith("torn"))

    shown = haios_json(root, "work", "show", victim.id)
    assert shown["node_history"][-1]["node"] == shown["current_node"]
    assert shown["documents"] == {}  # leftover temp files are no documents of the item
    assert haios_json(root, "audit", "verify")["ok"]
    rt.work.update_memory_refs(victim.id, [999])  # the next write sweeps the killed ones' temps
    assert _temp_files(victim_path.parent) == set()
    assert haios_json(root, "doctor")["ok"]


def test_a_torn_journal_line_is_reported_then_repaired_in_the_chain(rt: Runtime) -> None:
    rt.work.create("before the tear")
    journal = journal_for(rt.project)
    whole = journal.path.read_bytes()
    journal.path.write_bytes(whole + whole[: len(whole) // 2])  # a write cut off mid-line

    count, problem = journal.verify()
    assert (count, problem and problem.line, problem and problem.reason) == (
        2,
        2,
        "torn last line (a write was interrupted)",
    )

    torn = len(whole) // 2
    after = rt.work.create("after the tear")
    records = [json.loads(line) for line in journal.path.read_bytes().splitlines()]
    assert [(r["seq"], r["event"]) for r in records] == [
        (1, "WorkCreated"),
        (2, "JournalRepaired"),
        (3, "WorkCreated"),
    ]
    assert records[1]["payload"] == {"dropped_bytes": torn, "reason": "a write was interrupted"}
    assert records[2]["payload"]["id"] == after.id
    assert journal.verify() == (3, None)  # the chain goes on; the repair is part of it
