"""MemoryBridge: the only MCP client. Reads that need no server come from the digest.

Degrade, never block or lose: a read the server cannot answer comes back empty and marked
degraded (with the reason); a write it cannot take waits in the outbox under an idempotency
key and is replayed by `flush`. Memories from a work item are linked to it through the
MemoryStored event, which WorkEngine handles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haios.contracts import QueryResult, StoreResult
from haios.errors import MemoryUnavailable, UsageError
from haios.events import MemoryStored, WorkClosed, emit
from haios.memory import background, digest
from haios.memory.outbox import Outbox
from haios.memory.provenance import checked, work_id_from_path

if TYPE_CHECKING:
    from haios.config import MemoryFile
    from haios.contracts import WorkEngineAPI
    from haios.memory.client import Session, Target

MODES = ("semantic", "session_recovery", "knowledge_lookup")


class MemoryBridge:
    """Query and store learnings; degrade (never block) when memory cannot be reached."""

    def __init__(
        self,
        state_dir: Path,
        root: Path | None = None,
        settings: MemoryFile | None = None,
        session: str | None = None,
        work: WorkEngineAPI | None = None,
    ) -> None:
        from haios.config import MemoryFile

        self._state_dir = state_dir
        self._root = root if root is not None else state_dir.parents[2]
        self.settings = settings or MemoryFile()
        self._session = session
        self._work = work

    # -- reading -----------------------------------------------------------------------------

    def query(
        self,
        query: str,
        mode: str = "semantic",
        *,
        limit: int = 5,
        offset: int = 0,
        include_superseded: bool = False,
    ) -> QueryResult:
        """Search; `offset` is the `next_offset` of the page before, and superseded memories
        come back only with `include_superseded`."""
        if mode not in MODES:
            raise UsageError(f"unknown memory mode {mode!r}; modes are: {', '.join(MODES)}")
        if mode == "session_recovery":
            return self._from_digest()
        arguments = {
            "query": query,
            "limit": limit,
            "offset": offset or None,  # left out at their defaults: other servers may not know them
            "include_superseded": include_superseded or None,
        }
        try:
            found = self._call(lambda s: s.call("search", arguments))
        except MemoryUnavailable as exc:
            return QueryResult(
                reasoning_trace=f"degraded: {exc}", degraded=True, degraded_reason=str(exc)
            )
        return _result(found, mode, self._describe())

    def _from_digest(self) -> QueryResult:
        return digest.recovery(self._state_dir)

    # -- writing -----------------------------------------------------------------------------

    def store(self, content: str, source_path: str, work_id: str | None = None) -> StoreResult:
        """Store one learning; unreachable server: queue it and say so (degraded)."""
        return self.store_many([(content, source_path, work_id)])[0]

    def store_many(self, learnings: Iterable[tuple[str, str, str | None]]) -> list[StoreResult]:
        """Store learnings over one connection; the ones the server refused raise ToolFailed
        (after the others were stored and linked)."""
        payloads = [self._payload(*learning) for learning in learnings]
        try:
            answers = self._call(lambda s: _each(s, "ingest", payloads))
        except MemoryUnavailable as exc:
            return self._queue(payloads, str(exc))
        results = []
        for payload, answer in zip(payloads, answers, strict=True):
            if isinstance(answer, Exception):
                continue
            results.append(_stored(answer, payload["work_id"]))
            self._link(results[-1], payload["source_path"])
        if results:
            self.refresh_later()
        refused = [a for a in answers if isinstance(a, Exception)]
        if refused:
            raise refused[0]
        return results

    def _queue(self, payloads: list[dict[str, Any]], reason: str) -> list[StoreResult]:
        with Outbox(self._state_dir) as outbox:
            keys = [outbox.put(p)[0] for p in payloads]
        return [
            StoreResult(work_id=p["work_id"], degraded=True, degraded_reason=reason, queued=key)
            for p, key in zip(payloads, keys, strict=True)
        ]

    def stats(self) -> dict[str, Any]:
        """The server's counts (MemoryUnavailable when it cannot be reached)."""
        return self.call("stats")

    def get(self, memory: int | str) -> dict[str, Any]:
        """One memory in full: its id (or, on a knowledge graph, its entity name)."""
        return self.call("get", {"id": self._ref(memory)})

    def link(self, src: int | str, dst: int | str, relation: str = "related") -> dict[str, Any]:
        """Link memory `src` to `dst`; `linked` is false when the link was there."""
        return self.call(
            "link", {"src": self._ref(src), "dst": self._ref(dst), "relation": relation}
        )

    def _ref(self, memory: int | str) -> int | str:
        """Names are the knowledge graph's; haios' server knows memories by number only."""
        if isinstance(memory, str) and self.settings.server.adapter == "haios":
            raise UsageError(f"{memory!r} is not a memory id (a number: search shows them)")
        return memory

    def call(self, role: str, arguments: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The answer of the server's tool for `role` (see adapters.HAIOS). Raises
        MemoryRoleUnsupported when that server has none, MemoryUnavailable when it cannot be
        reached, ToolFailed when it refuses."""
        from haios.memory.adapters import require

        server = self.settings.server
        require(server.adapter, role, server.url or " ".join(server.command) or "memory serve")
        given = dict(arguments or {})
        found: dict[str, Any] = self._call(lambda s: s.call(role, given))
        return found

    def _payload(self, content: str, source_path: str, work_id: str | None) -> dict[str, Any]:
        return {
            "content": checked(content),  # refused here, not queued to be refused forever
            "source_path": source_path or "",
            "work_id": work_id or work_id_from_path(source_path or ""),
            **({"session": self._session} if self._session else {}),
        }

    def _link(self, result: StoreResult, source_path: str) -> None:
        if result.work_id and result.concept_ids:
            emit(self, MemoryStored(result.work_id, result.concept_ids, source_path or ""))

    def flush(self) -> dict[str, Any]:
        """Take the hooks' queued lines, replay the outbox (one connection), refresh the
        digest. Returns counts and, when the server could not be reached, why."""
        with Outbox(self._state_dir) as outbox:
            taken = outbox.take_hook_lines()
            pending = outbox.pending()
            sent, error = 0, None
            if pending:
                try:
                    sent = self._call(lambda s: self._replay(s, outbox, pending))
                except MemoryUnavailable as exc:
                    error = str(exc)
            left = outbox.count()[0]
        refreshed = self.refresh_digest() if error is None else None
        return {"taken": taken, "sent": sent, "pending": left, "error": error, "digest": refreshed}

    async def _replay(self, session: Session, outbox: Outbox, entries: Iterable[Any]) -> int:
        from haios.memory.client import ToolFailed

        sent = 0
        for entry in entries:
            try:
                answer = await session.call("ingest", entry.payload)
            except ToolFailed as exc:
                outbox.failed(entry.key, str(exc))
                continue
            outbox.sent(entry.key)
            self._link(
                _stored(answer, entry.payload.get("work_id")), entry.payload["source_path"] or ""
            )
            sent += 1
        return sent

    # -- the digest and background work ------------------------------------------------------

    def refresh_digest(self) -> str | None:
        """Rewrite the digest from the server's top strategies; when it cannot be reached,
        keep the old strategies and record why. Returns that reason, or None."""
        count = self.settings.client.digest_strategies
        try:
            found = self._call(lambda s: s.call("search", {"query": "", "limit": 1}))
        except MemoryUnavailable as exc:
            old = digest.read(self._state_dir) or {}
            digest.write(self._state_dir, old.get("strategies", []), degraded=str(exc))
            return str(exc)
        strategies = [_strategy(s) for s in found.get("strategies", [])][:count]
        digest.write(self._state_dir, strategies)
        return None

    def refresh_later(self) -> None:
        """Replay the outbox and refresh the digest in a detached process (when enabled)."""
        if self.settings.client.background:
            background.flush(self._root, self._state_dir)

    def on_work_closed(self, sender: object, *, event: WorkClosed) -> None:
        """Receiver of WorkClosed: queue the item's learnings, store them in the background
        (closing an item never waits for the memory server)."""
        if self._work is None or event.status != "complete":
            return
        from haios.memory.learnings import from_work_item

        try:
            state = self._work.get(event.id)
            path = Path(state.path)
            text = (path if path.is_absolute() else self._root / path).read_text("utf-8")
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            from haios.log import log

            log("warning", "learnings not read", work_id=event.id, error=str(exc))
            return
        source = _relative(path, self._root)
        found = from_work_item(text)
        with Outbox(self._state_dir) as outbox:
            for item in found:
                outbox.put({"content": item, "source_path": source, "work_id": event.id})
        if found:
            self.refresh_later()

    # -- plumbing ----------------------------------------------------------------------------

    def target(self) -> Target:
        from haios.memory import adapters, client

        server, timing = self.settings.server, self.settings.client
        names = {**adapters.HAIOS, **server.tools} if server.adapter == "haios" else {}
        if not server.command and not server.url:
            found = client.embedded(
                self._root, self._state_dir, timing.timeout, timing.connect_timeout
            )
            return client.Target(**{**found.__dict__, "names": names})
        import os

        from mcp.client.stdio import get_default_environment

        return client.Target(
            tuple(server.command),
            url=server.url,
            env={**get_default_environment(), **server.env} if server.command else None,
            token=os.environ.get(server.token_env) or None,
            cwd=str(self._root),
            timeout=timing.timeout,
            connect_timeout=timing.connect_timeout,
            log=self._state_dir / client.SERVER_LOG,
            names=names,
        )

    def _describe(self) -> str:
        return self.target().describe()

    def _call(self, work: Any) -> Any:
        from haios.memory import client

        if self.settings.server.adapter == "knowledge-graph":
            from haios.memory.adapters import KnowledgeGraph

            tools = self.settings.server.tools
            return client.call(self.target(), lambda s: work(KnowledgeGraph(s, tools)))
        return client.call(self.target(), work)


async def _each(session: Session, role: str, payloads: list[dict[str, Any]]) -> list[Any]:
    """Call `role` once per payload; a refusal is kept in its place, not raised."""
    from haios.memory.client import ToolFailed

    answers: list[Any] = []
    for payload in payloads:
        try:
            answers.append(await session.call(role, payload))
        except ToolFailed as exc:
            answers.append(exc)
    return answers


def _result(found: Mapping[str, Any], mode: str, where: str) -> QueryResult:
    concepts = tuple(c for c in found.get("concepts", []) if isinstance(c, dict))
    strategies = tuple(s for s in found.get("strategies", []) if isinstance(s, dict))
    if mode == "knowledge_lookup":
        concepts, strategies = tuple(c for c in concepts if c.get("kind") == "episteme"), ()
    return QueryResult(
        concepts=concepts,
        strategies=strategies,
        reasoning_trace=f"{mode}: {len(concepts)} concepts, {len(strategies)} strategies "
        f"from {where}",
        next_offset=found.get("next_offset"),
    )


def _stored(answer: Mapping[str, Any], work_id: str | None) -> StoreResult:
    ids = tuple(int(i) for i in answer.get("ids", []) if isinstance(i, int))
    return StoreResult(
        concept_ids=ids,
        classification=str(answer.get("classification", "")),
        reason=str(answer.get("reason", "")),
        duplicate=bool(answer.get("duplicate")),
        superseded=tuple(answer.get("superseded", ())),
        work_id=answer.get("work_id") or work_id,
    )


def _strategy(found: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("id", "content", "uses", "work_id")
    return {k: found.get(k, 0 if k == "uses" else None) for k in keys}


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
