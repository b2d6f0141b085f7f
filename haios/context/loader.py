"""ContextLoader: what a session is told when it starts, grounded in files and live state.

L0 (north star) and L1 (invariants) come from `.claude/config/`, L2 from the live work state and
the roadmap, L3 from the latest checkpoint and the work in progress; strategies come from
MemoryBridge (`session_recovery`, served from its digest), ready work from WorkEngine. A missing
file, a broken checkpoint or a memory that does not answer degrades the context, with a note;
it never stops it.
"""

from __future__ import annotations

import os
import threading
import time

from haios.context import sections as build
from haios.context.budget import fit
from haios.context.checkpoints import Checkpoint, latest
from haios.context.sessions import SessionStore
from haios.contracts import GroundedContext, QueryResult

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from haios.contracts import MemoryReaderAPI, WorkReaderAPI, WorkState

TRIGGERS = {  # trigger -> the SessionStart source Claude Code names it by
    "coldstart": "startup",
    "session_recovery": "compact",
    "resume": "resume",
    "clear": "clear",
}
SOURCES = {source: trigger for trigger, source in TRIGGERS.items()}
TIERS = ("full", "light", "minimal")
CONTEXT_DIR = ".claude/config"


class Rendered:
    """The text a session gets, and for each section what was kept, left out, and why."""

    def __init__(self, context: GroundedContext, text: str, rows: list[dict[str, Any]]) -> None:
        self.context = context
        self.text = text
        self.rows = rows


class ContextLoader:
    """Loads and renders the grounded context of one project for one Claude Code session id."""

    def __init__(
        self,
        root: str,
        config: Mapping[str, Any],
        work: WorkReaderAPI,
        memory: MemoryReaderAPI,
        session_id: str,
        started: Callable[[int, int | None], None] | None = None,
    ) -> None:
        """`started(number, prior)` is called when a session starts, instead of emitting
        SessionStarted: for a caller that only journals the event and would rather not import
        blinker (the SessionStart hook)."""
        self.root = root
        self.settings = config["thresholds"]["coldstart"]
        self.checkpoints_dir = os.path.join(root, config["haios"]["paths"]["checkpoints_dir"])
        self.work = work
        self.memory = memory
        self.session_id = session_id
        self.started = started
        self.sessions = SessionStore(
            os.path.join(root, ".claude", "haios", "state"), self.checkpoints_dir
        )

    # -- loading -----------------------------------------------------------------------------

    def load(
        self, trigger: str = "coldstart", tier: str | None = None, start: bool = True
    ) -> GroundedContext:
        """The grounded context. With `start`, this session is recorded (a new session id gets
        the next number and SessionStarted is emitted); without, an unknown id only previews
        the number it would get."""
        if trigger not in TRIGGERS:
            raise ValueError(f"unknown trigger {trigger!r}; one of {', '.join(TRIGGERS)}")
        number, prior, orphans = self._number(trigger, start)
        checkpoint = latest(self.checkpoints_dir, number, self.sessions.names_cache)
        tier = tier or self._tier(trigger, checkpoint)
        notes: list[str] = []
        held, active = self._work(notes)
        files = {
            name: build.read_context_file(self._path(name), self.settings["max_file_bytes"], notes)
            for name in ("north-star.md", "invariants.md", "roadmap.md")
        }
        strategies = self._strategies(notes) if tier != "minimal" else ()
        ready, ready_total = self._ready(notes) if tier != "minimal" else ((), 0)
        context = GroundedContext(
            session_number=number,
            prior_session=prior,
            l0_north_star=files["north-star.md"],
            l1_invariants=files["invariants.md"],
            l2_operational="\n".join(build.operational(active, ready_total)),
            l3_session="\n".join(build.session_lines(held, checkpoint, self.root)),
            strategies=strategies,
            ready_work=ready,
            trigger=trigger,
            tier=tier,
            roadmap=files["roadmap.md"],
            warnings=tuple(build.warnings(checkpoint, orphans, self.root)),
            notes=tuple(notes),
            checkpoint=os.path.relpath(checkpoint.path, self.root) if checkpoint else None,
            ready_total=ready_total,
        )
        return context

    def _number(self, trigger: str, start: bool) -> tuple[int, int | None, list[dict[str, Any]]]:
        if start:
            after = 60 * self.settings["orphan_after_minutes"]
            record, orphans = self.sessions.start(self.session_id, TRIGGERS[trigger], after)
            if record["sources"] == [TRIGGERS[trigger]]:  # a new number: the session starts
                self._announce(record["number"], record["prior"])
            return record["number"], record["prior"], orphans
        known = self.sessions.get(self.session_id)
        if known is not None:
            return known["number"], known["prior"], []
        number = self.sessions.next_number()
        return number, (number - 1) or None, []

    def _announce(self, number: int, prior: int | None) -> None:
        if self.started is not None:
            self.started(number, prior)
            return
        from haios.events import SessionStarted, emit  # blinker: only when one starts

        emit(self, SessionStarted(number, prior))

    def _tier(self, trigger: str, checkpoint: Checkpoint | None) -> str:
        if trigger == "session_recovery":
            return "minimal"
        recent = 3600 * self.settings["recent_checkpoint_hours"]
        if checkpoint is not None and time.time() - checkpoint.mtime <= recent:
            return "light"
        return "full"

    def _path(self, name: str) -> str:
        return os.path.join(self.root, CONTEXT_DIR, name)

    def _work(self, notes: list[str]) -> tuple[WorkState | None, list[WorkState]]:
        try:
            active = [w for w in self.work.list(status="active", queue="working") if w.owner]
        except Exception as exc:  # the work index is derived: a failure degrades, never blocks
            notes.append(f"work items: not read ({type(exc).__name__}: {exc})"[:200])
            return None, []
        mine = [w for w in active if w.owner == self.session_id]
        held = mine[0] if mine else (active[0] if len(active) == 1 else None)
        return held, active

    def _ready(self, notes: list[str]) -> tuple[tuple[WorkState, ...], int]:
        try:
            ready = tuple(self.work.get_ready_items(self.settings["ready_items"]))
            return ready, self.work.ready_count()
        except Exception as exc:
            notes.append(f"ready work: not read ({type(exc).__name__}: {exc})"[:200])
            return (), 0

    def _strategies(self, notes: list[str]) -> tuple[str, ...]:
        """Strategies from memory, waiting at most `memory_timeout_ms`."""
        box: list[QueryResult | BaseException] = []

        def ask() -> None:
            try:
                box.append(self.memory.query("", mode="session_recovery"))
            except BaseException as exc:  # reported as a note below
                box.append(exc)

        wait = self.settings["memory_timeout_ms"] / 1000
        thread = threading.Thread(target=ask, daemon=True)
        thread.start()
        thread.join(wait)
        if not box:
            notes.append(f"memory: no answer within {wait:g} s; strategies left out")
            return ()
        result = box[0]
        if isinstance(result, BaseException):
            notes.append(f"memory: unavailable ({type(result).__name__}); strategies left out")
            return ()
        if result.degraded:
            notes.append(f"memory: degraded ({result.reasoning_trace or 'no reason given'})")
        return build.strategy_lines(result.strategies, self.settings["strategies"])

    # -- rendering ---------------------------------------------------------------------------

    def render(self, context: GroundedContext) -> Rendered:
        """The context as text within the budgets of thresholds.yaml `coldstart`."""
        parts = build.sections(context, self.root, CONTEXT_DIR)
        text, rows = fit(
            parts,
            self.settings["budget_tokens"],
            self.settings["max_chars"],
            self.settings["essentials_chars"],
        )
        return Rendered(context, text, rows)
