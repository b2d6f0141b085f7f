"""The memory digest: what a session start needs from memory, in one small JSON file.

`state/memory-digest.json` is written by MemoryBridge (after stores, at session end, in the
background) and read without `mcp`, so no hook ever waits for a memory server. Format (v1):

    {"version": 1, "updated": "2026-12-03T08:00:00Z",
     "strategies": [{"id": "42", "content": "…", "uses": 3, "work_id": "WORK-007"}],
     "degraded": null}

`degraded` is null or the reason the last refresh could not reach the server.
"""

from __future__ import annotations

import json
import os

# Every session start reads the digest: reading needs os and json only (no typing, no pathlib,
# no tempfile, which imports shutil, random and the compressors); writing imports what it needs.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from typing import Any

    from haios.contracts import QueryResult

    StrPath = str | os.PathLike[str]

NAME = "memory-digest.json"
VERSION = 1


def read(state_dir: StrPath) -> dict[str, Any] | None:
    """The digest, or None when there is none (or it is unreadable or of another version)."""
    try:
        with open(os.path.join(state_dir, NAME), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return None
    return data


def write(
    state_dir: Path, strategies: Sequence[Mapping[str, Any]], degraded: str | None = None
) -> Path:
    """Replace the digest atomically (temp file, fsync, rename)."""
    import tempfile
    from datetime import UTC, datetime

    state_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "version": VERSION,
        "updated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "strategies": [dict(s) for s in strategies],
        "degraded": degraded,
    }
    target = state_dir / NAME
    fd, tmp = tempfile.mkstemp(prefix=".digest-", dir=state_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


def recovery(state_dir: StrPath) -> QueryResult:
    """MemoryBridge's session_recovery answer: the digest's strategies, degraded (with the
    reason) when there is no digest or its last refresh could not reach the server."""
    from haios.contracts import QueryResult

    data = read(state_dir)
    if data is None:
        reason = "no memory digest yet"
        return QueryResult(degraded=True, reasoning_trace=reason, degraded_reason=reason)
    strategies = tuple(s for s in data.get("strategies", []) if isinstance(s, dict))
    degraded = data.get("degraded")
    return QueryResult(
        strategies=strategies,
        reasoning_trace=f"from the digest of {data.get('updated')}",
        degraded=bool(degraded),
        degraded_reason=str(degraded or ""),
    )


class DigestMemory:
    """The part of MemoryBridge a session start needs (session_recovery, from the digest),
    without MemoryBridge's imports; any other mode is answered degraded."""

    def __init__(self, state_dir: StrPath) -> None:
        self._state_dir = state_dir

    def query(self, query: str, mode: str = "semantic", *, limit: int = 5) -> QueryResult:
        if mode == "session_recovery":
            return recovery(self._state_dir)
        from haios.contracts import QueryResult

        reason = f"{mode} needs the memory server; only session_recovery is read here"
        return QueryResult(degraded=True, reasoning_trace=reason, degraded_reason=reason)
