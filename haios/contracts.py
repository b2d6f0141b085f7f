"""The typed values and narrow Protocols through which the five modules meet.

Values are immutable named tuples; modules depend on the Protocols, and `haios.runtime` wires the
implementations. The SessionStart hook builds some of these values, and a hook is a new process
whose cost is mostly its imports, so this module imports neither `typing` nor `dataclasses`
(~18 ms together): each value is declared for the type checker as a NamedTuple class and made with
collections.namedtuple at run time, with the same fields and defaults (a test compares the two);
the Protocols and the Literal types exist for the type checker only.
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, Literal, NamedTuple, Protocol

    Status = Literal["active", "complete", "abandoned"]
    QueuePosition = Literal["parked", "backlog", "ready", "working", "done"]
    Outcome = Literal["running", "completed", "blocked", "chain"]

QUEUE_POSITIONS: tuple[QueuePosition, ...] = ("parked", "backlog", "ready", "working", "done")
STATUSES: tuple[Status, ...] = ("active", "complete", "abandoned")

if TYPE_CHECKING:

    class NodeEntry(NamedTuple):
        """One stay of a work item in a lifecycle node."""

        node: str
        entered: str | None
        exited: str | None = None

    class QueueEntry(NamedTuple):
        """One stay of a work item at a queue position."""

        position: str
        entered: str | None
        exited: str | None = None

    class _WorkFields(NamedTuple):
        id: str
        title: str
        type: str
        status: Status
        priority: str
        current_node: str
        queue_position: QueuePosition
        cycle_phase: str | None
        owner: str | None
        created: str | None
        closed: str | None
        path: str
        blocked_by: tuple[str, ...] = ()
        blocks: tuple[str, ...] = ()
        memory_refs: tuple[int | str, ...] = ()
        node_history: tuple[NodeEntry, ...] = ()
        queue_history: tuple[QueueEntry, ...] = ()
        documents: Mapping[str, tuple[str, ...]] = {}
        closed_reason: str | None = None
        cycle: str | None = None  # the cycle `cycle_phase` belongs to, when a cycle set it
        extra: Mapping[str, Any] = {}
        legacy: Mapping[str, Any] = {}

    class GateResult(NamedTuple):
        """Whether one gate passed, and if not, what failed and how to fix it. A gate that does
        not apply to the item (its tier, or it touches no code) passes `skipped`, saying why."""

        gate_id: str
        passed: bool
        reason: str = ""
        skipped: bool = False

    class GateContext(NamedTuple):
        """What a gate may look at: the item, the project root, and the status of its
        blockers."""

        work: WorkState
        root: str
        blockers: Mapping[str, str] = {}  # id -> status ("missing")
        run_commands: bool = True  # False where nothing may be started (a hook): command gates pass

    class _CycleFields(NamedTuple):
        cycle_id: str
        final_phase: str
        outcome: Outcome
        gate_results: tuple[GateResult, ...] = ()
        next_cycle: str | None = None

    class Route(NamedTuple):
        """What comes next: the cycle to run on which item, and why; no cycle means wait for
        the user."""

        cycle_id: str | None
        work_id: str | None
        reason: str

    class QueryResult(NamedTuple):
        """What memory knows about a query; `degraded` (with the reason) when it could not
        ask."""

        concepts: tuple[Mapping[str, Any], ...] = ()
        strategies: tuple[Mapping[str, Any], ...] = ()
        reasoning_trace: str = ""
        degraded: bool = False
        degraded_reason: str = ""
        next_offset: int | None = None

    class StoreResult(NamedTuple):
        """What storing one learning did. Degraded: the server was not reached and the write
        waits in the outbox under the idempotency key `queued`."""

        concept_ids: tuple[int, ...] = ()
        entity_ids: tuple[int, ...] = ()
        classification: str = ""
        reason: str = ""
        duplicate: bool = False
        superseded: tuple[int, ...] = ()
        work_id: str | None = None
        degraded: bool = False
        degraded_reason: str = ""
        queued: str | None = None

    class GroundedContext(NamedTuple):
        """What a session starts from: L0–L3 as text, strategies from memory, ready work; then
        how it was loaded (trigger, tier), what must be seen first (warnings) and what was
        skipped."""

        session_number: int
        prior_session: int | None
        l0_north_star: str = ""
        l1_invariants: str = ""
        l2_operational: str = ""
        l3_session: str = ""
        strategies: tuple[str, ...] = ()
        ready_work: tuple[WorkState, ...] = ()
        trigger: str = "coldstart"
        tier: str = "full"
        roadmap: str = ""
        warnings: tuple[str, ...] = ()  # orphaned sessions, pending items and drift: shown first
        notes: tuple[str, ...] = ()  # what was skipped or degraded, one line each
        checkpoint: str | None = None  # the latest checkpoint, relative to the project
        ready_total: int = 0

else:
    NodeEntry = namedtuple("NodeEntry", "node entered exited", defaults=(None,))
    QueueEntry = namedtuple("QueueEntry", "position entered exited", defaults=(None,))
    _WorkFields = namedtuple(
        "_WorkFields",
        "id title type status priority current_node queue_position cycle_phase owner created "
        "closed path blocked_by blocks memory_refs node_history queue_history documents "
        "closed_reason cycle extra legacy",
        defaults=((), (), (), (), (), {}, None, None, {}, {}),
    )
    GateResult = namedtuple("GateResult", "gate_id passed reason skipped", defaults=("", False))
    GateContext = namedtuple("GateContext", "work root blockers run_commands", defaults=({}, True))
    _CycleFields = namedtuple(
        "_CycleFields",
        "cycle_id final_phase outcome gate_results next_cycle",
        defaults=((), None),
    )
    Route = namedtuple("Route", "cycle_id work_id reason")
    QueryResult = namedtuple(
        "QueryResult",
        "concepts strategies reasoning_trace degraded degraded_reason next_offset",
        defaults=((), (), "", False, "", None),
    )
    StoreResult = namedtuple(
        "StoreResult",
        "concept_ids entity_ids classification reason duplicate superseded work_id degraded "
        "degraded_reason queued",
        defaults=((), (), "", "", False, (), None, False, "", None),
    )
    GroundedContext = namedtuple(
        "GroundedContext",
        "session_number prior_session l0_north_star l1_invariants l2_operational l3_session "
        "strategies ready_work trigger tier roadmap warnings notes checkpoint ready_total",
        defaults=("", "", "", "", (), (), "coldstart", "full", "", (), (), None, 0),
    )


class WorkState(_WorkFields):
    """A work item as WorkEngine reads it: normalised fields, plus everything else kept verbatim."""

    __slots__ = ()

    @property
    def is_open(self) -> bool:
        return self.status == "active"


class CycleResult(_CycleFields):
    """Where a cycle stands after a step: `running` in `final_phase`, `blocked` there by the
    failed gates, or finished (`completed`, or `chain` naming `next_cycle`)."""

    __slots__ = ()

    @property
    def failed(self) -> tuple[GateResult, ...]:
        return tuple(g for g in self.gate_results if not g.passed)


if TYPE_CHECKING:

    class TransitionPolicy(Protocol):
        """What WorkEngine asks of GovernanceLayer before moving an item."""

        def validate_transition(self, work_id: str, from_node: str, to_node: str) -> None:
            """Return when the move is allowed; raise InvalidTransition naming the allowed
            targets."""
            ...

    class WorkReaderAPI(Protocol):
        """The reads ContextLoader needs; WorkEngine gives them, and so does the index's light
        reader, which a session start uses to stay fast."""

        def get_ready_items(self, limit: int | None = None) -> list[WorkState]: ...
        def ready_count(self) -> int: ...
        def list(
            self, *, status: str | None = None, queue: str | None = None, owner: str | None = None
        ) -> list[WorkState]: ...

    class WorkEngineAPI(WorkReaderAPI, Protocol):
        def create(
            self,
            title: str,
            *,
            type: str | None = None,
            priority: str | None = None,
            blocked_by: Sequence[str] = (),
        ) -> WorkState: ...
        def get(self, work_id: str) -> WorkState: ...
        def transition(self, work_id: str, target_node: str) -> WorkState: ...
        def close(self, work_id: str, *, abandon_reason: str | None = None) -> WorkState: ...
        def update_memory_refs(self, work_id: str, refs: Sequence[int | str]) -> WorkState: ...
        def set_cycle_phase(
            self, work_id: str, phase: str | None, cycle: str | None = None
        ) -> WorkState: ...

    class GovernanceAPI(TransitionPolicy, Protocol):
        def check_gate(self, gate_id: str, context: GateContext) -> GateResult:
            """Never raises: a gate that cannot be checked fails, saying why."""
            ...

    class CycleRunnerAPI(Protocol):
        def run(
            self, cycle_id: str, work_context: WorkState, current_phase: str | None = None
        ) -> CycleResult: ...
        def enter(
            self, cycle_id: str, work: WorkState, phase: str | None = None
        ) -> CycleResult: ...
        def check(
            self, cycle_id: str, work: WorkState, run_commands: bool = True
        ) -> CycleResult: ...
        def advance(self, cycle_id: str, work: WorkState) -> CycleResult: ...
        def resume(self, work: WorkState, cycle_id: str | None = None) -> CycleResult: ...
        def route(self, ready: Sequence[WorkState]) -> Route: ...

    class MemoryReaderAPI(Protocol):
        """The read ContextLoader needs; MemoryBridge gives it, and so does the digest reader a
        session start uses (haios.memory.digest.DigestMemory)."""

        def query(self, query: str, mode: str = "semantic", *, limit: int = 5) -> QueryResult: ...

    class MemoryBridgeAPI(MemoryReaderAPI, Protocol):
        def store(
            self, content: str, source_path: str, work_id: str | None = None
        ) -> StoreResult: ...

    class ContextLoaderAPI(Protocol):
        def load(
            self, trigger: str = "coldstart", tier: str | None = None, start: bool = True
        ) -> GroundedContext: ...
