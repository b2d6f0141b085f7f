"""`haios audit verify|tail`: read the hash-chained journal."""

from __future__ import annotations

import argparse
import json
import sys

from haios.cli.output import print_json
from haios.project import find_project


def _journal(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from haios.runtime import journal_for

    return journal_for(find_project(args.project))


def verify(args: argparse.Namespace) -> int:
    journal = _journal(args)
    count, problem = journal.verify()
    if args.json:
        print_json(
            {
                "ok": problem is None,
                "lines": count,
                "problem": None if problem is None else problem._asdict(),
            }
        )
    elif problem is None:
        sys.stdout.write(f"journal intact: {count} events\n")
    else:
        sys.stdout.write(f"{journal.path}:{problem.line}: {problem.reason}\n")
    return 0 if problem is None else 1


def tail(args: argparse.Namespace) -> int:
    records = _journal(args).tail(args.n)
    if args.json:
        print_json({"events": records})
        return 0
    for r in records:
        payload = json.dumps(r.get("payload"), ensure_ascii=False, separators=(",", ":"))
        sys.stdout.write(
            f"{r.get('seq')}  {r.get('time')}  {r.get('session')}  {r.get('event')}  {payload}\n"
        )
    return 0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def stats(args: argparse.Namespace) -> int:
    """Decisions per handler and hook latency per event, from the hook log."""
    from collections import Counter, defaultdict

    from haios.cli.output import table
    from haios.governance import hooklog

    project = find_project(args.project)
    lines = [
        line
        for line in hooklog.read(str(project.state_dir))
        if line.get("session") == args.session
        or (not args.session and line.get("session") != "haios-doctor")
    ]
    decisions: dict[str, Counter[str]] = defaultdict(Counter)
    times: dict[str, list[float]] = defaultdict(list)
    for line in lines:
        for handler in filter(None, str(line.get("handler", "")).split("+")):
            decisions[handler][line.get("decision", "none")] += 1
        if isinstance(line.get("ms"), int | float):
            times[line["event"]].append(float(line["ms"]))
    notable = Counter(line["notable"] for line in lines if line.get("notable"))
    latency = {
        event: {
            "calls": len(ms),
            "p50_ms": _percentile(ms, 0.5),
            "p95_ms": _percentile(ms, 0.95),
        }
        for event, ms in sorted(times.items())
    }
    if args.json:
        print_json(
            {
                "calls": len(lines),
                "decisions": {h: dict(c) for h, c in sorted(decisions.items())},
                "latency": latency,
                "notable": dict(notable),
            }
        )
        return 0
    if not lines:
        sys.stdout.write(f"no hook calls recorded yet ({project.state_dir}/{hooklog.LOG_NAME})\n")
        return 0
    actions = ("deny", "ask", "block", "context")
    rows = [(h, *(c.get(a, 0) for a in actions)) for h, c in sorted(decisions.items())]
    sys.stdout.write(table(rows, ("handler", *actions)) + "\n")
    rows = [(e, v["calls"], f"{v['p50_ms']:.1f}", f"{v['p95_ms']:.1f}") for e, v in latency.items()]
    sys.stdout.write(table(rows, ("event", "calls", "p50 ms", "p95 ms")))
    if notable:
        sys.stdout.write("\n" + table(sorted(notable.items()), ("notable event", "count")))
    return 0
