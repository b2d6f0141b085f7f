"""The GovernanceLayer object the runtime wires: lifecycle rules, gates, the journal receiver."""

from __future__ import annotations

from haios.config import NodeBindings
from haios.contracts import GateContext, GateResult, WorkState
from haios.cycleconfig import GatesFile, nearest
from haios.errors import InvalidTransition
from haios.events import Payload, payload_dict
from haios.governance import gates as gate_kinds
from haios.governance.journal import Journal
from haios.governance.tiers import tier, touches_code
from haios.log import log


class GovernanceLayer:
    """Validates lifecycle moves against `node-bindings.yaml`, checks the gates of
    `gates.yaml`, and journals every event."""

    def __init__(
        self,
        bindings: NodeBindings,
        journal: Journal,
        session: str,
        gates: GatesFile | None = None,
    ) -> None:
        self._bindings = bindings
        self._journal = journal
        self._session = session
        self._gates_file = gates or GatesFile()

    def check_gate(self, gate_id: str, context: GateContext) -> GateResult:
        """Check one gate of `gates.yaml` for a work item; never raises."""
        gate = self._gates_file.gates.get(gate_id)
        if gate is None:
            found = nearest(gate_id, self._gates_file.gates)
            return GateResult(gate_id, False, f"unknown gate {gate_id!r}; {found}")
        rules = self._gates_file.tiers
        level, why = tier(context.work, rules)
        if gate.tiers and level not in gate.tiers:
            return GateResult(gate_id, True, f"not required for a {level} item ({why})", True)
        if gate.code_only and not touches_code(context.work, rules):
            return GateResult(gate_id, True, "not required: the item touches no code", True)
        try:
            return gate_kinds.check(gate_id, gate, context, self._gates_file.kinds)
        except Exception as exc:  # a gate that crashes fails closed, saying why
            log("warning", "gate crashed", gate=gate_id, error=repr(exc))
            reason = f"could not be checked ({type(exc).__name__}: {exc})"
            return GateResult(gate_id, False, reason)

    def tier(self, work: WorkState) -> tuple[str, str]:
        """(the item's governance tier, why), by the rules of gates.yaml."""
        return tier(work, self._gates_file.tiers)

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
