"""MemoryBridge against the real embedded server (spawned over stdio): store and query, linking
to work items through MemoryStored, learnings of a closed item, degrading when the server is
unreachable, the outbox and its replay without duplicates, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from haios.config import Config
from haios.memory import digest
from haios.memory.outbox import HOOK_LINES, Outbox
from haios.project import Project, compiled_config
from haios.runtime import Runtime, build

UNREACHABLE = '["no-such-memory-server", "--stdio"]'


def _runtime(project: Project, monkeypatch: pytest.MonkeyPatch, **env: str) -> Runtime:
    monkeypatch.setenv("HAIOS_MEMORY__CLIENT__BACKGROUND", "false")  # no detached processes
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return build(project, Config.model_validate(compiled_config(project)))


@pytest.fixture
def mem(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    with _runtime(project, monkeypatch) as rt:
        yield rt


def test_store_then_query_through_the_server_and_link_the_work_item(mem: Runtime) -> None:
    item = mem.work.create("Speed up the tests")

    stored = mem.memory.store(
        "Use pytest -q to keep test output short", f"docs/work/active/{item.id}/WORK.md"
    )
    found = mem.memory.query("short test output")

    assert (stored.concept_ids, stored.classification, stored.work_id) == ((1,), "techne", item.id)
    assert stored.degraded is False
    assert [c["id"] for c in found.concepts] == [1]
    assert [s["id"] for s in found.strategies] == [1]
    assert found.degraded is False
    assert mem.work.get(item.id).memory_refs == (1,)  # through MemoryStored → WorkEngine
    again = mem.memory.store("use pytest -q to keep test output SHORT", "")
    assert (again.concept_ids, again.duplicate) == ((1,), True)


def test_knowledge_lookup_returns_facts_only(mem: Runtime) -> None:
    mem.memory.store_many(
        [
            ("The index is rebuilt when a WORK.md file changes", "", None),
            ("Rebuild the index with haios work reindex", "", None),
        ]
    )
    facts = mem.memory.query("index rebuilt", "knowledge_lookup")
    assert [c["kind"] for c in facts.concepts] == ["episteme"] and facts.strategies == ()


def test_an_unreachable_server_degrades_reads_and_queues_writes(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _runtime(project, monkeypatch, HAIOS_MEMORY__SERVER__COMMAND=UNREACHABLE) as rt:
        found = rt.memory.query("anything")
        stored = rt.memory.store("Run the linter before committing", "docs/guide.md")
        twice = rt.memory.store("Run the linter before committing", "docs/guide.md")

    reason = "no-such-memory-server --stdio: command not found (no-such-memory-server)"
    assert (found.degraded, found.degraded_reason, found.concepts) == (True, reason, ())
    assert (stored.degraded, stored.degraded_reason, stored.concept_ids) == (True, reason, ())
    assert stored.queued is not None and twice.queued == stored.queued  # one idempotency key
    with Outbox(project.state_dir) as outbox:
        assert [e.payload["content"] for e in outbox.pending()] == [
            "Run the linter before committing"
        ]

    with _runtime(project, monkeypatch, HAIOS_MEMORY__SERVER__COMMAND="[]") as rt:
        report = rt.memory.flush()
        assert report == {"taken": 0, "sent": 1, "pending": 0, "error": None, "digest": None}
        assert rt.memory.flush()["sent"] == 0
        assert [c["id"] for c in rt.memory.query("linter").concepts] == [1]
    recovered = digest.read(project.state_dir)
    assert recovered is not None
    assert [s["content"] for s in recovered["strategies"]] == ["Run the linter before committing"]


def test_a_replay_after_a_crash_never_stores_twice(mem: Runtime, project: Project) -> None:
    """Sent but not marked sent (the process died in between): the replay finds the same id."""
    first = mem.memory.store("Keep hooks free of heavy imports", "")
    with Outbox(project.state_dir) as outbox:
        outbox.put(
            {"content": "Keep hooks free of heavy imports", "source_path": "", "work_id": None}
        )
    assert mem.memory.flush()["sent"] == 1
    assert mem.memory.stats()["memories"] == 1
    assert first.concept_ids == (1,)


def test_hook_failures_are_taken_into_the_outbox_once(mem: Runtime, project: Project) -> None:
    line = {
        "time": "t",
        "session": "s1",
        "tool": "Bash",
        "input": "pytest -x",
        "error": "ModuleNotFoundError: No module named 'foo'\nmore",
        "work": None,
    }
    hook_file = project.state_dir / HOOK_LINES
    hook_file.write_text(json.dumps(line) + "\n" + '{"torn": \n')
    # a file a crashed flush left behind, holding the same line: taken, not duplicated
    left = project.state_dir / (HOOK_LINES + ".taking-1")
    left.write_text(json.dumps(line) + "\n")
    os.utime(left, (1, 1))  # long still: nothing can append to it any more

    with Outbox(project.state_dir) as outbox:
        assert outbox.take_hook_lines() == 1
        assert not left.exists()
        fresh = list(project.state_dir.glob(HOOK_LINES + ".taking-*"))
        assert len(fresh) == 1  # just renamed: kept, a hook may still be appending to it
        with fresh[0].open("a") as late:  # a hook that opened the file before the rename
            late.write(json.dumps({**line, "input": "ruff check"}) + "\n")
        assert outbox.take_hook_lines() == 1  # the late line; the others have their keys
        os.utime(fresh[0], (1, 1))
        assert outbox.take_hook_lines() == 0
        assert list(project.state_dir.glob(HOOK_LINES + "*")) == []
        pending = outbox.pending()
    assert sorted(e.payload["content"] for e in pending) == [
        "Failed Bash call: `pytest -x` → ModuleNotFoundError: No module named 'foo'",
        "Failed Bash call: `ruff check` → ModuleNotFoundError: No module named 'foo'",
    ]
    assert not hook_file.exists()
    report = mem.memory.flush()
    assert (report["sent"], report["pending"]) == (2, 0)
    assert mem.memory.query("ModuleNotFoundError").strategies == ()  # a failure is no strategy


def test_a_closed_items_learnings_come_back_in_a_later_query(
    mem: Runtime, project: Project
) -> None:
    item = mem.work.create("Make the index fast")
    path = project.root / "docs" / "work" / "active" / item.id / "WORK.md"
    path.write_text(
        path.read_text("utf-8")
        + "- Use a covering index for the ready list\n"
        + "- The index rebuild costs 40 ms at 10,000 items\n\n## Observations\n\n"
        + "Maybe mmap helps; not measured.\n"
    )
    for node in ("plan", "implement"):
        mem.work.transition(item.id, node)
    mem.work.close(item.id)

    with Outbox(project.state_dir) as outbox:
        assert len(outbox.pending()) == 3  # queued at close, without waiting for the server
    assert mem.memory.flush()["sent"] == 3

    found = mem.memory.query("covering index ready list")
    assert found.concepts[0]["work_id"] == item.id
    assert mem.work.get(item.id).memory_refs == (1, 2, 3)
    kinds = {c["kind"] for c in mem.memory.query("index mmap covering rebuild", limit=10).concepts}
    assert kinds == {"techne", "episteme", "doxa"}


def test_a_server_that_never_answers_times_out_into_degraded(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    silent = json.dumps([sys.executable, "-c", "import time; time.sleep(60)"])
    with _runtime(
        project,
        monkeypatch,
        HAIOS_MEMORY__SERVER__COMMAND=silent,
        HAIOS_MEMORY__CLIENT__CONNECT_TIMEOUT="1.5",
    ) as rt:
        found = rt.memory.query("anything")
    assert found.degraded is True
    assert found.degraded_reason.endswith(": the call timed out")


def test_session_recovery_reads_the_digest_without_importing_mcp(project: Project) -> None:
    digest.write(project.state_dir, [{"id": "4", "content": "Use just check", "uses": 2}])
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from haios.memory.bridge import MemoryBridge\n"
        f"r = MemoryBridge(Path({str(project.state_dir)!r})).query('', 'session_recovery')\n"
        "print(r.strategies[0]['content'], r.degraded, 'mcp' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout == "Use just check False False\n", proc.stderr


def test_the_cli_stores_searches_and_shows_the_outbox(project: Project, haios: Any) -> None:
    env = {"HAIOS_MEMORY__CLIENT__BACKGROUND": "false"}
    stored = haios("memory", "store", "Run just check before a commit", "--json", env=env)
    assert stored.code == 0, stored.err
    assert stored.json()["concept_ids"] == [1]
    found = haios("memory", "search", "commit check", "--json", env=env)
    assert [c["id"] for c in found.json()["concepts"]] == [1]
    stats = haios("memory", "stats", env=env)
    assert stats.out.startswith("1 memories (0 superseded): 0 episteme, 1 techne, 0 doxa\n")

    down = {**env, "HAIOS_MEMORY__SERVER__COMMAND": UNREACHABLE}
    queued = haios("memory", "store", "Use ruff format", env=down)
    assert queued.code == 0
    assert queued.out.startswith("queued in the outbox as ")
    assert queued.err == (
        "haios: warning: memory unavailable: no-such-memory-server --stdio: "
        "command not found (no-such-memory-server)\n"
    )
    degraded = haios("memory", "search", "ruff", env=down)
    assert (degraded.code, degraded.out) == (1, "no memories found\n")
    box = haios("memory", "outbox", "--json")
    assert [e["content"] for e in box.json()["pending"]] == ["Use ruff format"]
    flushed = haios("memory", "flush", env=env)
    assert (flushed.code, flushed.out) == (0, "sent 1, 0 still waiting\n")


def test_import_and_prune(project: Project, haios: Any) -> None:
    env = {"HAIOS_MEMORY__CLIENT__BACKGROUND": "false"}
    notes = project.root / "docs" / "notes.md"
    notes.parent.mkdir(parents=True, exist_ok=True)
    notes.write_text(
        "# Notes\n\n## Releasing\n\nTag the release after the changelog is written.\n\n"
        "## Hooks\n\nThe hook path must never import mcp, it costs 0.8 s.\n"
    )
    imported = haios("memory", "import", "docs", "--json", env=env)
    assert imported.code == 0, imported.err
    assert imported.json() == {"found": 2, "new": 2, "queued": 0}
    assert haios("memory", "import", "docs", "--json", env=env).json()["new"] == 0

    assert haios("memory", "prune").out == "no stale memories: every source file still exists\n"
    notes.unlink()
    listed = haios("memory", "prune", "--json")
    assert [s["source_path"] for s in listed.json()["stale"]] == ["docs/notes.md"] * 2
    assert haios("memory", "prune", "--delete", "--json").json()["deleted"] == 2
    assert haios("memory", "prune", "--json").json() == {"stale": [], "deleted": 0}


def test_a_learning_the_server_would_refuse_is_refused_before_the_call(
    mem: Runtime, project: Project
) -> None:
    from haios.errors import MemoryStoreError

    cases = {
        "x" * (10 * 1024 * 1024): "content is 10,485,760 characters; the limit is 32,000: "
        "store the learning, not the document (or split it)",
        "bad \udcff bytes": "content is not valid Unicode at character 4 (a lone surrogate): "
        "decode it as UTF-8 first",
    }
    for content, message in cases.items():
        with pytest.raises(MemoryStoreError) as caught:
            mem.memory.store(content, "")
        assert str(caught.value) == message
    with Outbox(project.state_dir) as outbox:
        assert outbox.pending() == []  # nothing queued that could never be stored
