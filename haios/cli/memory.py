"""`haios memory …`: the memory server, and MemoryBridge's calls of it, from the shell.

`serve` runs the server (what Claude Code starts from .mcp.json). search/store/stats go
through MemoryBridge over MCP like any client; prune works on the database directly.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haios.cli.output import print_json, table, warn
from haios.errors import HaiosError, UsageError
from haios.project import find_project

if TYPE_CHECKING:  # the runtime is heavy: `serve` must start fast
    from haios.runtime import Runtime


def _runtime(args: argparse.Namespace) -> Runtime:
    from haios.runtime import build

    return build(find_project(args.project))


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")


def serve(args: argparse.Namespace) -> int:
    from haios.memory import server
    from haios.memory.store import NAME, MemoryStore

    project = find_project(args.project)
    db = Path(args.db) if args.db else project.state_dir / NAME
    session = os.environ.get("HAIOS_SESSION") or os.environ.get("CLAUDE_CODE_SESSION_ID")
    with MemoryStore(db, project.root) as store:
        if not args.http:
            server.serve_stdio(store, session)
            return 0
        token = server.http_token(project.state_dir)
        where = (
            "$HAIOS_MEMORY_TOKEN"
            if os.environ.get("HAIOS_MEMORY_TOKEN")
            else str(project.state_dir / server.TOKEN_FILE)
        )
        sys.stderr.write(
            f"haios memory: serving http://127.0.0.1:{args.port}/mcp (bearer token in {where})\n"
        )
        server.serve_http(store, args.port, token, session)
    return 0


def search(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= 50:
        raise UsageError(f"--limit {args.limit}: must be 1 to 50")
    if args.offset < 0:
        raise UsageError(
            f"--offset {args.offset}: must be 0 or more (the number a search prints after `more:`)"
        )
    with _runtime(args) as rt:
        result = rt.memory.query(
            args.query,
            args.mode,
            limit=args.limit,
            offset=args.offset,
            include_superseded=args.include_superseded,
        )
    if args.json:
        print_json(
            {
                "concepts": list(result.concepts),
                "strategies": list(result.strategies),
                "next_offset": result.next_offset,
                "degraded": result.degraded,
                "degraded_reason": result.degraded_reason,
                "reasoning_trace": result.reasoning_trace,
            }
        )
    else:
        _print_found(result.concepts, result.strategies, result.next_offset)
    if result.degraded:
        warn(f"memory unavailable: {result.degraded_reason}")
        return 1
    return 0


def _print_found(concepts: Any, strategies: Any, next_offset: int | None) -> None:
    rows = [(c.get("id"), c.get("kind"), c.get("work_id") or "", _text(c)) for c in concepts]
    sys.stdout.write(table(rows, ("ID", "KIND", "WORK", "TEXT")) if rows else "no memories found\n")
    if next_offset is not None:
        _write(f"more: --offset {next_offset}")
    if strategies:
        _write("strategies (most used first):")
        for s in strategies:
            _write(f"  {s.get('id')}  ({s.get('uses', 0)} uses)  {s.get('content')}")


def _text(concept: Any) -> str:
    replaced = concept.get("superseded_by")
    return (f"[superseded by {replaced}] " if replaced else "") + str(concept.get("snippet") or "")


def store(args: argparse.Namespace) -> int:
    content = sys.stdin.read() if args.content == "-" else args.content
    with _runtime(args) as rt:
        result = rt.memory.store(content, args.source or "", args.work)
    if args.json:
        print_json({**result._asdict(), "concept_ids": list(result.concept_ids)})
    elif result.degraded:
        _write(f"queued in the outbox as {result.queued}; `haios memory flush` sends it")
    else:
        again = " (already stored)" if result.duplicate else ""
        _write(f"memory {result.concept_ids[0]}{again}: {result.classification} ({result.reason})")
        if result.superseded:
            _write(f"supersedes {', '.join(map(str, result.superseded))}")
        if result.work_id:
            _write(f"linked to {result.work_id}")
    if result.degraded:
        warn(f"memory unavailable: {result.degraded_reason}")
    return 0


_SHOWN = ("name", "subject", "source_path", "work_id", "session", "git_commit", "created")


def get(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        found = rt.memory.get(_ref(args.id))
    if args.json:
        print_json(found)
        return 0
    reason = f" ({found['kind_reason']})" if found.get("kind_reason") else ""
    replaced = f", superseded by {found['superseded_by']}" if found.get("superseded_by") else ""
    _write(f"memory {found.get('id')}: {found.get('kind')}{reason}{replaced}")
    _write(str(found.get("content", "")))
    for key in _SHOWN:
        if found.get(key):
            _write(f"{key}: {found[key]}")
    for link in found.get("links", []):
        _write(f"link: {link.get('src')} {link.get('relation')} {link.get('dst')}")
    return 0


def link(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        done = rt.memory.link(_ref(args.src), _ref(args.dst), args.relation)
    if args.json:
        print_json(done)
        return 0
    edge = f"{done.get('src')} {done.get('relation')} {done.get('dst')}"
    _write(f"linked: {edge}" if done.get("linked") else f"already linked: {edge}")
    return 0


def _ref(text: str) -> int | str:
    """A memory id, or (for a knowledge graph) an entity name."""
    return int(text) if text.isdigit() else text


def stats(args: argparse.Namespace) -> int:
    with _runtime(args) as rt:
        found = rt.memory.stats()
    if args.json:
        print_json(found)
        return 0
    kinds = found.get("by_kind", {})
    _write(
        f"{found.get('memories', 0)} memories ({found.get('superseded', 0)} superseded): "
        + ", ".join(f"{v} {k}" for k, v in kinds.items())
    )
    _write(
        f"{found.get('strategies', 0)} strategies, {found.get('links', 0)} links, "
        f"{found.get('bytes', 0):,} bytes, schema version {found.get('schema_version')}"
    )
    return 0


def outbox(args: argparse.Namespace) -> int:
    from haios.memory.outbox import Outbox

    with Outbox(find_project(args.project).state_dir) as box:
        box.take_hook_lines()
        pending = box.pending()
        _, sent = box.count()
    entries = [
        {
            "key": e.key,
            "queued": e.queued,
            "attempts": e.attempts,
            "last_error": e.last_error,
            "work_id": e.payload.get("work_id"),
            "content": str(e.payload.get("content", ""))[:200],
        }
        for e in pending
    ]
    if args.json:
        print_json({"pending": entries, "sent": sent})
        return 0
    if not entries:
        _write(f"the outbox is empty ({sent} sent)")
        return 0
    rows = [
        (str(e["key"])[:12], e["queued"], e["attempts"], str(e["content"])[:60]) for e in entries
    ]
    sys.stdout.write(table(rows, ("KEY", "QUEUED", "TRIES", "CONTENT")))
    _write(f"{len(entries)} waiting, {sent} sent; `haios memory flush` sends them")
    return 0


def flush(args: argparse.Namespace) -> int:
    from haios.memory import background

    try:
        with _runtime(args) as rt:
            report = rt.memory.flush()
    finally:
        if args.lock:
            background.release(Path(args.lock))
    if args.json:
        print_json(report)
    else:
        _write(
            f"sent {report['sent']}, {report['pending']} still waiting"
            + (f" ({report['taken']} taken from the hooks)" if report["taken"] else "")
        )
    if report["error"]:
        warn(f"memory unavailable: {report['error']}")
        return 1
    return 0


def prune(args: argparse.Namespace) -> int:
    from haios.memory.store import NAME, MemoryStore

    project = find_project(args.project)
    with MemoryStore(project.state_dir / NAME, project.root) as db:
        stale = db.stale(project.root)
        deleted = db.delete([s["id"] for s in stale]) if args.delete and stale else 0
    if args.json:
        print_json({"stale": stale, "deleted": deleted})
        return 0
    if not stale:
        _write("no stale memories: every source file still exists")
        return 0
    rows = [(s["id"], s["kind"], s["source_path"], s["content"][:50]) for s in stale]
    sys.stdout.write(table(rows, ("ID", "KIND", "GONE", "CONTENT")))
    if args.delete:
        _write(f"deleted {deleted}")
    else:
        _write(f"{len(stale)} stale; `haios memory prune --delete` removes them")
    return 0


def import_(args: argparse.Namespace) -> int:
    from haios.memory.learnings import from_document, from_work_item

    project = find_project(args.project)
    learnings: list[tuple[str, str, str | None]] = []
    for path in _markdown_files(args.paths):
        text = path.read_text("utf-8", errors="replace")
        rel = _relative(path, project.root)
        found = from_work_item(text) if path.name == "WORK.md" else from_document(text)
        learnings += [(item, rel, None) for item in found]
    if not learnings:
        raise HaiosError("no learnings found in the given files (Markdown sections or items)")
    with _runtime(args) as rt:
        results = rt.memory.store_many(learnings)
    new = sum(1 for r in results if not r.duplicate and not r.degraded)
    reason = next((r.degraded_reason for r in results if r.degraded), "")
    queued = sum(1 for r in results if r.degraded)
    if args.json:
        print_json({"found": len(learnings), "new": new, "queued": queued})
    else:
        _write(f"{len(learnings)} learnings: {new} new, {len(results) - new - queued} known")
    if queued:
        warn(f"{queued} queued in the outbox: {reason}")
    return 0


def _markdown_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.md") if p.is_file())
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{name}: no such file or folder")
    return files


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
