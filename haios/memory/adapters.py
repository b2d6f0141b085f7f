"""Tool sets of memory servers, seen through haios' roles (search, ingest, get, link, stats, ...).

`HAIOS` names the tool of each role on haios' own server. `knowledge-graph` is the reference
server `@modelcontextprotocol/server-memory`: entities with observations and relations between
them. A learning becomes one entity named after its content hash (so storing it again adds
nothing), typed by its class, observed as its text plus provenance lines; a link is a relation.
Its search is a case-insensitive substring match, so a query of several words is tried word by
word. An entity's id is a hash of its name: `get` opens a node by its name (search results
carry it as `name`), or finds the entity whose id it is in the whole graph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from haios.errors import MemoryRoleUnsupported
from haios.memory.classify import classify
from haios.memory.client import ToolFailed
from haios.memory.provenance import content_hash, normalised

HAIOS = {  # role -> tool of haios' own server
    "search": "memory_search_with_experience",
    "ingest": "ingester_ingest",
    "get": "memory_get",
    "link": "memory_link",
    "stats": "memory_stats",
    "schema": "schema_info",
    "sql": "db_query",
}
NAMES = {  # role (and "graph", which get, link and stats read) -> tool of the graph server
    "search": "search_nodes",
    "ingest": "create_entities",
    "get": "open_nodes",
    "link": "create_relations",
    "graph": "read_graph",
}
_PREFIX = "haios-"
_PROVENANCE = ("source_path", "work_id", "session")


class Caller(Protocol):
    async def call(self, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]: ...


def _id(name: str) -> int:
    """A stable number for an entity name (the graph has names, haios' contracts ids)."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:13], 16)


def require(adapter: str, role: str, server: str) -> None:
    """Raise MemoryRoleUnsupported unless the adapter's server has a tool for `role`."""
    if role not in HAIOS:
        raise MemoryRoleUnsupported(f"unknown memory role {role!r}; roles are: {', '.join(HAIOS)}")
    served = ROLES[adapter]
    if role not in served:
        raise MemoryRoleUnsupported(
            f"{server}: the {adapter} memory server has no counterpart of the role {role!r} "
            f"(haios' {HAIOS[role]}); it answers: {', '.join(served)}"
        )


class KnowledgeGraph:
    """Calls with haios' roles, answered by the reference knowledge-graph server."""

    def __init__(self, session: Caller, names: Mapping[str, str]) -> None:
        self._session = session
        self._names = {**NAMES, **names}

    async def call(self, role: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        handler = _HANDLERS.get(role)
        if handler is None:
            raise ToolFailed(f"the knowledge-graph memory server has no counterpart of {role!r}")
        return await handler(self, arguments)

    async def _ingest(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        content = normalised(str(payload["content"]))
        kind, reason = classify(content)
        name = _PREFIX + content_hash(content).hex()
        observations = [content] + [f"{k}: {payload[k]}" for k in _PROVENANCE if payload.get(k)]
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

    async def _search(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """The server's substring match (whole query, else word by word); the graph knows no
        supersession, so `include_superseded` changes nothing."""
        query = str(arguments.get("query", "")).strip()
        limit, offset = int(arguments.get("limit", 5)), int(arguments.get("offset") or 0)
        found: dict[str, dict[str, Any]] = {}
        for words in [query, *query.split()] if query else []:
            for entity in _entities(await self._call("search", {"query": words})):
                found.setdefault(entity["name"], entity)
            if found:
                break
        everything = list(found.values()) if query else _entities(await self._call("graph"))
        concepts = [_concept(e) for e in everything if e["name"].startswith(_PREFIX)]
        strategies = [
            {"id": c["id"], "content": c["snippet"], "uses": 0, "work_id": c.get("work_id")}
            for c in concepts
            if c["kind"] == "techne"
        ]
        more = len(concepts) > offset + limit
        return {
            "concepts": concepts[offset : offset + limit],
            "strategies": strategies[:3],
            "next_offset": offset + limit if more else None,
        }

    async def _get(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        ref = arguments.get("id")
        if isinstance(ref, str) and not ref.isdigit():  # an entity name: open just that node
            graph = await self._call("get", {"names": [ref]})
        else:
            graph = await self._call("graph")
        entity = _find(graph, ref)
        relations = [r for r in graph.get("relations", []) if entity["name"] in _ends(r)]
        return _memory(entity, relations)

    async def _link(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        graph = await self._call("graph")
        src, dst = (_find(graph, arguments.get(k))["name"] for k in ("src", "dst"))
        if src == dst:
            raise ToolFailed(f"memory server: memory {arguments['src']} cannot be linked to itself")
        relation = str(arguments.get("relation") or "related")
        edge = {"from": src, "to": dst, "relationType": relation}
        answer = await self._call("link", {"relations": [edge]})
        created = answer.get("relations", answer.get("result", []))
        return {"linked": bool(created), "src": _id(src), "dst": _id(dst), "relation": relation}

    async def _stats(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        graph = await self._call("graph")
        entities = _entities(graph)
        kinds: dict[str, int] = {}
        for entity in entities:
            kinds[str(entity.get("entityType"))] = kinds.get(str(entity.get("entityType")), 0) + 1
        links = len(graph.get("relations", []))
        return {"memories": len(entities), "by_kind": kinds, "links": links}

    async def _call(self, tool: str, arguments: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return await self._session.call(self._names[tool], arguments or {})


_HANDLERS: dict[str, Callable[[KnowledgeGraph, Mapping[str, Any]], Awaitable[dict[str, Any]]]] = {
    "search": KnowledgeGraph._search,
    "ingest": KnowledgeGraph._ingest,
    "get": KnowledgeGraph._get,
    "link": KnowledgeGraph._link,
    "stats": KnowledgeGraph._stats,
}
ROLES = {"haios": tuple(HAIOS), "knowledge-graph": tuple(_HANDLERS)}  # adapter -> its roles


def _entities(graph: Mapping[str, Any]) -> list[dict[str, Any]]:
    entities = graph.get("entities", [])
    return [e for e in entities if isinstance(e, dict) and isinstance(e.get("name"), str)]


def _ends(relation: Mapping[str, Any]) -> tuple[Any, Any]:
    return relation.get("from"), relation.get("to")


def _find(graph: Mapping[str, Any], ref: Any) -> dict[str, Any]:
    """The entity `ref` names: its id (a number) or its name."""
    number = int(ref) if isinstance(ref, int) or str(ref).isdigit() else None
    for entity in _entities(graph):
        if entity["name"] == ref or (number is not None and _id(entity["name"]) == number):
            return entity
    raise ToolFailed(f"memory server: no memory {ref}; search for ids (or names) first")


def _observed(entity: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """An entity's observations: its text, and its provenance lines as a mapping."""
    text: list[str] = []
    provenance: dict[str, str] = {}
    for line in (str(o) for o in entity.get("observations", [])):
        key, _, value = line.partition(": ")
        if key in _PROVENANCE and value and text:
            provenance[key] = value
        else:
            text.append(line)
    return text, provenance


def _concept(entity: Mapping[str, Any]) -> dict[str, Any]:
    text, provenance = _observed(entity)
    return {
        "id": _id(entity["name"]),
        "name": entity["name"],
        "kind": entity.get("entityType"),
        "snippet": text[0][:200] if text else "",
        "work_id": provenance.get("work_id"),
    }


def _memory(entity: Mapping[str, Any], relations: list[dict[str, Any]]) -> dict[str, Any]:
    """An entity as haios' memory_get answers a memory."""
    text, provenance = _observed(entity)
    links = [
        {"src": _id(str(r["from"])), "dst": _id(str(r["to"])), "relation": r.get("relationType")}
        for r in relations
    ]
    return {
        "id": _id(entity["name"]),
        "name": entity["name"],
        "kind": entity.get("entityType"),
        "content": "\n".join(text),
        **provenance,
        "links": links,
    }
