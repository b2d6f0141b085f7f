"""CycleRunner: moves a work item through the phases of a cycle, phase by phase, behind gates.

It owns no state. Where an item stands is its `cycle_phase`, read from the WorkState it is given
and written only through WorkEngine's interface; gates are checked by GovernanceLayer. A step
whose gates fail changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from haios.config import NodeBindings
from haios.contracts import CycleResult, GateContext, GateResult, Route, WorkState
from haios.cycleconfig import Cycle, CycleDefinitions, nearest
from haios.errors import CycleError, WorkNotFound
from haios.events import CycleCompleted, GatePassed, PhaseEntered, emit

if TYPE_CHECKING:
    from haios.contracts import GovernanceAPI, Outcome, WorkEngineAPI

_WHY = {
    "work-creation": "it is new: write its work item first",
    "investigation": "it is in discovery",
    "plan-authoring": "it needs a plan",
    "implementation": "its plan is approved",
    "close-work": "its work is done: close it",
}


class CycleRunner:
    """The steps `enter`, `check`, `advance` and `resume`, and `run`, which chains them."""

    def __init__(
        self,
        definitions: CycleDefinitions,
        bindings: NodeBindings,
        work: WorkEngineAPI,
        governance: GovernanceAPI,
        root: str,
    ) -> None:
        self.definitions = definitions
        self._bindings = bindings
        self._work = work
        self._governance = governance
        self._root = root

    # -- reading the definitions ---------------------------------------------------------------

    def cycle(self, cycle_id: str) -> Cycle:
        cycles = self.definitions.cycles
        if cycle_id not in cycles:
            raise CycleError(f"no cycle {cycle_id!r}; {nearest(cycle_id, cycles)}")
        return cycles[cycle_id]

    def bound_node(self, cycle_id: str) -> str | None:
        """The lifecycle node this cycle is bound to in node-bindings.yaml, if any."""
        nodes = self._bindings.nodes.items()
        return next((name for name, rule in nodes if rule.cycle == cycle_id), None)

    def cycle_for(self, work: WorkState) -> str | None:
        """The cycle bound to the item's node, if any."""
        rule = self._bindings.nodes.get(work.current_node)
        return rule.cycle if rule else None

    def locate(self, work: WorkState, cycle_id: str | None = None) -> str:
        """Which cycle the item's phase belongs to: `cycle_id` if given, else the cycle recorded
        with the phase, else the cycle of its node when that has the phase, else the only cycle
        that has it."""
        phase = work.cycle_phase
        if phase is None:
            bound = self.cycle_for(work)
            hint = f" {cycle_id or bound}" if cycle_id or bound else " CYCLE"
            raise CycleError(
                f"{work.id} is in no cycle; start one: `haios cycle start {work.id}{hint}`"
            )
        if cycle_id is not None:
            if phase not in self.cycle(cycle_id).phases:
                raise CycleError(f"{work.id} is in phase {phase!r}, which {cycle_id} does not have")
            return cycle_id
        recorded = self.definitions.cycles.get(work.cycle or "")
        if recorded is not None and phase in recorded.phases:
            assert work.cycle is not None
            return work.cycle
        bound = self.cycle_for(work)
        if bound in self.definitions.cycles and phase in self.definitions.cycles[bound].phases:
            return bound
        having = [name for name, c in self.definitions.cycles.items() if phase in c.phases]
        if len(having) == 1:
            return having[0]
        if not having:
            raise CycleError(f"{work.id} is in phase {phase!r}, which no cycle has")
        raise CycleError(
            f"{work.id} is in phase {phase!r}, which {' and '.join(having)} all have; "
            f"name the cycle with --cycle {having[0]}"
        )

    # -- the steps -----------------------------------------------------------------------------

    def resume(self, work: WorkState, cycle_id: str | None = None) -> CycleResult:
        """Where the item's cycle stands (no gate is checked, nothing changes)."""
        found = self.locate(work, cycle_id)
        assert work.cycle_phase is not None
        return CycleResult(found, work.cycle_phase, "running")

    def enter(self, cycle_id: str, work: WorkState, phase: str | None = None) -> CycleResult:
        """Enter `phase` (default: the first) once its entry gates pass. Entering a cycle bound to
        another node first moves the item there (the lifecycle must allow it)."""
        cycle = self.cycle(cycle_id)
        phase = phase or cycle.first
        if phase not in cycle.phases:
            raise CycleError(f"{cycle_id} has no phase {phase!r}; {nearest(phase, cycle.phases)}")
        node = self.bound_node(cycle_id)
        moves = node is not None and node != work.current_node
        if node is not None and moves:
            self._governance.validate_transition(work.id, work.current_node, node)
        results = self._check(cycle.phases[phase].entry, work)
        if any(not r.passed for r in results):
            return CycleResult(cycle_id, phase, "blocked", results)
        if node is not None and moves:
            self._work.transition(work.id, node)
        self._enter(cycle_id, work.id, phase, results)
        return CycleResult(cycle_id, phase, "running", results)

    def check(self, cycle_id: str, work: WorkState, run_commands: bool = True) -> CycleResult:
        """The exit gates of the item's phase: `blocked` if one fails. Nothing changes.
        `run_commands=False` passes command gates unrun (for a hook, which starts nothing)."""
        phase = self._phase(cycle_id, work)
        results = self._check(self.cycle(cycle_id).phases[phase].exit, work, run_commands)
        outcome: Outcome = "blocked" if any(not r.passed for r in results) else "running"
        return CycleResult(cycle_id, phase, outcome, results)

    def advance(self, cycle_id: str, work: WorkState) -> CycleResult:
        """Leave the item's phase once its exit gates pass, and enter the next one (once its
        entry gates pass); after the last phase the cycle is completed or chains on."""
        cycle = self.cycle(cycle_id)
        phase = self._phase(cycle_id, work)
        results = self._check(cycle.phases[phase].exit, work)
        following = cycle.after(phase)
        if following is not None and all(r.passed for r in results):
            results += self._check(cycle.phases[following].entry, work)
        if any(not r.passed for r in results):
            return CycleResult(cycle_id, phase, "blocked", results)
        if following is not None:
            self._enter(cycle_id, work.id, following, results)
            return CycleResult(cycle_id, following, "running", results)
        self._work.set_cycle_phase(work.id, None)
        self._passed(results)
        chain = cycle.phases[phase].next_cycle
        outcome: Outcome = "chain" if chain else "completed"
        emit(self, CycleCompleted(cycle_id, work.id, outcome))
        return CycleResult(cycle_id, phase, outcome, results, chain)

    def run(
        self, cycle_id: str, work_context: WorkState, current_phase: str | None = None
    ) -> CycleResult:
        """Enter the cycle (unless the item is in it, or `current_phase` says where it is) and
        advance until a gate blocks or the cycle ends; the result holds every gate checked."""
        work = work_context
        checked: tuple[GateResult, ...] = ()
        if current_phase is not None:
            work = work._replace(cycle_phase=current_phase)
        elif work.cycle_phase not in self.cycle(cycle_id).phases:
            result = self.enter(cycle_id, work)
            if result.outcome == "blocked":
                return result
            checked, work = result.gate_results, self._work.get(work.id)
        for _ in range(len(self.cycle(cycle_id).phases)):
            result = self.advance(cycle_id, work)
            checked += result.gate_results
            if result.outcome != "running":
                break
            work = self._work.get(work.id)
        return result._replace(gate_results=checked)

    def route(self, ready: Sequence[WorkState]) -> Route:
        """What to run next on the best ready item: nothing ready, wait for the user; an item
        in a cycle, resume it; an investigation, the investigation cycle; otherwise the cycle
        bound to its node (an approved plan, in implement: implementation), else work
        creation."""
        if not ready:
            return Route(None, None, "nothing is ready: wait for the user (or `haios work new`)")
        top = ready[0]
        if top.cycle_phase is not None:
            try:
                cycle_id = self.locate(top)
            except CycleError:
                pass
            else:
                return Route(cycle_id, top.id, f"{top.id}: it is in its {top.cycle_phase} phase")
        if top.type == "investigation" and "investigation" in self.definitions.cycles:
            return Route("investigation", top.id, f"{top.id}: it is an investigation")
        bound = self.cycle_for(top)
        if bound in self.definitions.cycles:
            why = _WHY.get(bound, f"it is in {top.current_node}")
            return Route(bound, top.id, f"{top.id}: {why}")
        return Route("work-creation", top.id, f"{top.id}: {_WHY['work-creation']}")

    # -- helpers -------------------------------------------------------------------------------

    def _phase(self, cycle_id: str, work: WorkState) -> str:
        self.locate(work, cycle_id)
        assert work.cycle_phase is not None
        return work.cycle_phase

    def context(self, work: WorkState, run_commands: bool = True) -> GateContext:
        """What gates see: the item, the root, and the status of each item blocking it."""
        blockers: dict[str, str] = {}
        for blocker in work.blocked_by:
            try:
                blockers[blocker] = self._work.get(blocker).status
            except WorkNotFound:
                blockers[blocker] = "missing"
        return GateContext(work, self._root, blockers, run_commands)

    def _check(
        self, gates: Sequence[str], work: WorkState, run_commands: bool = True
    ) -> tuple[GateResult, ...]:
        if not gates:
            return ()
        context = self.context(work, run_commands)
        return tuple(self._governance.check_gate(gate, context) for gate in gates)

    def _enter(
        self, cycle_id: str, work_id: str, phase: str, results: tuple[GateResult, ...]
    ) -> None:
        self._work.set_cycle_phase(work_id, phase, cycle_id)
        self._passed(results)
        emit(self, PhaseEntered(cycle_id, phase, work_id))

    def _passed(self, results: tuple[GateResult, ...]) -> None:
        for result in results:
            emit(self, GatePassed(result.gate_id, "passed"))
