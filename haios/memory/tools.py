"""What each memory tool answers, as the JSON text the agent reads, without MCP (the server
wraps these).

Every answer fits a budget (~2,000 tokens, counted as characters / 4, of compact JSON): lists
are cut from the end, with `next_offset` saying where to go on, and long text is trimmed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from haios.memory import readonly
from haios.memory.store import MemoryStore

BUDGET_CHARS = 8_000
GET_CHARS = 4_000
_HIT_KEYS = ("id", "kind", "snippet", "work_id", "source_path", "uses", "superseded_by", "via")
_STRATEGY_KEYS = ("id", "content", "uses", "work_id")


def text(document: Any) -> str:
    """Compact JSON, non-ASCII characters kept as they are."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _compact(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: row[k] for k in keys if row.get(k) not in (None, "", 0) or k == "id"}


def _fit(document: dict[str, Any], key: str, on_cut: Callable[[int], None]) -> str:
    """The document as text, items of `document[key]` dropped from the end until it fits the
    budget."""
    items = document[key]
    answer = text(document)
    while items and len(answer) > BUDGET_CHARS:
        items.pop()
        on_cut(len(items))
        answer = text(document)
    return answer


def search(
    store: MemoryStore,
    query: str,
    limit: int = 5,
    offset: int = 0,
    include_superseded: bool = False,
) -> str:
    page = store.search(query, limit, offset, include_superseded)
    direct = sum(1 for h in page.hits if "via" not in h)
    document: dict[str, Any] = {
        "concepts": [_compact(h, _HIT_KEYS) for h in page.hits],
        "strategies": [
            _compact(s, _STRATEGY_KEYS)
            for s in (page.strategies if query.strip() else store.strategies())
        ],
        "next_offset": page.next_offset,
    }

    def cut(kept: int) -> None:
        if kept < direct:
            document["next_offset"] = offset + kept

    return _fit(document, "concepts", cut)


def ingest(store: MemoryStore, content: str, **provenance: Any) -> str:
    done = store.ingest(content, **provenance)
    return text(
        {
            "ids": [done.id],
            "classification": done.kind,
            "reason": done.reason,
            "duplicate": done.duplicate,
            "superseded": list(done.superseded),
            "work_id": done.work_id,
            "subject": done.subject,
        }
    )


def get(store: MemoryStore, memory_id: int, max_chars: int = GET_CHARS) -> str | None:
    memory = store.get(memory_id)
    if memory is None:
        return None
    content = memory["content"]
    if len(content) > max_chars:
        memory["content"] = content[:max_chars] + "…"
        memory["truncated_from"] = len(content)
    document = {k: v for k, v in memory.items() if v is not None}
    return _fit(document, "links", lambda kept: document.update(links_cut=True))


def link(store: MemoryStore, src: int, dst: int, relation: str) -> str:
    linked = store.link(src, dst, relation)
    return text({"linked": linked, "src": src, "dst": dst, "relation": relation})


def stats(store: MemoryStore) -> str:
    return text(store.stats())


def schema_info(store: MemoryStore) -> str:
    return text(store.schema())


def db_query(store: MemoryStore, sql: str, limit: int = 20) -> str:
    document = readonly.run(store.path, sql, limit)
    return _fit(document, "rows", lambda kept: document.update(truncated=True))
