"""WorkEngine: the single writer of WORK.md frontmatter, and the lifecycle verbs on work items."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from string import Template
from typing import Any

from haios.contracts import WorkState
from haios.errors import HaiosError, InvalidTransition, UsageError, WorkConflict
from haios.events import (
    CycleCompleted,
    MemoryStored,
    NodeTransitioned,
    WorkClosed,
    WorkCreated,
    WorkUpdated,
)
from haios.log import log
from haios.project import packaged_defaults
from haios.work import documents, files, ids
from haios.work.links import Links
from haios.work.model import PRIORITIES
from haios.work.store import Changes, closed_entry, now

MAX_TITLE = 200


class WorkEngine(Links):
    """Create, move, queue, claim, close and link work items (see ItemStore for the safety)."""

    # -- creating ----------------------------------------------------------------------------

    def create(
        self,
        title: str,
        *,
        type: str | None = None,
        priority: str | None = None,
        blocked_by: Sequence[str] = (),
    ) -> WorkState:
        title = self._check_title(title)
        kind = type or self.settings.default_type
        if kind not in self.settings.types:
            raise UsageError(
                f"unknown type {kind!r}; types are: {', '.join(self.settings.types)}"
                " (set work.types in .claude/haios/config/haios.yaml)"
            )
        priority = priority or self.settings.default_priority
        if priority not in PRIORITIES:
            raise UsageError(
                f"unknown priority {priority!r}; priorities are: {', '.join(PRIORITIES)}"
            )
        blockers = list(dict.fromkeys(self.check_id(b) for b in blocked_by))
        for blocker in blockers:
            self._locate(blocker)
        at = now()
        with self._lock("ids"):
            work_id = ids.next_id(self.work_dir, self.settings.id_prefix, self.settings.id_digits)
            folder = self.work_dir / "active" / work_id
            folder.mkdir(parents=True)
        meta = {
            "id": work_id,
            "title": title,
            "type": kind,
            "status": "active",
            "priority": priority,
            "created": at,
            "owner": None,
            "queue_position": "backlog",
            "current_node": self.bindings.initial,
            "cycle_phase": None,
            "blocked_by": blockers,
            "blocks": [],
            "memory_refs": [],
            "node_history": [{"node": self.bindings.initial, "entered": at, "exited": None}],
        }
        with self._lock(work_id):
            files.write_atomic(
                folder / "WORK.md", files.render_new(meta, self._body(work_id, title))
            )
            self.index.update(f"active/{work_id}")
        self._emit(WorkCreated(work_id, title, self.bindings.initial))
        for blocker in blockers:
            self._link(blocker, "blocks", work_id, add=True)
        return self.get(work_id)

    def _check_title(self, title: str) -> str:
        title = " ".join(title.split())
        if not title or "\x00" in title or len(title) > MAX_TITLE:
            raise UsageError(f"a title must be 1 to {MAX_TITLE} characters of text")
        return title

    def _body(self, work_id: str, title: str) -> str:
        name = "work-template.md"
        override = self.project.config_dir / name
        template = (override if override.is_file() else packaged_defaults() / name).read_text(
            "utf-8"
        )
        return Template(template).safe_substitute(id=work_id, title=title)

    # -- moving ------------------------------------------------------------------------------

    def transition(self, work_id: str, target_node: str) -> WorkState:
        target = target_node.strip().lower()
        terminal = self.bindings.terminal

        def change(state: WorkState, meta: dict[str, Any]) -> Changes | None:
            if not state.is_open:
                raise InvalidTransition(f"{state.id} is {state.status}; closed items do not move")
            if state.current_node == target:
                return None
            self._policy.validate_transition(state.id, state.current_node, target)
            at = now()
            history = closed_entry(meta.get("node_history"), at)
            changes: Changes = {
                "current_node": target,
                "node_history": [*history, {"node": target, "entered": at, "exited": None}],
            }
            if target == terminal:
                changes.update(
                    status="complete", closed=at, **self._queue_changes(meta, "done", at)
                )
            return changes

        before, after, written = self._edit(work_id, change)
        if written:
            self._emit(NodeTransitioned(after.id, before.current_node, target, self.session))
            if target == terminal:
                self._emit(WorkClosed(after.id, after.memory_refs, after.status))
        return after

    def close(
        self, work_id: str, *, abandon_reason: str | None = None, archive: bool | None = None
    ) -> WorkState:
        state = self.get(work_id)
        if state.is_open and abandon_reason is not None:
            state = self._abandon(state.id, abandon_reason)
        elif state.is_open:
            for node in self._closing_route(state):
                state = self.transition(state.id, node)
        if archive if archive is not None else self.settings.archive_on_close:
            self._archive(state.id)
        return self.get(state.id)

    def _closing_route(self, state: WorkState) -> list[str]:
        """The moves that complete `state`, or InvalidTransition saying how to get there."""
        bindings, node = self.bindings, state.current_node
        if node in bindings.closable:
            return bindings.route(node, bindings.terminal)
        routes = [bindings.route(node, c) for c in bindings.closable]
        shortest = min((r for r in routes if r), key=len, default=[])
        moves = " then ".join(f"`haios work move {state.id} {n}`" for n in shortest)
        raise InvalidTransition(
            f"{state.id} is in {node}; close completes items in {' or '.join(bindings.closable)}"
            + (f": first {moves}" if moves else "")
            + f', or abandon it: `haios work close {state.id} --abandon --reason "…"`'
        )

    def _abandon(self, work_id: str, reason: str) -> WorkState:
        reason = " ".join(reason.split())
        if not reason:
            raise UsageError("--abandon needs a --reason saying why the item will not be done")

        def change(state: WorkState, meta: dict[str, Any]) -> Changes | None:
            if not state.is_open:
                return None
            at = now()
            return {
                "status": "abandoned",
                "closed": at,
                "closed_reason": reason,
                **self._queue_changes(meta, "done", at),
            }

        _, after, written = self._edit(work_id, change)
        if written:
            self._emit(WorkClosed(after.id, after.memory_refs, "abandoned"))
        return after

    def _archive(self, work_id: str) -> None:
        with self._lock(work_id):
            key = self._locate(work_id)
            if key.startswith("archive/"):
                return
            target = self.work_dir / "archive" / work_id
            if target.exists():
                raise WorkConflict(f"{target}: already exists; cannot archive {work_id} over it")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(self.work_dir / key), str(target))
            self.index.update(key)
            self.index.update(f"archive/{work_id}")
        self._emit(WorkUpdated(work_id, "archive", f"{key} → archive/{work_id}", self.session))

    # -- queue and claims --------------------------------------------------------------------

    @staticmethod
    def _queue_changes(meta: dict[str, Any], position: str, at: str) -> Changes:
        history = meta.get("queue_history")
        if not isinstance(history, list) or not history:
            history = [
                {
                    "position": str(meta.get("queue_position") or "backlog"),
                    "entered": meta.get("created"),
                    "exited": None,
                }
            ]
        history = closed_entry(history, at)
        return {
            "queue_position": position,
            "queue_history": [*history, {"position": position, "entered": at, "exited": None}],
        }

    def queue(self, work_id: str, position: str) -> WorkState:
        position = position.strip().lower()
        allowed = ("parked", "backlog", "ready")
        if position not in allowed:
            hint = {"working": "use `haios work claim ID`", "done": "use `haios work close ID`"}
            raise UsageError(
                f"cannot queue to {position!r}: "
                f"{hint.get(position, 'positions are ' + ', '.join(allowed))}"
            )

        def change(state: WorkState, meta: dict[str, Any]) -> Changes | None:
            if not state.is_open:
                raise WorkConflict(f"{state.id} is {state.status}; its queue position stays done")
            if state.queue_position == position:
                return None
            if state.queue_position == "working":
                raise WorkConflict(
                    f"{state.id} is claimed by {state.owner}; `haios work release {state.id}` first"
                )
            return self._queue_changes(meta, position, now())

        return self._updated(work_id, change, "queue", position)

    def claim(self, work_id: str, owner: str) -> WorkState:
        def change(state: WorkState, meta: dict[str, Any]) -> Changes | None:
            if not state.is_open:
                raise WorkConflict(f"{state.id} is {state.status}; only open items can be claimed")
            if state.queue_position == "working":
                if state.owner == owner:
                    return None
                raise WorkConflict(f"{state.id} is already claimed by {state.owner}")
            return {"owner": owner, **self._queue_changes(meta, "working", now())}

        return self._updated(work_id, change, "claim", owner)

    def release(self, work_id: str, owner: str, *, force: bool = False) -> WorkState:
        def change(state: WorkState, meta: dict[str, Any]) -> Changes | None:
            if state.queue_position != "working":
                return None
            if state.owner != owner and not force:
                raise WorkConflict(
                    f"{state.id} is claimed by {state.owner}, not {owner}; "
                    "pass --force to take the claim away"
                )
            return {"owner": None, **self._queue_changes(meta, "backlog", now())}

        return self._updated(work_id, change, "release", owner)

    def claim_next(self, owner: str) -> WorkState | None:
        """Claim the top ready item; several agents at once never get the same one."""
        import json

        with self._lock("claim-next"):
            self.index.refresh()
            for row in self.index.ready(None)[0]:
                try:
                    return self.claim(json.loads(row)["id"], owner)
                except WorkConflict:
                    continue
        return None

    # -- fields other modules own the meaning of ---------------------------------------------

    def update_memory_refs(self, work_id: str, refs: Sequence[int | str]) -> WorkState:
        def change(state: WorkState, meta: dict[str, Any]) -> Changes | None:
            new = [r for r in dict.fromkeys(refs) if r not in state.memory_refs]
            return {"memory_refs": [*list(meta.get("memory_refs") or []), *new]} if new else None

        return self._updated(work_id, change, "memory_refs", ",".join(map(str, refs)))

    def link_memories(self, sender: object, *, event: MemoryStored) -> None:
        """Receiver of MemoryStored: add the memories to the item's memory_refs (an item that
        is gone is not an error of the store that named it)."""
        try:
            self.update_memory_refs(event.work_id, event.memory_ids)
        except HaiosError as exc:
            log("warning", "memory refs not linked", work_id=event.work_id, error=str(exc))

    def set_cycle_phase(
        self, work_id: str, phase: str | None, cycle: str | None = None
    ) -> WorkState:
        """Set the item's phase; `cycle` records the cycle it belongs to (a phase name can be
        in several). Clearing the phase clears the cycle; a phase set without a cycle keeps
        the recorded one."""
        value = phase.strip().lower() if phase else None
        if value is not None and value not in self.settings.cycle_phases:
            raise UsageError(
                f"unknown cycle phase {phase!r}; phases are: "
                f"{', '.join(self.settings.cycle_phases)}"
            )

        def change(state: WorkState, meta: dict[str, Any]) -> Changes | None:
            changes: Changes = {}
            if state.cycle_phase != value:
                changes["cycle_phase"] = value
            owner = cycle if value is not None else None
            if (cycle is not None or value is None) and state.cycle != owner:
                changes["cycle"] = owner
            return changes or None

        shown = f"{cycle}/{value}" if cycle and value else str(value)
        return self._updated(work_id, change, "cycle_phase", shown)

    # -- reacting to cycles ------------------------------------------------------------------

    def cycle_completed(self, sender: object, event: CycleCompleted) -> None:
        """Move the item where its node's binding says a completed cycle leads (`then:` in
        node-bindings.yaml). A move the lifecycle refuses is logged, never raised: the cycle
        is complete either way, and `haios work move` remains."""
        try:
            state = self.get(event.work_id)
            rule = self.bindings.nodes.get(state.current_node)
            if state.is_open and rule and rule.cycle == event.cycle and rule.then:
                self.transition(state.id, rule.then)
        except HaiosError as exc:
            log("warning", "no move after the cycle", work=event.work_id, error=str(exc))

    # -- documents in the item's folder --------------------------------------------------------

    def add_document(self, work_id: str, kind: str) -> tuple[WorkState, str, bool]:
        """Create the item's `kind` document (PLAN.md, …) from its template with every section a
        gate checks; an existing one is left as it is. (state, file name, whether created)."""
        name, sections = documents.resolve(kind, self.gates)
        state = self.get(work_id)
        with self._lock(state.id):
            folder = self.work_dir / self._locate(state.id)
            path = folder / name
            if path.exists():
                return state, name, False
            text = documents.render(
                documents.template(self.project, documents.kind_of(name)),
                name,
                sections,
                state.id,
                state.title,
            )
            files.write_atomic(path, text)
        self._emit(WorkUpdated(state.id, "document", f"+{name}", self.session))
        return self.get(state.id), name, True
