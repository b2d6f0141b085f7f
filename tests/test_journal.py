"""The journal's chain survives long lines and interrupted writes; its append lock and
filelock's FileLock on the same file exclude each other across processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from haios.governance.journal import AppendLock, Journal


def _journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.jsonl", tmp_path / "journal.lock")


def test_a_line_longer_than_the_read_chunk_keeps_the_chain(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.append("Big", {"text": "x" * 200_000}, "s")
    journal.append("Small", {}, "s")
    assert journal.verify() == (2, None)
    assert [r["seq"] for r in journal.tail(5)] == [1, 2]


def test_a_torn_first_line_is_dropped_and_recorded(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.path.write_bytes(b'{"seq":1,"ti')
    assert journal.verify()[1] is not None
    journal.append("After", {}, "s")
    assert [(r["seq"], r["event"]) for r in journal.tail(5)] == [
        (1, "JournalRepaired"),
        (2, "After"),
    ]
    assert journal.verify() == (2, None)


def test_an_edited_line_is_named(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    for n in range(3):
        journal.append("E", {"n": n}, "s")
    lines = journal.path.read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace('"n":1', '"n":7')
    journal.path.write_text("".join(lines))
    _, problem = journal.verify()
    assert (problem and problem.line, problem and problem.reason) == (
        2,
        "hash mismatch: the line was edited",
    )


# A process that takes journal.lock through filelock, as haios did before the journal took the
# flock itself (and as any other tool may): it says "held", waits for a line, then releases.
FILELOCK_HOLDER = """
import sys
from filelock import FileLock
with FileLock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""
# A process that tries to take journal.lock through filelock within 0.2 s, and says how it went.
FILELOCK_TRY = """
import sys
from filelock import FileLock, Timeout
try:
    with FileLock(sys.argv[1], timeout=0.2):
        print("acquired")
except Timeout:
    print("timed out")
"""


def test_a_filelock_holder_in_another_process_keeps_the_journal_waiting(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", FILELOCK_HOLDER, str(journal.lock_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin and holder.stdout
    try:
        assert holder.stdout.readline() == "held\n"
        waiting = pytest.raises(TimeoutError, match="another process has held the journal's lock")
        with waiting, AppendLock(journal.lock_path, timeout=0.2):
            pass
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline() == "released\n"
    finally:
        holder.communicate()
    journal.append("After", {}, "s")  # the lock is free again, and was left in place
    assert [r["event"] for r in journal.tail(5)] == ["After"]
    assert journal.lock_path.exists()


def test_the_journal_lock_keeps_a_filelock_in_another_process_waiting(tmp_path: Path) -> None:
    lock = tmp_path / "journal.lock"

    def try_filelock() -> str:
        command = [sys.executable, "-c", FILELOCK_TRY, str(lock)]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    with AppendLock(lock):
        assert try_filelock() == "timed out\n"
    assert try_filelock() == "acquired\n"


def test_a_record_whose_loss_harms_nothing_skips_the_fsync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd))
    journal = _journal(tmp_path)
    journal.append("SessionStarted", {"session": 1}, "s", sync=False)
    assert synced == []
    journal.append("WorkCreated", {"id": "WORK-001"}, "s")
    assert len(synced) == 1
    assert journal.verify() == (2, None)
