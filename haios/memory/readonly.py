"""`db_query`: one SELECT against the memory database, which it can never change.

Three locks, any one enough: the connection is opened read-only (`mode=ro`), an authorizer
allows only reading (no write, ATTACH, PRAGMA or schema change reaches the engine), and
sqlite3 runs one statement per call. A progress handler stops a runaway query.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Any

from haios.errors import MemoryStoreError

MAX_ROWS = 200
MAX_SECONDS = 2.0
_ALLOWED = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    sqlite3.SQLITE_RECURSIVE,
}
_ACTIONS = (
    "CREATE_INDEX CREATE_TABLE CREATE_TEMP_INDEX CREATE_TEMP_TABLE CREATE_TEMP_TRIGGER"
    " CREATE_TEMP_VIEW CREATE_TRIGGER CREATE_VIEW DELETE DROP_INDEX DROP_TABLE DROP_TEMP_INDEX"
    " DROP_TEMP_TABLE DROP_TEMP_TRIGGER DROP_TEMP_VIEW DROP_TRIGGER DROP_VIEW INSERT PRAGMA READ"
    " SELECT TRANSACTION UPDATE ATTACH DETACH ALTER_TABLE REINDEX ANALYZE CREATE_VTABLE"
    " DROP_VTABLE FUNCTION SAVEPOINT RECURSIVE"
)
_NAMES = {getattr(sqlite3, f"SQLITE_{n}"): n.lower() for n in _ACTIONS.split()}
# The full-text index prepares its own statements (one names sqlite_master) when a connection
# first touches it: do that before the authorizer watches.
_WARM_UP = "SELECT rowid FROM memories_fts WHERE memories_fts MATCH 'warm' LIMIT 0"


class Refused(MemoryStoreError):
    """The query would do more than read."""


def _authorizer(denied: list[str]) -> Any:
    def check(action: int, arg1: str | None, arg2: str | None, db: str | None, _: Any) -> int:
        if action == sqlite3.SQLITE_PRAGMA and arg1 == "data_version" and arg2 is None:
            return sqlite3.SQLITE_OK  # the full-text index asks it on every read; it only reads
        if action in _ALLOWED:
            if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() == "load_extension":
                denied.append("load_extension()")
                return sqlite3.SQLITE_DENY
            return sqlite3.SQLITE_OK
        denied.append(f"{_NAMES.get(action, action)}{f' {arg1}' if arg1 else ''}")
        return sqlite3.SQLITE_DENY

    return check


def run(path: Path, sql: str, limit: int = 20) -> dict[str, Any]:
    """Columns and up to `limit` rows of one read-only query; Refused for anything else."""
    if not sql.strip():
        raise Refused("the query is empty: give one SELECT statement")
    if not path.exists():
        raise MemoryStoreError(f"{path}: no memory database yet; store a memory first")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    with contextlib.suppress(sqlite3.DatabaseError):  # no index (a foreign database)
        conn.execute(_WARM_UP).fetchall()
    denied: list[str] = []
    conn.set_authorizer(_authorizer(denied))
    deadline = time.monotonic() + MAX_SECONDS
    conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        cursor = conn.execute(sql)
        rows = cursor.fetchmany(max(1, min(limit, MAX_ROWS)) + 1)
        columns = [d[0] for d in cursor.description or ()]
    except (sqlite3.Warning, sqlite3.ProgrammingError) as exc:  # more than one statement
        raise Refused(f"refused: {exc} Send one SELECT per call.") from exc
    except sqlite3.DatabaseError as exc:
        raise _explain(exc, denied) from exc
    finally:
        conn.close()
    shown = rows[:limit]
    return {
        "columns": columns,
        "rows": [[_cell(v) for v in r] for r in shown],
        "truncated": len(rows) > limit,
    }


def _explain(exc: sqlite3.DatabaseError, denied: list[str]) -> MemoryStoreError:
    if denied:
        return Refused(
            f"refused: db_query only reads, and this query needs {', '.join(dict.fromkeys(denied))}"
        )
    if "interrupted" in str(exc):
        return Refused(f"refused: the query ran longer than {MAX_SECONDS:g} s; narrow it")
    if "readonly" in str(exc):
        return Refused("refused: db_query only reads; the database is open read-only")
    return MemoryStoreError(f"the query failed: {exc}; see schema_info for tables and columns")


def _cell(value: Any) -> Any:
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, str) and len(value) > 500:
        return value[:500] + "…"
    return value
