"""`haios work …`: thin calls of WorkEngine (writes) and of the index (list, ready).

list and ready are the read path: they touch only the compiled config and the SQLite index,
so nothing heavy (pydantic, YAML, filelock) is imported unless a file changed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from haios.cli.output import print_json, table, warn
from haios.project import HAIOS_DIR, compiled, find_project, find_root

TYPE_CHECKING = False  # the read path (`haios work ready|list`): no typing import
if TYPE_CHECKING:
    from typing import Any

_COLUMNS = ("id", "node", "queue", "priority", "title")


def _open_index(args: argparse.Namespace) -> Any:
    from haios.work.index import open_index

    root = find_root(args.project)
    cfg = compiled(root)
    index = open_index(
        os.path.join(root, HAIOS_DIR, "state"),
        root,
        cfg["haios"]["paths"]["work_dir"],
        cfg["haios"]["work"]["default_type"],
        cfg["node_bindings"]["nodes"],
    )
    index.refresh()
    return index, cfg


def _print_rows(
    rows: list[str], errors: list[tuple[str, str]], as_json: bool, **extra: int
) -> None:
    if as_json:
        broken = json.dumps([{"key": k, "error": e} for k, e in errors], ensure_ascii=False)
        fields = "".join(f',"{k}":{v}' for k, v in extra.items())
        sys.stdout.write(
            f'{{"items":[{",".join(rows)}],"count":{len(rows)}{fields},"errors":{broken}}}\n'
        )
        return
    for _, error in errors:
        warn(f"skipped unreadable item: {error}")
    items = [json.loads(r) for r in rows]
    if items:
        sys.stdout.write(
            table(([i[c] for c in _COLUMNS] for i in items), [c.upper() for c in _COLUMNS])
        )


def list_(args: argparse.Namespace) -> int:
    index, _ = _open_index(args)
    filters = {k: getattr(args, k) for k in ("status", "node", "queue", "type", "owner")}
    rows = index.rows(text=args.text, **filters)
    _print_rows(rows, index.errors(), args.json)
    if not args.json and not rows:
        sys.stdout.write("no work items match\n")
    return 0


def ready(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 1:
        from haios.errors import UsageError

        raise UsageError(f"--limit {args.limit}: must be at least 1 (--all shows every item)")
    index, cfg = _open_index(args)
    limit = None if args.all else (args.limit or cfg["haios"]["work"]["ready_limit"])
    rows, total = index.ready(limit)
    _print_rows(rows, index.errors(), args.json, total=total)
    if not args.json:
        more = f" (showing {len(rows)}; --all for every one)" if total > len(rows) else ""
        sys.stdout.write(f"{total} ready{more}\n" if total else "nothing is ready\n")
    return 0


# -- writes and single-item reads go through the runtime ---------------------------------------


def _runtime(args: argparse.Namespace) -> Any:
    from haios.runtime import build

    return build(find_project(args.project))


def _owner(args: argparse.Namespace) -> str:
    from haios.runtime import session_id

    return str(args.owner or session_id())


def _done(args: argparse.Namespace, state: Any, message: str) -> int:
    from haios.work.model import state_json

    if args.json:
        print_json(state_json(state))
    else:
        sys.stdout.write(message + "\n")
    return 0


def new(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        state = rt.work.create(
            args.title, type=args.type, priority=args.priority, blocked_by=args.blocked_by
        )
    blocked = f", blocked by {', '.join(state.blocked_by)}" if state.blocked_by else ""
    return _done(
        args,
        state,
        f"created {state.id}: {state.title} ({state.current_node}{blocked})\n  {state.path}",
    )


def show(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        state = rt.work.get(args.id)
    if args.json:
        return _done(args, state, "")
    lines = [
        f"{state.id}: {state.title}",
        f"  status {state.status} · node {state.current_node} · queue {state.queue_position}"
        f" · priority {state.priority} · type {state.type}",
    ]
    for label, value in (
        ("owner", state.owner),
        ("cycle phase", f"{state.cycle}/{state.cycle_phase}" if state.cycle else state.cycle_phase),
        ("created", state.created),
        ("closed", state.closed),
        ("reason", state.closed_reason),
        ("blocked by", ", ".join(state.blocked_by)),
        ("blocks", ", ".join(state.blocks)),
        ("memory refs", ", ".join(map(str, state.memory_refs))),
    ):
        if value:
            lines.append(f"  {label}: {value}")
    lines.append("  history: " + " → ".join(e.node for e in state.node_history))
    for kind, paths in state.documents.items():
        lines.append(f"  {kind}: {', '.join(paths)}")
    lines.append(f"  {state.path}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def next_(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        if args.claim:
            state = rt.work.claim_next(_owner(args))
        else:
            items = rt.work.get_ready_items(limit=1)
            state = items[0] if items else None
    if state is None:
        if args.json:
            print_json(None)
        else:
            sys.stdout.write("nothing is ready\n")
        return 0
    verb = f"claimed by {state.owner}" if args.claim else "is next"
    return _done(args, state, f"{state.id} {verb}: {state.title}")


def claim(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        state = rt.work.claim(args.id, _owner(args))
    return _done(args, state, f"{state.id} claimed by {state.owner}")


def release(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        state = rt.work.release(args.id, _owner(args), force=args.force)
    return _done(args, state, f"{state.id} released ({state.queue_position})")


def move(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        before = rt.work.get(args.id)
        state = rt.work.transition(args.id, args.node)
    if before.current_node == state.current_node:
        return _done(args, state, f"{state.id} is already in {state.current_node}")
    return _done(args, state, f"{state.id}: {before.current_node} → {state.current_node}")


def queue(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        state = rt.work.queue(args.id, args.position)
    return _done(args, state, f"{state.id} queued: {state.queue_position}")


def phase(args: argparse.Namespace) -> int:
    value = None if args.phase.strip().lower() in ("none", "") else args.phase
    with _runtime(args) as rt:
        state = rt.work.set_cycle_phase(args.id, value)
    return _done(args, state, f"{state.id} phase: {state.cycle_phase or 'none'}")


def close(args: argparse.Namespace) -> int:
    if args.abandon and not args.reason:
        from haios.errors import UsageError

        raise UsageError('--abandon needs --reason "why it will not be done"')
    with _runtime(args) as rt:
        before = rt.work.get(args.id)
        state = rt.work.close(
            args.id, abandon_reason=args.reason if args.abandon else None, archive=args.archive
        )
    if not before.is_open:
        return _done(args, state, f"{state.id} was already closed ({state.status})")
    return _done(args, state, f"{state.id} closed: {state.status}")


def doc(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        state, name, created = rt.work.add_document(args.id, args.kind)
    path = os.path.join(os.path.dirname(state.path), name)
    if args.json:
        print_json({"id": state.id, "document": name, "path": path, "created": created})
    elif created:
        sys.stdout.write(f"{state.id}: created {name}; fill in each section\n  {path}\n")
    else:
        sys.stdout.write(f"{state.id}: {name} already exists; left as it is\n  {path}\n")
    return 0


def block(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        state = rt.work.block(args.id, args.by)
    return _done(args, state, f"{state.id} is blocked by {', '.join(state.blocked_by)}")


def unblock(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        state = rt.work.unblock(args.id, args.by)
    rest = ", ".join(state.blocked_by) or "nothing"
    return _done(args, state, f"{state.id} is blocked by {rest}")


def reindex(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        count = rt.work.index.rebuild()
        errors = rt.work.index.errors()
    if args.json:
        print_json({"indexed": count, "errors": [{"key": k, "error": e} for k, e in errors]})
        return 0
    for _, error in errors:
        warn(f"unreadable item: {error}")
    sys.stdout.write(f"indexed {count} items\n")
    return 0


def renumber(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        moved = rt.work.renumber(args.id)
        work_id = rt.work.check_id(args.id)
    if args.json:
        print_json({"renumbered": moved})
    elif not moved:
        sys.stdout.write(f"{work_id} is not duplicated; nothing to do\n")
    for key, new_id in moved.items():
        if not args.json:
            sys.stdout.write(f"{key} → {new_id}\n")
    return 0
