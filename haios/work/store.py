"""The plumbing every WorkEngine write goes through: locate, lock, re-read, patch, write.

Every change is taken under the item's lock, re-read from disk, applied to the raw frontmatter
(so unknown and legacy keys survive), written atomically, and re-applied when the file changed by
hand in between. Events go out after the write, never before.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from haios.config import Config
from haios.contracts import WorkState
from haios.errors import WorkConflict, WorkNotFound
from haios.events import Payload, WorkUpdated, emit
from haios.log import log
from haios.project import Project
from haios.work import files, ids, model
from haios.work.index import Index, open_index

if TYPE_CHECKING:
    from haios.contracts import TransitionPolicy

Changes = dict[str, Any]
Change = Callable[[WorkState, dict[str, Any]], Changes | None]
_RETRIES = 3
LOCK_WAIT = 60


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def closed_entry(history: Any, at: str, key: str = "exited") -> list[Any]:
    """A copy of a raw history list with its open last entry closed at `at`."""
    entries = list(history) if isinstance(history, list) else []
    if entries and isinstance(entries[-1], dict) and not entries[-1].get(key):
        entries[-1] = {**entries[-1], key: at}
    return entries


class ItemStore:
    """Reads items and applies changes to them safely; WorkEngine builds its verbs on this."""

    def __init__(
        self, project: Project, config: Config, policy: TransitionPolicy, session: str
    ) -> None:
        self.project = project
        self.settings = config.haios.work
        self.gates = config.gates.gates
        self.bindings = config.node_bindings
        self.work_rel = config.haios.paths.work_dir
        self.work_dir = project.root / self.work_rel
        self._policy = policy
        self.session = session
        self._index: Index | None = None

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def index(self) -> Index:
        if self._index is None:
            self._index = open_index(
                self.project.state_dir,
                self.project.root,
                self.work_rel,
                self.settings.default_type,
                self.bindings.nodes,
            )
        return self._index

    def close_index(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None

    @contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        """Hold `locks/<name>.lock`; after LOCK_WAIT seconds say who to look for, never hang."""
        folder = self.project.state_dir / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(folder / f"{name}.lock"))
        try:
            lock.acquire(timeout=LOCK_WAIT)
        except Timeout:
            raise WorkConflict(
                f"{name}: still locked by another haios process after {LOCK_WAIT} s; "
                f"try again, or if no haios is running, delete {folder / name}.lock"
            ) from None
        try:
            yield
        finally:
            lock.release()

    def check_id(self, work_id: str) -> str:
        return ids.check(work_id, self.settings.id_prefix, self.settings.id_digits)

    def _locate(self, work_id: str) -> str:
        """The index key (`area/folder`) of the one item with this id."""
        direct = [
            f"{a}/{work_id}"
            for a in ("active", "archive")
            if (self.work_dir / a / work_id / "WORK.md").is_file()
        ]
        if len(direct) == 1:
            return direct[0]
        self.index.refresh()
        keys = self.index.keys_for(work_id) or direct
        if not keys:
            raise WorkNotFound(f"{work_id}: no such work item; `haios work list` shows them all")
        if len(keys) > 1:
            raise WorkConflict(
                f"{work_id}: the id is used by {len(keys)} items ({', '.join(keys)});"
                f" run `haios work renumber {work_id}`"
            )
        return keys[0]

    def _path(self, key: str) -> Path:
        return self.work_dir / key / "WORK.md"

    def _state(self, meta: dict[str, Any], folder: Path, documents: bool = False) -> WorkState:
        return model.to_state(
            meta,
            folder,
            default_type=self.settings.default_type,
            nodes=self.bindings.nodes,
            with_documents=documents,
        )

    def _emit(self, event: Payload) -> None:
        emit(self, event)

    def _edit(self, work_id: str, change: Change) -> tuple[WorkState, WorkState, bool]:
        """Apply `change` under the item's lock: (before, after, whether anything was written)."""
        work_id = self.check_id(work_id)
        with self._lock(work_id):
            key = self._locate(work_id)
            path = self._path(key)
            files.remove_leftovers(path)
            for _ in range(_RETRIES):
                current = files.read(path)
                before = self._state(current.meta, path.parent)
                changes = change(before, current.meta)
                if not changes:
                    return before, before, False
                text = files.patch(current, changes)
                st = os.stat(path)
                if files.stamp_of(st) != current.stamp:
                    log("warning", "changed by hand while updating; re-applying", path=str(path))
                    continue
                files.write_atomic(path, text, st.st_mode & 0o777)
                log("debug", "wrote", path=str(path), keys=sorted(changes))
                break
            else:
                raise WorkConflict(f"{path}: kept changing while being updated; try again")
            self.index.update(key)
            after = self._state({**current.meta, **changes}, path.parent)
            return before, after, True

    # -- reading -----------------------------------------------------------------------------

    def get(self, work_id: str) -> WorkState:
        work_id = self.check_id(work_id)
        path = self._path(self._locate(work_id))
        return self._state(files.read(path).meta, path.parent, documents=True)

    def get_ready_items(self, limit: int | None = None) -> list[WorkState]:
        import json

        self.index.refresh()
        rows, _ = self.index.ready(limit)
        return [self.get(json.loads(row)["id"]) for row in rows]

    def ready_count(self) -> int:
        self.index.refresh()
        return self.index.ready(0)[1]

    def list(
        self, *, status: str | None = None, queue: str | None = None, owner: str | None = None
    ) -> list[WorkState]:
        """Items matching every filter given, best first."""
        import json

        self.index.refresh()
        rows = self.index.rows(status=status, queue=queue, owner=owner)
        return [self.get(json.loads(row)["id"]) for row in rows]

    def _updated(
        self,
        work_id: str,
        change: Change,
        what: str,
        detail: str,
    ) -> WorkState:
        _, after, written = self._edit(work_id, change)
        if written:
            self._emit(WorkUpdated(after.id, what, detail, self.session))
        return after
