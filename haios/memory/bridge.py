"""MemoryBridge: the only MCP client. Reads that need no server come from the digest."""

from __future__ import annotations

from pathlib import Path

from haios.contracts import QueryResult, StoreResult
from haios.memory import digest

MODES = ("semantic", "session_recovery", "knowledge_lookup")


class MemoryBridge:
    """Query and store learnings; degrade (never block) when memory cannot be reached."""

    def __init__(self, state_dir: Path) -> None:
        self._state_dir = state_dir

    def query(self, query: str, mode: str = "semantic") -> QueryResult:
        if mode == "session_recovery":
            return self._from_digest()
        return QueryResult(degraded=True, reasoning_trace="the memory server is not built yet")

    def store(self, content: str, source_path: str, work_id: str | None = None) -> StoreResult:
        raise NotImplementedError("storing memories comes with the memory server")

    def _from_digest(self) -> QueryResult:
        data = digest.read(self._state_dir)
        if data is None:
            return QueryResult(degraded=True, reasoning_trace="no memory digest yet")
        strategies = tuple(s for s in data.get("strategies", []) if isinstance(s, dict))
        reason = data.get("degraded")
        return QueryResult(
            strategies=strategies,
            reasoning_trace=f"from the digest of {data.get('updated')}",
            degraded=bool(reason),
        )
