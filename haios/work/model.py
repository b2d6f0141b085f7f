"""From raw WORK.md frontmatter (ours or the original HAIOS's) to a normalised `WorkState`.

Nothing is dropped: keys the model does not know go to `extra` verbatim, and known keys whose
value was normalised keep their raw value under `legacy`. See docs/work-items.md for the mapping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haios.contracts import QUEUE_POSITIONS, NodeEntry, QueueEntry, WorkState

if TYPE_CHECKING:
    from haios.contracts import QueuePosition, Status

PRIORITIES = ("critical", "high", "medium", "low")
DEFAULT_NODES = ("backlog", "discovery", "plan", "implement", "close", "complete")
KNOWN = frozenset(
    {
        "id",
        "title",
        "type",
        "category",
        "status",
        "priority",
        "current_node",
        "queue_position",
        "cycle_phase",
        "cycle",
        "owner",
        "created",
        "closed",
        "closed_reason",
        "blocked_by",
        "blocks",
        "memory_refs",
        "node_history",
        "queue_history",
    }
)
STATUS_WORDS = {
    **dict.fromkeys(
        (
            "active",
            "open",
            "draft",
            "blocked",
            "in_progress",
            "in-progress",
            "todo",
            "new",
            "ready",
            "working",
        ),
        "active",
    ),
    **dict.fromkeys(("complete", "completed", "done", "closed"), "complete"),
    **dict.fromkeys(("abandoned", "cancelled", "canceled", "wontfix", "dropped"), "abandoned"),
}
_DOC_KINDS = ("plan", "investigation", "report", "design", "retro", "checkpoint")


def jsonable(value: Any) -> Any:
    """YAML values as JSON data: dates and times become ISO strings."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _text(value: Any) -> str | None:
    value = jsonable(value)
    return None if value is None or value == "" else str(value)


def _listed(value: Any) -> list[Any]:
    """A list as written, a lone value as a list of one, nothing as an empty list."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _ids(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in _listed(value) if v is not None and str(v).strip())


def status_of(raw: Any) -> Status:
    return STATUS_WORDS.get(str(raw or "active").strip().lower(), "active")  # type: ignore[return-value]


def _node(raw: Any, status: Status, nodes: Iterable[str]) -> str:
    value = str(raw or "").strip().lower()
    if status == "complete":
        return "complete"
    return value if value in tuple(nodes) else "backlog"


def _queue(raw: Any, status: Status) -> QueuePosition:
    if status != "active":
        return "done"
    value = str(raw or "").strip().lower()
    return value if value in QUEUE_POSITIONS else "backlog"


def _phase(raw: Any) -> str | None:
    value = str(raw or "").strip().lower()
    return None if value in ("", "backlog", "none") else value


def _history(raw: Any) -> tuple[NodeEntry, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        NodeEntry(str(e.get("node", "")).lower(), _text(e.get("entered")), _text(e.get("exited")))
        for e in raw
        if isinstance(e, dict)
    )


def _queue_history(raw: Any) -> tuple[QueueEntry, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        QueueEntry(str(e.get("position", "")), _text(e.get("entered")), _text(e.get("exited")))
        for e in raw
        if isinstance(e, dict)
    )


def documents(folder: Path) -> dict[str, tuple[str, ...]]:
    """The other files in an item's folder, grouped by kind (from sub-folder or file name)."""
    found: dict[str, list[str]] = {}
    if not folder.is_dir():
        return {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if (
            not path.is_file()
            or path.name == "WORK.md"
            or any(p.startswith(".") for p in rel.parts)
        ):
            continue
        hint = " ".join(rel.parts).lower()
        kind = next((k for k in _DOC_KINDS if k in hint), "other")
        found.setdefault(kind, []).append(rel.as_posix())
    return {kind: tuple(paths) for kind, paths in found.items()}


def to_state(
    meta: dict[str, Any],
    folder: Path,
    *,
    default_type: str = "feature",
    nodes: Iterable[str] = DEFAULT_NODES,
    with_documents: bool = False,
) -> WorkState:
    """Normalise one item's frontmatter; `folder` names the item when the frontmatter does not."""
    status = status_of(meta.get("status"))
    priority = str(meta.get("priority") or "medium").strip().lower()
    normal: dict[str, Any] = {
        "id": str(meta.get("id") or folder.name),
        "title": str(meta.get("title") or ""),
        "type": str(meta.get("type") or meta.get("category") or default_type),
        "status": status,
        "priority": priority if priority in PRIORITIES else "medium",
        "current_node": _node(meta.get("current_node"), status, nodes),
        "queue_position": _queue(meta.get("queue_position"), status),
        "cycle_phase": _phase(meta.get("cycle_phase")),
        "cycle": _text(meta.get("cycle")),
        "owner": _text(meta.get("owner")),
        "created": _text(meta.get("created")),
        "closed": _text(meta.get("closed")),
        "closed_reason": _text(meta.get("closed_reason")),
        "blocked_by": _ids(meta.get("blocked_by")),
        "blocks": _ids(meta.get("blocks")),
        "memory_refs": tuple(jsonable(_listed(meta.get("memory_refs")))),
        "node_history": _history(meta.get("node_history")),
        "queue_history": _queue_history(meta.get("queue_history")),
    }
    extra = {k: jsonable(v) for k, v in meta.items() if k not in KNOWN}
    docs = documents(folder) if with_documents else {}
    return WorkState(
        **normal,
        path=str(folder / "WORK.md"),
        documents=docs,
        extra=extra,
        legacy=_legacy(meta, normal),
    )


def _legacy(meta: dict[str, Any], normal: dict[str, Any]) -> dict[str, Any]:
    """Raw values of the known keys that normalising changed (`category` always: it became
    `type` and has no field of its own)."""
    legacy = {}
    for key in KNOWN & meta.keys():
        raw = jsonable(meta[key])
        if key not in normal:
            legacy[key] = raw
            continue
        mine = normal[key]
        if key in ("node_history", "queue_history"):
            mine = [entry._asdict() for entry in mine]
        mine = jsonable(mine)
        if raw != mine and not (raw is None and mine in ([], None)):
            legacy[key] = raw
    return legacy


def summary(state: WorkState, rel_path: str) -> dict[str, Any]:
    """The row `haios work list/ready --json` prints for one item."""
    return {
        "id": state.id,
        "title": state.title,
        "type": state.type,
        "status": state.status,
        "node": state.current_node,
        "queue": state.queue_position,
        "priority": state.priority,
        "owner": state.owner,
        "created": state.created,
        "blocked_by": list(state.blocked_by),
        "phase": state.cycle_phase,
        "scope": scope(state),
        "path": rel_path,
    }


def scope(state: WorkState) -> list[str]:
    """The globs of files the item says it may touch (`scope:`, else `source_files:`)."""
    for key in ("scope", "source_files"):
        value = state.extra.get(key)
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and value:
            return [str(v) for v in value if isinstance(v, str | int)]
    return []


def state_json(state: WorkState) -> dict[str, Any]:
    """The full document `haios work show --json` prints."""
    data: dict[str, Any] = jsonable(
        {k: v for k, v in state._asdict().items() if k not in ("node_history", "queue_history")}
    )
    data["node_history"] = [e._asdict() for e in state.node_history]
    data["queue_history"] = [e._asdict() for e in state.queue_history]
    data["documents"] = {k: list(v) for k, v in state.documents.items()}
    data["extra"] = dict(state.extra)
    data["legacy"] = dict(state.legacy)
    return data


def index_row(
    rel_path: str, path: Path, *, default_type: str, nodes: Iterable[str]
) -> tuple[dict[str, Any], int]:
    """(summary row, priority rank) of one WORK.md, for the index."""
    from haios.work import files

    state = to_state(files.read(path).meta, path.parent, default_type=default_type, nodes=nodes)
    return summary(state, rel_path), PRIORITIES.index(state.priority)
