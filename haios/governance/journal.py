"""The audit journal: one JSON line per event, appended under a lock, each line hash-chained.

A line is `{"seq", "time", "session", "event", "payload", "prev", "hash"}` where `hash` is the
SHA-256 of `prev` followed by the canonical JSON of the other fields. Editing, removing or
reordering a line breaks the chain from there on, which `verify` reports.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import namedtuple
from datetime import UTC, datetime

from haios.flock import Flock

# The SessionStart hook appends here: no typing, dataclasses, pathlib or filelock at import
# time (filelock 4 alone imports logging, inspect and typing: ~20 ms a session start).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, NamedTuple

    StrPath = str | os.PathLike[str]

GENESIS = "0" * 64
LOCK_TIMEOUT = 30.0  # seconds


def _digest(prev: str, record: dict[str, Any]) -> str:
    body = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


def _tail(path: StrPath) -> tuple[bytes, int]:
    """(the last complete line, how many bytes follow it: a torn write, or 0)."""
    with open(path, "rb") as fh:
        end = fh.seek(0, os.SEEK_END)
        chunk, data = 65536, b""
        while True:  # read backwards until two newlines (or the start) are in view
            start = max(0, end - len(data) - chunk)
            fh.seek(start)
            data = fh.read(end - start)
            cut = data.rfind(b"\n")
            if start == 0 or (cut >= 0 and data.rfind(b"\n", 0, cut) >= 0):
                break
    torn = len(data) - cut - 1 if cut >= 0 else len(data)
    complete = data[: cut + 1] if cut >= 0 else b""
    previous = complete.rfind(b"\n", 0, len(complete) - 1)
    return complete[previous + 1 :], torn


if TYPE_CHECKING:

    class Problem(NamedTuple):
        line: int
        reason: str

else:
    Problem = namedtuple("Problem", "line reason")


class AppendLock(Flock):
    """The journal's append lock: `haios.flock.Flock` (so a FileLock on the same file and the
    journal exclude each other both ways)."""

    def __init__(self, path: StrPath, timeout: float = LOCK_TIMEOUT) -> None:
        super().__init__(path, timeout)

    def busy(self) -> str:
        return (
            f"{self.path}: another process has held the journal's lock for "
            f"{self.timeout:g} s; if no haios command is still running, try again"
        )


class Journal:
    """Appends and verifies `journal.jsonl`; safe for many processes appending at once."""

    def __init__(self, path: StrPath, lock_path: StrPath) -> None:
        self.path = path
        self.lock_path = lock_path

    def append(self, event: str, payload: dict[str, Any], session: str, sync: bool = True) -> None:
        """Append one record. `sync=False` skips the fsync (~3 ms), for a record whose loss to
        a power cut harms nothing (the chain stays whole: a torn tail is repaired)."""
        with AppendLock(self.lock_path):
            prev, seq = GENESIS, 0
            if os.path.exists(self.path):
                last, torn = _tail(self.path)
                if torn:  # a write was cut off: drop its bytes, and say so in the chain itself
                    with open(self.path, "r+b") as fh:
                        fh.truncate(fh.seek(0, os.SEEK_END) - torn)
                try:
                    tail = json.loads(last) if last else {}
                    prev, seq = tail.get("hash", GENESIS), tail.get("seq", 0)
                except (ValueError, AttributeError):
                    pass  # an unreadable last line: verify reports it; the chain restarts here
                if torn:
                    repair = {"dropped_bytes": torn, "reason": "a write was interrupted"}
                    prev, seq = self._write("JournalRepaired", repair, session, prev, seq)
            self._write(event, payload, session, prev, seq, sync)

    def _write(
        self,
        event: str,
        payload: dict[str, Any],
        session: str,
        prev: str,
        seq: int,
        sync: bool = True,
    ) -> tuple[str, int]:
        """Append one record after (prev, seq); returns the new (hash, seq)."""
        record = {
            "seq": seq + 1,
            "time": datetime.now(UTC).isoformat(timespec="microseconds"),
            "session": session,
            "event": event,
            "payload": payload,
            "prev": prev,
        }
        record["hash"] = _digest(prev, record)
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        return str(record["hash"]), seq + 1

    def records(self) -> Iterator[tuple[int, dict[str, Any] | None, bytes]]:
        """Each line as (line number, parsed record or None, raw bytes)."""
        if not os.path.exists(self.path):
            return
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    record = json.loads(raw)
                except ValueError:
                    record = None
                yield number, record if isinstance(record, dict) else None, raw

    def verify(self) -> tuple[int, Problem | None]:
        """(lines checked, first problem or None)."""
        prev, seq, count = GENESIS, 0, 0
        for number, record, raw in self.records():
            count = number
            if record is None:
                if not raw.endswith(b"\n"):
                    return count, Problem(number, "torn last line (a write was interrupted)")
                return count, Problem(number, "not a JSON object")
            claimed = record.pop("hash", None)
            if record.get("prev") != prev:
                return count, Problem(number, "chain broken: `prev` does not match the line before")
            if record.get("seq") != seq + 1:
                return count, Problem(number, f"sequence jumps from {seq} to {record.get('seq')}")
            if claimed != _digest(prev, record):
                return count, Problem(number, "hash mismatch: the line was edited")
            prev, seq = str(claimed), int(record["seq"])
        return count, None

    def tail(self, count: int) -> list[dict[str, Any]]:
        records = [r for _, r, _ in self.records() if r is not None]
        return records[-count:] if count > 0 else []
