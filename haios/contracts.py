"""The typed values and narrow Protocols through which the five modules meet.

Values are frozen dataclasses (cheap to import, easy to serialise); modules depend on the
Protocols, and `haios.runtime` wires the implementations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Status = Literal["active", "complete", "abandoned"]
QueuePosition = Literal["parked", "backlog", "ready", "working", "done"]
QUEUE_POSITIONS: tuple[QueuePosition, ...] = ("parked", "backlog", "ready", "working", "done")
STATUSES: tuple[Status, ...] = ("active", "complete", "abandoned")


@dataclass(frozen=True)
class NodeEntry:
    """One stay of a work item in a lifecycle node."""

    node: str
    entered: str | None
    exited: str | None = None


@dataclass(frozen=True)
class QueueEntry:
    """One stay of a work item at a queue position."""

    position: str
    entered: str | None
    exited: str | None = None


@dataclass(frozen=True)
class WorkState:
    """A work item as WorkEngine reads it: normalised fields, plus everything else kept verbatim."""

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
    documents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    closed_reason: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    legacy: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_open(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class GateResult:
    """Whether one gate passed, and if not, what failed and how to fix it."""

    gate_id: str
    passed: bool
    reason: str = ""


@dataclass(frozen=True)
class GateContext:
    """What a gate may look at: the item, the project root, and the status of its blockers."""

    work: WorkState
    root: str
    blockers: Mapping[str, str] = field(default_factory=dict)  # id -> status ("missing")


Outcome = Literal["running", "completed", "blocked", "chain"]


@dataclass(frozen=True)
class CycleResult:
    """Where a cycle stands after a step: `running` in `final_phase`, `blocked` there by the
    failed gates, or finished (`completed`, or `chain` naming `next_cycle`)."""

    cycle_id: str
    final_phase: str
    outcome: Outcome
    gate_results: tuple[GateResult, ...] = ()
    next_cycle: str | None = None

    @property
    def failed(self) -> tuple[GateResult, ...]:
        return tuple(g for g in self.gate_results if not g.passed)


@dataclass(frozen=True)
class QueryResult:
    """What memory knows about a query; `degraded` (with the reason) when it could not ask."""

    concepts: tuple[Mapping[str, Any], ...] = ()
    strategies: tuple[Mapping[str, Any], ...] = ()
    reasoning_trace: str = ""
    degraded: bool = False
    degraded_reason: str = ""
    next_offset: int | None = None


@dataclass(frozen=True)
class StoreResult:
    """What storing one learning did. Degraded: the server was not reached and the write waits
    in the outbox under the idempotency key `queued`."""

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


@dataclass(frozen=True)
class GroundedContext:
    session_number: int
    prior_session: int | None
    l0_north_star: str = ""
    l1_invariants: str = ""
    l2_operational: str = ""
    l3_session: str = ""
    strategies: tuple[str, ...] = ()
    ready_work: tuple[WorkState, ...] = ()


class TransitionPolicy(Protocol):
    """What WorkEngine asks of GovernanceLayer before moving an item."""

    def validate_transition(self, work_id: str, from_node: str, to_node: str) -> None:
        """Return when the move is allowed; raise InvalidTransition naming the allowed targets."""
        ...


class WorkEngineAPI(Protocol):
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
    def get_ready_items(self, limit: int | None = None) -> list[WorkState]: ...
    def update_memory_refs(self, work_id: str, refs: Sequence[int | str]) -> WorkState: ...
    def set_cycle_phase(self, work_id: str, phase: str | None) -> WorkState: ...


class GovernanceAPI(TransitionPolicy, Protocol):
    def check_gate(self, gate_id: str, context: GateContext) -> GateResult:
        """Never raises: a gate that cannot be checked fails, saying why."""
        ...


class CycleRunnerAPI(Protocol):
    def run(
        self, cycle_id: str, work_context: WorkState, current_phase: str | None = None
    ) -> CycleResult: ...
    def enter(self, cycle_id: str, work: WorkState, phase: str | None = None) -> CycleResult: ...
    def check(self, cycle_id: str, work: WorkState) -> CycleResult: ...
    def advance(self, cycle_id: str, work: WorkState) -> CycleResult: ...
    def resume(self, work: WorkState, cycle_id: str | None = None) -> CycleResult: ...


class MemoryBridgeAPI(Protocol):
    def query(self, query: str, mode: str = "semantic", *, limit: int = 5) -> QueryResult: ...
    def store(self, content: str, source_path: str, work_id: str | None = None) -> StoreResult: ...


class ContextLoaderAPI(Protocol):
    def load(self, trigger: str) -> GroundedContext: ...
