"""Tool sets of other memory servers, seen through haios' roles (search, ingest, stats).

`knowledge-graph` is the reference server `@modelcontextprotocol/server-memory`: entities with
observations. A learning becomes one entity named after its content hash (so storing it again
adds nothing), typed by its class, observed as its text plus provenance lines. Its search is a
case-insensitive substring match, so a query of several words is tried word by word.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Protocol

from haios.memory.classify import classify
from haios.memory.provenance import content_hash, normalised

NAMES = {"search": "search_nodes", "ingest": "create_entities", "graph": "read_graph"}
_PREFIX = "haios-"


class Caller(Protocol):
    async def call(self, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]: ...


def _id(name: str) -> int:
    """A stable number for an entity name (the graph has names, haios' contracts ids)."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:13], 16)


class KnowledgeGraph:
    """Calls with haios' roles, answered by the reference knowledge-graph server."""

    def __init__(self, session: Caller, names: Mapping[str, str]) -> None:
        self._session = session
        self._names = {**NAMES, **names}

    async def call(self, role: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        if role == "ingest":
            return await self._ingest(arguments)
        if role == "search":
            return await self._search(
                str(arguments.get("query", "")), int(arguments.get("limit", 5))
            )
        if role == "stats":
            entities = await self._entities(None)
            return {"memories": len(entities), "by_kind": _kinds(entities)}
        raise KeyError(role)

    async def _ingest(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        content = normalised(str(payload["content"]))
        kind, reason = classify(content)
        name = _PREFIX + content_hash(content).hex()
        observations = [content] + [
            f"{key}: {payload[key]}"
            for key in ("source_path", "work_id", "session")
            if payload.get(key)
        ]
        entity = {"name": name, "entityType": kind, "observations": observations}
        answer = await self._session.call(self._names["ingest"], {"entities": [entity]})
        created = answer.get("entities", answer.get("result", []))
        return {
            "ids": [_id(name)],
            "classification": kind,
            "reason": reason,
            "duplicate": isinstance(created, list) and not created,
            "superseded": [],
            "work_id": payload.get("work_id"),
        }

    async def _search(self, query: str, limit: int) -> dict[str, Any]:
        found: dict[str, dict[str, Any]] = {}
        for words in [query.strip(), *query.split()] if query.strip() else []:
            for entity in await self._entities(words):
                found.setdefault(entity["name"], entity)
            if found:
                break
        everything = list(found.values()) if query.strip() else await self._entities(None)
        concepts = [_concept(e) for e in everything if e["name"].startswith(_PREFIX)]
        strategies = [
            {"id": c["id"], "content": c["snippet"], "uses": 0, "work_id": c.get("work_id")}
            for c in concepts
            if c["kind"] == "techne"
        ]
        return {"concepts": concepts[:limit], "strategies": strategies[:3], "next_offset": None}

    async def _entities(self, query: str | None) -> list[dict[str, Any]]:
        if query is None:
            answer = await self._session.call(self._names["graph"], {})
        else:
            answer = await self._session.call(self._names["search"], {"query": query})
        entities = answer.get("entities", [])
        return [e for e in entities if isinstance(e, dict) and isinstance(e.get("name"), str)]


def _concept(entity: Mapping[str, Any]) -> dict[str, Any]:
    observations = [str(o) for o in entity.get("observations", [])]
    work = next((o.split(": ", 1)[1] for o in observations if o.startswith("work_id: ")), None)
    return {
        "id": _id(entity["name"]),
        "kind": entity.get("entityType"),
        "snippet": observations[0][:200] if observations else "",
        "work_id": work,
    }


def _kinds(entities: list[dict[str, Any]]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for entity in entities:
        kinds[str(entity.get("entityType"))] = kinds.get(str(entity.get("entityType")), 0) + 1
    return kinds
