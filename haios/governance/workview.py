"""The hooks' view of the work items: `state/work-cache.json`, which the index keeps current
whenever an item changes, so no hook parses a WORK.md or opens the index. Standard library only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import cache

from haios.project import WORK_CACHE

TYPE_CHECKING = False  # importing typing costs ~3 ms on every hook call
if TYPE_CHECKING:
    from typing import Any


@cache
def load(state_dir: str) -> dict[str, Any]:
    """The cache (read once per process); empty lists when it is missing or unreadable."""
    try:
        with open(os.path.join(state_dir, WORK_CACHE), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict):
        return {"claimed": [], "ready": [], "ready_total": 0}
    return data


def refresh(refresh_index: Callable[[], None]) -> None:
    """Have WorkEngine's index (and so the cache) catch up with the WORK.md files, then forget
    what `load` read before. A scan of every item: not for the per-tool-call path."""
    refresh_index()
    load.cache_clear()


def active(state_dir: str, session: str) -> dict[str, Any] | None:
    """The item this session works on: the one it claimed, else the only claimed item."""
    claimed = load(state_dir).get("claimed", [])
    mine = [row for row in claimed if session and row.get("owner") == session]
    if mine:
        return mine[0] if isinstance(mine[0], dict) else None
    return claimed[0] if len(claimed) == 1 and isinstance(claimed[0], dict) else None


def label(row: dict[str, Any]) -> str:
    """`WORK-003 «Title»`, the way hooks name an item to the agent."""
    return f"{row.get('id')} «{row.get('title')}»"
