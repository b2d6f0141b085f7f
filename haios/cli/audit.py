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
                "problem": None if problem is None else vars(problem),
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
