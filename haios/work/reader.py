"""A read-only view of the work items from the index alone: what a session start needs, fast.

WorkEngine parses each WORK.md it returns (YAML, pydantic-validated config); this reader builds
`WorkState` values from the index's summary rows, after the usual refresh that catches up with
files edited by hand. Fields the summary does not keep (histories, documents, memory refs) are
left empty: use WorkEngine for those.
"""

from __future__ import annotations

import json
import os

from haios.contracts import WorkState
from haios.work.index import Index, open_index

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


class IndexReader:
    """`get_ready_items`, `ready_count` and `list` of WorkReaderAPI, over the index."""

    def __init__(self, root: str, config: Mapping[str, Any]) -> None:
        self.root = root
        self.config = config
        self._index: Index | None = None

    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = open_index(
                os.path.join(self.root, ".claude", "haios", "state"),
                self.root,
                self.config["haios"]["paths"]["work_dir"],
                self.config["haios"]["work"]["default_type"],
                self.config["node_bindings"]["nodes"],
            )
            self._index.refresh()
        return self._index

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    def get_ready_items(self, limit: int | None = None) -> list[WorkState]:
        rows, _ = self.index.ready(limit)
        return [_state(json.loads(r), self.root) for r in rows]

    def ready_count(self) -> int:
        return self.index.ready(0)[1]

    def list(
        self, *, status: str | None = None, queue: str | None = None, owner: str | None = None
    ) -> list[WorkState]:
        rows = self.index.rows(status=status, queue=queue, owner=owner)
        return [_state(json.loads(r), self.root) for r in rows]


def _state(row: dict[str, Any], root: str) -> WorkState:
    return WorkState(
        id=row["id"],
        title=row["title"],
        type=row["type"],
        status=row["status"],
        priority=row["priority"],
        current_node=row["node"],
        queue_position=row["queue"],
        cycle_phase=row.get("phase"),
        owner=row.get("owner"),
        created=row.get("created"),
        closed=None,
        path=os.path.join(root, row["path"]),
        blocked_by=tuple(row.get("blocked_by") or ()),
    )
