"""`haios status`: one screen on where the project stands, read from the modules' interfaces and
small state files (a read-only aggregator: it writes nothing)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from haios.project import HAIOS_DIR

ERROR_LOG = "haios-error.log"


def gather(root: str, config: Mapping[str, Any], session_id: str) -> dict[str, Any]:
    from haios.context.checkpoints import latest
    from haios.context.sessions import SessionStore
    from haios.memory.digest import DigestMemory
    from haios.work.reader import IndexReader

    state = os.path.join(root, HAIOS_DIR, "state")
    checkpoints = os.path.join(root, config["haios"]["paths"]["checkpoints_dir"])
    store = SessionStore(state, checkpoints)
    record = store.get(session_id)
    reader = IndexReader(root, config)
    try:
        work = _work(reader, session_id)
    finally:
        reader.close()
    memory = DigestMemory(state).query("", mode="session_recovery")
    last = latest(checkpoints, cache=store.names_cache)
    return {
        "session": {
            "id": session_id,
            "number": record["number"] if record else None,
            "next": None if record else store.next_number(),
            "last_checkpoint": os.path.relpath(last.path, root) if last else None,
        },
        "work": work,
        "memory": {
            "ok": not memory.degraded,
            "strategies": len(memory.strategies),
            "detail": memory.reasoning_trace,
        },
        "hook_errors": _errors(state),
    }


def _work(reader: Any, session_id: str) -> dict[str, Any]:
    active = reader.list(status="active")
    open_ids = {w.id for w in active}
    claimed = [w for w in active if w.owner]
    mine = [w for w in claimed if w.owner == session_id]
    held = mine[0] if mine else (claimed[0] if len(claimed) == 1 else None)
    blocked = [w.id for w in active if any(b in open_ids for b in w.blocked_by)]
    return {
        "held": None
        if held is None
        else {
            "id": held.id,
            "title": held.title,
            "node": held.current_node,
            "phase": held.cycle_phase,
        },
        "open": len(active),
        "claimed": len(claimed),
        "ready": reader.ready_count(),
        "blocked": blocked,
    }


def _errors(state: str) -> dict[str, Any]:
    """How many internal errors the log holds, and the last one's first and last lines."""
    try:
        with open(os.path.join(state, ERROR_LOG), encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return {"count": 0, "last": None, "log": None}
    heads = [n for n, line in enumerate(lines) if line.startswith("--- haios ")]
    if not heads:
        return {"count": 0, "last": None, "log": None}
    tail = [line for line in lines[heads[-1] + 1 :] if line.strip()]
    return {
        "count": len(heads),
        "last": f"{lines[heads[-1]][4:]}: {tail[-1].strip() if tail else '?'}",
        "log": os.path.join(state, ERROR_LOG),
    }


def render(doc: Mapping[str, Any]) -> str:
    s, w, m, e = doc["session"], doc["work"], doc["memory"], doc["hook_errors"]
    number = f"session {s['number']}" if s["number"] else f"no session yet (next: {s['next']})"
    held = w["held"]
    holding = (
        f"{held['id']} «{held['title']}» (node {held['node']}"
        + (f", phase {held['phase']})" if held["phase"] else ")")
        if held
        else "nothing held"
    )
    blocked = f"{len(w['blocked'])} blocked" + (
        f" ({', '.join(w['blocked'][:5])}{', …' if len(w['blocked']) > 5 else ''})"
        if w["blocked"]
        else ""
    )
    lines = [
        f"{number} · last checkpoint {s['last_checkpoint'] or 'none'}",
        f"work: {holding} · {w['ready']} ready · {w['claimed']} claimed · {blocked} · "
        f"{w['open']} open",
        f"memory: {'ok' if m['ok'] else 'degraded'} ({m['strategies']} strategies; {m['detail']})",
        f"hook errors: {e['count']}"
        + (f"; last: {e['last']} (see {e['log']})" if e["last"] else ""),
    ]
    return "\n".join(lines) + "\n"
