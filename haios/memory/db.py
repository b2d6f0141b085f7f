"""Opening the memory database: autocommit (transactions are explicit), WAL, busy timeout."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from haios.errors import MemoryStoreError

BUSY_TIMEOUT = 5.0  # seconds another process may hold the write lock before we give up


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), WAL, busy timeout."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except (OSError, sqlite3.Error) as exc:
        raise MemoryStoreError(
            f"{path}: cannot open the memory database ({exc}); check the folder is writable, "
            "or move a damaged file away and start again"
        ) from exc
    conn.row_factory = sqlite3.Row
    return conn


class transaction:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error (sqlite3's own handling is implicit)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise MemoryStoreError(
                f"the memory database is busy ({exc}) for more than {BUSY_TIMEOUT:g} s; "
                "another process holds it: try again"
            ) from exc

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self._conn.execute("COMMIT" if kind is None else "ROLLBACK")
