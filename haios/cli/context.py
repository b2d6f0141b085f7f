"""`haios coldstart`, `haios context`, `haios session …`, `haios checkpoint new`, `haios status`.

coldstart and context print exactly what the SessionStart hook injects, through the same cheap
wiring (haios.bootstrap): inside a Claude Code session (HAIOS_SESSION, which the hook exports)
they show that session's context; elsewhere a preview of what the next session would get, which
records nothing.
"""

from __future__ import annotations

import os
import sys

from haios import bootstrap
from haios.cli.output import print_json, table
from haios.errors import UsageError
from haios.project import compiled, find_project, find_root

TYPE_CHECKING = False  # a bare `haios coldstart` skips argparse: no typing import either
if TYPE_CHECKING:
    import argparse
    from typing import Any

TRIGGERS = ("coldstart", "session_recovery", "resume", "clear")
TIERS = ("full", "light", "minimal")


def _render(args: argparse.Namespace) -> Any:
    root = find_root(args.project)
    with bootstrap.session_loader(root, compiled(root), bootstrap.session_id()) as loader:
        known = loader.sessions.get(loader.session_id) is not None
        return loader.render(loader.load(args.trigger, args.tier, start=known))


def _summary(rendered: Any) -> dict[str, Any]:
    ctx = rendered.context
    return {
        "session": ctx.session_number,
        "prior": ctx.prior_session,
        "trigger": ctx.trigger,
        "tier": ctx.tier,
        "chars": len(rendered.text),
        "tokens": -(-len(rendered.text) // 4),
    }


def coldstart(args: argparse.Namespace) -> int:
    rendered = _render(args)
    if args.json:
        print_json({**_summary(rendered), "text": rendered.text})
    else:
        sys.stdout.write(rendered.text)
    return 0


def context(args: argparse.Namespace) -> int:
    rendered = _render(args)
    if args.json:
        print_json({**_summary(rendered), "sections": rendered.rows, "text": rendered.text})
        return 0
    if not args.explain:
        sys.stdout.write(rendered.text)
        return 0
    rows = [
        (r["section"], r["level"], r["form"], r["tokens"], r["tokens_full"], r["reason"])
        for r in rendered.rows
    ]
    sys.stdout.write(table(rows, ("SECTION", "LEVEL", "FORM", "TOKENS", "FULL", "WHY")))
    s = _summary(rendered)
    sys.stdout.write(
        f"\nsession {s['session']} · {s['trigger']} · tier {s['tier']} · {s['tokens']} tokens, "
        f"{s['chars']} characters (estimated at 4 characters a token)\n"
    )
    return 0


# -- sessions and checkpoints -----------------------------------------------------------------


def _store(args: argparse.Namespace) -> tuple[Any, str]:
    from haios.context.sessions import SessionStore

    project = find_project(args.project)
    config = compiled(str(project.root))
    checkpoints = os.path.join(project.root, config["haios"]["paths"]["checkpoints_dir"])
    return SessionStore(str(project.state_dir), checkpoints), str(project.root)


def current(args: argparse.Namespace) -> int:
    store, _ = _store(args)
    key = bootstrap.session_id()
    record = store.get(key)
    if args.json:
        print_json({"id": key, "record": record, "next": store.next_number()})
    elif record is None:
        sys.stdout.write(
            f"no session recorded for {key}; the next session will be {store.next_number()}\n"
        )
    else:
        sys.stdout.write(_describe(record) + "\n")
    return 0


def _describe(r: dict[str, Any]) -> str:
    ended = f"ended {r['ended']} ({r['end_reason']})" if r.get("ended") else "open"
    prior = f" (prior {r['prior']})" if r.get("prior") else ""
    return (
        f"session {r['number']}{prior}: {r['id']}\n  started {r['started']}, last seen "
        f"{r['last_seen']}, {r.get('turns', 0)} turns, {r.get('compactions', 0)} compactions, "
        f"{ended}\n  work {r.get('work') or '-'} · checkpoint {r.get('checkpoint') or '-'}"
    )


def list_(args: argparse.Namespace) -> int:
    store, _ = _store(args)
    records = store.records()
    if args.json:
        print_json({"sessions": records, "next": store.next_number()})
        return 0
    rows = [
        (
            r["number"],
            r.get("started"),
            r.get("turns", 0),
            "ended" if r.get("ended") else ("orphaned" if r.get("orphan_reported") else "open"),
            r.get("work") or "-",
            r.get("checkpoint") or "-",
            r["id"],
        )
        for r in records
    ]
    if rows:
        header = ("NUMBER", "STARTED", "TURNS", "STATE", "WORK", "CHECKPOINT", "SESSION ID")
        sys.stdout.write(table(rows, header))
    sys.stdout.write(f"{len(rows)} sessions recorded; the next will be {store.next_number()}\n")
    return 0


def checkpoint_new(args: argparse.Namespace) -> int:
    from haios.context import checkpoints

    if not args.title.strip():
        raise UsageError("a checkpoint needs a title: what this session was about, in a line")
    store, root = _store(args)
    key = bootstrap.session_id()
    record = store.get(key) or store.start(key, "cli")[0]
    lists = {
        "completed": args.done,
        "decisions": args.decision,
        "next_steps": args.next,
        "pending": args.pending,
        "drift_observed": args.drift,
        "load_memory_refs": [int(m) if m.isdigit() else m for m in args.memory_ref],
    }
    path = checkpoints.write(
        store.checkpoints_dir,
        int(record["number"]),
        record.get("prior"),
        args.title.strip(),
        work_id=args.work or record.get("work"),
        lists=lists,
    )
    rel = os.path.relpath(path, root)
    store.set_checkpoint(key, rel)
    if args.json:
        print_json({"session": record["number"], "path": rel})
    else:
        sys.stdout.write(f"wrote {rel} (session {record['number']})\n")
    return 0


# -- status -----------------------------------------------------------------------------------


def status(args: argparse.Namespace) -> int:
    from haios.cli.statusview import gather, render

    project = find_project(args.project)
    document = gather(str(project.root), compiled(str(project.root)), bootstrap.session_id())
    if args.json:
        print_json(document)
    else:
        sys.stdout.write(render(document))
    return 0
