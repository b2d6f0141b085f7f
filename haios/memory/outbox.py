"""The outbox: writes the memory server has not taken yet, in SQLite, each under an idempotency
key, so a replay never stores twice (and the server dedupes again by content).

Hooks cannot open SQLite cheaply on the hot path, so they append JSON lines to
`state/memory-outbox.jsonl`; `take_hook_lines` moves those lines in here. It renames the file
first (new hook lines start a new file) and reads the renamed one; a hook that opened the old
file just before the rename may still append to it, so a renamed file is read again on later
takes (the same line has the same key) and deleted only once it has been still for SETTLE
seconds. A file left by a crash is taken the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NAME = "memory-outbox.db"
HOOK_LINES = "memory-outbox.jsonl"
_TAKING = ".taking-"
SETTLE = 2.0  # seconds without a write after which no hook can still append to a renamed file
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS outbox (key TEXT PRIMARY KEY, payload TEXT NOT NULL,"
    " queued TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,"
    " sent TEXT)"
)


@dataclass(frozen=True)
class Entry:
    key: str
    payload: dict[str, Any]
    queued: str
    attempts: int
    last_error: str | None


def key_for(content: str, source_path: str | None, work_id: str | None) -> str:
    """The idempotency key of one write: the same learning from the same place is one write."""
    text = "\x1f".join((" ".join(content.split()), source_path or "", work_id or ""))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class Outbox:
    """Queued writes of one project, shared by every process (WAL, busy timeout)."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(state_dir / NAME, timeout=5.0, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute(_SCHEMA)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def put(self, payload: Mapping[str, Any], key: str | None = None) -> tuple[str, bool]:
        """Queue one write; (its key, whether it is new)."""
        key = key or key_for(
            str(payload.get("content", "")), payload.get("source_path"), payload.get("work_id")
        )
        cursor = self._conn.execute(
            "INSERT OR IGNORE INTO outbox (key, payload, queued) VALUES (?, ?, ?)",
            (key, json.dumps(dict(payload), ensure_ascii=False), _now()),
        )
        return key, cursor.rowcount == 1

    def pending(self, limit: int = 1000) -> list[Entry]:
        rows = self._conn.execute(
            "SELECT key, payload, queued, attempts, last_error FROM outbox WHERE sent IS NULL"
            " ORDER BY queued, key LIMIT ?",
            (limit,),
        ).fetchall()
        return [Entry(r[0], json.loads(r[1]), r[2], r[3], r[4]) for r in rows]

    def count(self) -> tuple[int, int]:
        """(pending, sent)."""
        row = self._conn.execute(
            "SELECT count(*) - count(sent), count(sent) FROM outbox"
        ).fetchone()
        return int(row[0]), int(row[1])

    def sent(self, key: str) -> None:
        self._conn.execute("UPDATE outbox SET sent = ? WHERE key = ?", (_now(), key))

    def failed(self, key: str, error: str) -> None:
        self._conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE key = ?",
            (error[:500], key),
        )

    def take_hook_lines(self) -> int:
        """Move the hooks' queued lines in; returns how many new writes that queued."""
        source = self.state_dir / HOOK_LINES
        if source.exists():
            os.replace(source, self.state_dir / f"{HOOK_LINES}{_TAKING}{time.time_ns()}")
        added = 0
        for taking in sorted(self.state_dir.glob(f"{HOOK_LINES}{_TAKING}*")):
            for raw, line in _lines(taking):
                payload = _from_hook(line)
                if payload is not None:
                    added += self.put(payload, hashlib.sha256(raw).hexdigest()[:32])[1]
            if time.time() - taking.stat().st_mtime > SETTLE:
                taking.unlink()
        return added


def _lines(path: Path) -> Iterator[tuple[bytes, dict[str, Any]]]:
    with path.open("rb") as fh:
        for raw in fh:
            try:
                line = json.loads(raw.decode("utf-8", "replace"))
            except ValueError:
                continue  # a torn line: the hook's single write was cut short
            if isinstance(line, dict):
                yield raw, line


def _from_hook(line: Mapping[str, Any]) -> dict[str, Any] | None:
    """A failed tool call as a learning (doxa until someone says what fixed it)."""
    command, error = str(line.get("input") or "").strip(), str(line.get("error") or "").strip()
    if not command and not error:
        return None
    tool = line.get("tool") or "a tool"
    first = error.splitlines()[0][:300] if error else "no error text"
    return {
        "content": f"Failed {tool} call: `{command[:300]}` → {first}",
        "source_path": None,
        "work_id": line.get("work"),
        "outcome": "failed",
        "session": line.get("session"),
    }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
