"""Every signal of haios, in one blinker Namespace, each with one frozen payload type.

Signals notify; they never decide. Receivers are module-level functions or long-lived bound
methods, must not depend on order, and handle their own errors.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from blinker import NamedSignal, Namespace

haios_signals = Namespace()


@dataclass(frozen=True)
class SessionStarted:
    session: int
    prior: int | None


@dataclass(frozen=True)
class WorkCreated:
    id: str
    title: str
    node: str


@dataclass(frozen=True)
class NodeTransitioned:
    id: str
    from_node: str
    to_node: str
    session: str


@dataclass(frozen=True)
class WorkClosed:
    id: str
    memory_refs: tuple[int | str, ...]
    status: str = "complete"


@dataclass(frozen=True)
class WorkUpdated:
    """Any other change WorkEngine made to an item: queue, claim, dependencies, refs, id."""

    id: str
    change: str
    detail: str
    session: str


@dataclass(frozen=True)
class MemoryStored:
    """MemoryBridge stored learnings that came from a work item (WorkEngine links them)."""

    work_id: str
    memory_ids: tuple[int, ...]
    source_path: str


@dataclass(frozen=True)
class PhaseEntered:
    cycle: str
    phase: str
    work_id: str


@dataclass(frozen=True)
class GatePassed:
    gate_id: str
    outcome: str


@dataclass(frozen=True)
class CycleCompleted:
    cycle: str
    work_id: str
    outcome: str


Payload = (
    SessionStarted
    | WorkCreated
    | NodeTransitioned
    | WorkClosed
    | WorkUpdated
    | MemoryStored
    | PhaseEntered
    | GatePassed
    | CycleCompleted
)

SIGNALS: dict[type[Any], NamedSignal] = {
    kind: haios_signals.signal(kind.__name__)
    for kind in (
        SessionStarted,
        WorkCreated,
        NodeTransitioned,
        WorkClosed,
        WorkUpdated,
        MemoryStored,
        PhaseEntered,
        GatePassed,
        CycleCompleted,
    )
}


def emit(sender: object, event: Payload) -> None:
    """Send `event` on its signal; receivers get `(sender, event=event)`."""
    SIGNALS[type(event)].send(sender, event=event)


def payload_dict(event: Payload) -> dict[str, Any]:
    return asdict(event)
