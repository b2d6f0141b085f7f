"""`haios cycle …`: thin calls of CycleRunner; text for people, one JSON document with --json.

`check` and `advance` exit 1 when a gate fails, listing each failing gate and how to fix it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from haios.cli.output import print_json, table
from haios.contracts import CycleResult, Route, WorkState
from haios.project import find_project
from haios.runtime import Runtime, build


def _runtime(args: argparse.Namespace) -> Runtime:
    return build(find_project(args.project))


def _write(lines: list[str]) -> None:
    sys.stdout.write("\n".join(lines) + "\n")


def _cycle_json(rt: Runtime, cycle_id: str) -> dict[str, Any]:
    cycle = rt.cycles.cycle(cycle_id)
    return {
        "id": cycle_id,
        "description": cycle.description,
        "node": rt.cycles.bound_node(cycle_id),
        "phases": [{"name": name, **phase.model_dump()} for name, phase in cycle.phases.items()],
    }


def list_(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        cycles = [_cycle_json(rt, name) for name in rt.config.cycle_definitions.cycles]
    if args.json:
        print_json({"cycles": cycles})
        return 0
    rows = (
        (c["id"], c["node"] or "-", " → ".join(p["name"] for p in c["phases"]), _then(c))
        for c in cycles
    )
    sys.stdout.write(table(rows, ("CYCLE", "NODE", "PHASES", "THEN")))
    return 0


def _then(cycle: dict[str, Any]) -> str:
    return str(cycle["phases"][-1]["next_cycle"] or "-")


def show(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        cycle = _cycle_json(rt, args.cycle)
    if args.json:
        print_json(cycle)
        return 0
    node = f" (bound to node {cycle['node']})" if cycle["node"] else ""
    lines = [f"{cycle['id']}{node}: {cycle['description']}"]
    for number, phase in enumerate(cycle["phases"], 1):
        lines.append(f"  {number}. {phase['name']}")
        lines.append(f"     {phase['prompt'].replace('{id}', 'ID')}")
        for side in ("entry", "exit"):
            if phase[side]:
                lines.append(f"     {side} gates: {', '.join(phase[side])}")
    lines.append(f"  then: {_then(cycle)}")
    _write(lines)
    return 0


def _result_json(rt: Runtime, work: WorkState, result: CycleResult) -> dict[str, Any]:
    phases = rt.cycles.cycle(result.cycle_id).phases
    tier, why = rt.governance.tier(work)
    document: dict[str, Any] = {
        "work_id": work.id,
        "cycle_id": result.cycle_id,
        "final_phase": result.final_phase,
        "outcome": result.outcome,
        "gate_results": [g._asdict() for g in result.gate_results],
        "next_cycle": result.next_cycle,
        "prompt": phases[result.final_phase].prompt.replace("{id}", work.id),
        "tier": tier,
        "tier_reason": why,
    }
    if result.outcome == "completed":
        document["route"] = _route_json(_next(rt))
    return document


def _gate_lines(result: CycleResult) -> list[str]:
    marks = {(True, False): "pass", (True, True): "skip", (False, False): "FAIL"}
    return [f"  {marks[g.passed, g.skipped]}  {g.gate_id}: {g.reason}" for g in result.gate_results]


def _next(rt: Runtime) -> Route:
    return rt.cycles.route(rt.work.get_ready_items(limit=1))


def _route_json(route: Route) -> dict[str, Any]:
    return {**route._asdict(), "command": _route_command(route)}


def _route_command(route: Route) -> str | None:
    if route.cycle_id is None or route.work_id is None:
        return None
    return f"haios cycle resume {route.work_id}"


def _route_line(route: Route) -> str:
    if route.cycle_id is None:
        return f"next: {route.reason}"
    return f"next: {route.cycle_id} for {route.reason} (`{_route_command(route)}`)"


def _finish(args: argparse.Namespace, rt: Runtime, work: WorkState, result: CycleResult) -> int:
    """Print a step's result; exit 1 when a gate blocked it."""
    if args.json:
        print_json(_result_json(rt, work, result))
    else:
        _write(_describe(rt, work, result))
    return 1 if result.outcome == "blocked" else 0


def _describe(rt: Runtime, work: WorkState, result: CycleResult) -> list[str]:
    where = f"{result.cycle_id}/{result.final_phase}"
    if result.outcome == "blocked":
        failed = len(result.failed)
        head = f"{work.id} is held at {where}: {failed} gate{'s' if failed > 1 else ''} failed"
        return [head, *_gate_lines(result)]
    if result.outcome == "chain":
        return [
            f"{work.id} completed {result.cycle_id}; next: "
            f"`haios cycle start {work.id} {result.next_cycle}`"
        ]
    if result.outcome == "completed":
        return [f"{work.id} completed {result.cycle_id}", _route_line(_next(rt))]
    prompt = rt.cycles.cycle(result.cycle_id).phases[result.final_phase].prompt
    return [f"{work.id} is in {where}", f"  {prompt.replace('{id}', work.id)}"]


def start(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        work = rt.work.get(args.id)
        cycle_id = args.cycle or rt.cycles.cycle_for(work)
        if cycle_id is None:
            from haios.errors import CycleError

            raise CycleError(
                f"no cycle is bound to node {work.current_node}; name one: "
                f"`haios cycle start {work.id} CYCLE` (see `haios cycle list`)"
            )
        if work.cycle_phase is not None:
            _already(rt, work)
        return _finish(args, rt, work, rt.cycles.enter(cycle_id, work))


def _already(rt: Runtime, work: WorkState) -> None:
    from haios.errors import CycleError

    place = rt.cycles.resume(work) if work.cycle_phase else None
    where = f"{place.cycle_id}/{place.final_phase}" if place else str(work.cycle_phase)
    raise CycleError(
        f"{work.id} is already in {where}; `haios cycle advance {work.id}` moves on, "
        f"`haios work phase {work.id} none` leaves the cycle"
    )


def status(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        work = rt.work.get(args.id)
        if work.cycle_phase is None and args.cycle is None:
            return _no_cycle(args, rt, work)
        return _where(args, rt, work)


def resume(args: argparse.Namespace) -> int:
    """Where to pick up: the item's phase and what it asks for; without an id, or for an item
    in no cycle, what routing says comes next."""
    with _runtime(args) as rt:
        work = rt.work.get(args.id) if args.id else None
        if work is not None and (work.cycle_phase is not None or args.cycle is not None):
            return _where(args, rt, work)
        route = rt.cycles.route([work] if work else rt.work.get_ready_items(limit=1))
        if args.json:
            print_json(_route_json(route))
        else:
            _write([_route_line(route)])
    return 0


def _where(args: argparse.Namespace, rt: Runtime, work: WorkState) -> int:
    result = rt.cycles.resume(work, args.cycle)
    if args.json:
        print_json(_result_json(rt, work, result))
        return 0
    cycle = rt.cycles.cycle(result.cycle_id)
    names = list(cycle.phases)
    phase = cycle.phases[result.final_phase]
    tier, why = rt.governance.tier(work)
    _write(
        [
            f"{work.id}: {result.cycle_id}, phase {result.final_phase} "
            f"({names.index(result.final_phase) + 1} of {len(names)}), tier {tier} ({why})",
            f"  {phase.prompt.replace('{id}', work.id)}",
            f"  exit gates: {', '.join(phase.exit) or 'none'}",
            f"  next: `haios cycle check {work.id}`, then `haios cycle advance {work.id}`",
        ]
    )
    return 0


def _no_cycle(args: argparse.Namespace, rt: Runtime, work: WorkState) -> int:
    bound = rt.cycles.cycle_for(work)
    if args.json:
        print_json({"work_id": work.id, "cycle_id": None, "final_phase": None, "bound": bound})
        return 0
    hint = f"`haios cycle start {work.id}` starts {bound}" if bound else "see `haios cycle list`"
    _write([f"{work.id} is in no cycle (node {work.current_node}); {hint}"])
    return 0


def check(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        work = rt.work.get(args.id)
        result = rt.cycles.check(rt.cycles.locate(work, args.cycle), work)
        if args.json:
            print_json(_result_json(rt, work, result))
            return 1 if result.outcome == "blocked" else 0
    where = f"{work.id} {result.cycle_id}/{result.final_phase}"
    total, failed = len(result.gate_results), len(result.failed)
    moves_on = f"`haios cycle advance {work.id}` moves on"
    if failed:
        head = f"{where}: {failed} of {total} gates failed"
    elif total:
        head = f"{where}: all {total} gates pass; {moves_on}"
    else:
        head = f"{where}: no exit gates; {moves_on}"
    _write([head, *_gate_lines(result)])
    return 1 if failed else 0


def advance(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        work = rt.work.get(args.id)
        result = rt.cycles.advance(rt.cycles.locate(work, args.cycle), work)
        return _finish(args, rt, work, result)
