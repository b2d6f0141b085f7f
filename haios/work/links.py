"""Dependencies between items (kept symmetric, cycles refused) and renumbering after a merge."""

from __future__ import annotations

import os
from contextlib import suppress
from typing import Any

from haios.contracts import WorkState
from haios.errors import DependencyCycle, UsageError, WorkConflict, WorkNotFound
from haios.events import WorkUpdated
from haios.work import files, ids
from haios.work.store import Changes, ItemStore


class Links(ItemStore):
    """`blocked_by`/`blocks` on both items at once, and new ids for duplicated ones."""

    def block(self, work_id: str, blocker: str) -> WorkState:
        """`work_id` is blocked by `blocker`; both files say so, and a cycle is refused."""
        work_id, blocker = self.check_id(work_id), self.check_id(blocker)
        if work_id == blocker:
            raise UsageError(f"{work_id} cannot block itself")
        with self._lock("deps"):
            self._locate(work_id)
            self._locate(blocker)
            cycle = self._path_between(blocker, work_id)
            if cycle:
                chain = " → ".join([work_id, *cycle])
                raise DependencyCycle(
                    f"{work_id} blocked by {blocker} would close a dependency cycle: "
                    f"{chain} (each is blocked by the next)"
                )
            state = self._link(work_id, "blocked_by", blocker, add=True)
            self._link(blocker, "blocks", work_id, add=True)
        return state

    def unblock(self, work_id: str, blocker: str) -> WorkState:
        work_id, blocker = self.check_id(work_id), self.check_id(blocker)
        with self._lock("deps"):
            state = self._link(work_id, "blocked_by", blocker, add=False)
            # a dangling reference: removing our own side is all there is to do
            with suppress(WorkNotFound):
                self._link(blocker, "blocks", work_id, add=False)
        return state

    def _link(self, work_id: str, field: str, other: str, *, add: bool) -> WorkState:
        def change(state: WorkState, meta: dict[str, Any]) -> Changes | None:
            current = list(meta.get(field) or [])
            if add and other not in current:
                return {field: [*current, other]}
            if not add and other in current:
                return {field: [x for x in current if x != other]}
            return None

        verb = "+" if add else "-"
        return self._updated(work_id, change, field, f"{verb}{other}")

    def graph(self) -> dict[str, list[str]]:
        """id -> blocked_by ids, from the fresh index."""
        import json

        self.index.refresh()
        return {wid: json.loads(row)["blocked_by"] for wid, _, row in self.index.ids()}

    def _path_between(self, start: str, goal: str) -> list[str]:
        """A blocked_by path from `start` to `goal` (inclusive), or [] if there is none."""
        graph = self.graph()
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, path = stack.pop()
            if node == goal:
                return path
            if node in seen:
                continue
            seen.add(node)
            stack.extend((nxt, [*path, nxt]) for nxt in graph.get(node, []))
        return []

    # -- ids after a merge -------------------------------------------------------------------

    def renumber(self, work_id: str) -> dict[str, str]:
        """Give every duplicate of `work_id` but the oldest a new id; returns old key -> new id."""
        work_id = self.check_id(work_id)
        self.index.refresh()
        keys = self.index.keys_for(work_id)
        if len(keys) < 2:
            return {}
        states = sorted(
            ((self._state(files.read(self._path(k)).meta, self._path(k).parent), k) for k in keys),
            key=lambda sk: (sk[0].created or "", sk[1]),
        )
        kept, kept_key = states[0]
        moved = {key: self._move_to_new_id(state, key, kept) for state, key in states[1:]}
        self._settle_folder(kept_key, work_id)
        return moved

    def _settle_folder(self, key: str, work_id: str) -> None:
        """Give the kept copy its own id as folder name, once that name is free."""
        area, folder = key.split("/", 1)
        target = self.work_dir / area / work_id
        if folder != work_id and not target.exists():
            with self._lock(work_id):
                os.rename(self.work_dir / key, target)
            self.index.update(key)
            self.index.update(f"{area}/{work_id}")

    def _move_to_new_id(self, state: WorkState, key: str, kept: WorkState) -> str:
        area = key.split("/", 1)[0]
        with self._lock("ids"):
            new_id = ids.next_id(self.work_dir, self.settings.id_prefix, self.settings.id_digits)
            target = self.work_dir / area / new_id
            os.rename(self.work_dir / key, target)
            with self._lock(new_id):
                current = files.read(target / "WORK.md")
                files.write_atomic(target / "WORK.md", files.patch(current, {"id": new_id}))
        self.index.update(key)
        self.index.update(f"{area}/{new_id}")
        # Symmetry says who meant this copy: its own blocks/blocked_by lists name its partners
        # (a partner the kept copy also names stays with the kept copy).
        for field, reverse in (("blocks", "blocked_by"), ("blocked_by", "blocks")):
            for partner in set(getattr(state, field)) - set(getattr(kept, field)):
                self._replace_ref(partner, reverse, state.id, new_id)
        self._emit(WorkUpdated(new_id, "renumber", f"{state.id} ({key}) → {new_id}", self.session))
        return new_id

    def _replace_ref(self, work_id: str, field: str, old: str, new: str) -> None:
        def change(state: WorkState, meta: dict[str, Any]) -> Changes | None:
            current = list(meta.get(field) or [])
            if old not in current or new in current:
                return None
            return {field: [new if x == old else x for x in current]}

        # the partner may be gone or itself duplicated: doctor reports what is left
        with suppress(WorkNotFound, WorkConflict):
            self._updated(work_id, change, field, f"{old}→{new}")
