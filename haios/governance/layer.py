"""The GovernanceLayer object the runtime wires: lifecycle rules and the journal receiver."""

from __future__ import annotations

from haios.config import NodeBindings
from haios.errors import InvalidTransition
from haios.events import Payload, payload_dict
from haios.governance.journal import Journal
from haios.log import log


class GovernanceLayer:
    """Validates lifecycle moves against `node-bindings.yaml` and journals every event."""

    def __init__(self, bindings: NodeBindings, journal: Journal, session: str) -> None:
        self._bindings = bindings
        self._journal = journal
        self._session = session

    def validate_transition(self, work_id: str, from_node: str, to_node: str) -> None:
        nodes = self._bindings.nodes
        if to_node not in nodes:
            raise InvalidTransition(
                f"{work_id}: unknown node {to_node!r}; nodes are: {', '.join(nodes)}"
            )
        allowed = nodes[from_node].next if from_node in nodes else ()
        if to_node not in allowed:
            targets = ", ".join(allowed) or "none (terminal)"
            raise InvalidTransition(
                f"{work_id}: cannot move {from_node} → {to_node}; "
                f"allowed from {from_node}: {targets}"
            )

    def record(self, sender: str, *, event: Payload) -> None:
        """Receiver for every signal: append the event to the journal (never raises)."""
        try:
            self._journal.append(type(event).__name__, payload_dict(event), self._session)
        except OSError as exc:
            log("warning", "journal not written", error=str(exc), kind=type(event).__name__)
