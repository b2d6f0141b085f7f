"""`haios`: parse the command line, run one command, map errors to exit codes.

Exit codes: 0 ok, 1 user error, 2 usage, 3 internal error (one line on stderr, traceback in a
log file), 130 interrupted. Command modules are imported only when their command runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from haios import __version__
from haios.errors import HaiosError

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # same exit code, with a pointer to help
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n(see `{self.prog} --help`)\n")


def _add(
    sub: Any, name: str, target: str, help: str, *, json: bool = True
) -> argparse.ArgumentParser:
    """One subcommand whose handler is `module:function` under haios.cli, loaded on use."""
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help, description=help)
    parser.set_defaults(target=target)
    if json:
        parser.add_argument("--json", action="store_true", help="print one JSON document")
    return parser


def _work_commands(sub: Any) -> None:
    p = _add(sub, "new", "work:new", "Create a work item in the backlog.")
    p.add_argument("title", help="what the work is, in one line")
    p.add_argument("--type", help="item type (see work.types in haios.yaml)")
    p.add_argument("--priority", choices=("critical", "high", "medium", "low"))
    p.add_argument(
        "--blocked-by",
        action="append",
        default=[],
        metavar="ID",
        help="an item this one waits for (repeatable)",
    )
    p = _add(sub, "show", "work:show", "Show one work item with its history and documents.")
    p.add_argument("id")
    p = _add(sub, "list", "work:list_", "List work items, optionally filtered.")
    p.add_argument("--status", choices=("active", "complete", "abandoned"))
    p.add_argument("--node", help="lifecycle node, e.g. plan")
    p.add_argument("--queue", choices=("parked", "backlog", "ready", "working", "done"))
    p.add_argument("--type")
    p.add_argument("--owner")
    p.add_argument("--text", help="words in the title or id")
    p = _add(sub, "ready", "work:ready", "Open items not blocked by open items, best first.")
    p.add_argument("--limit", type=int, metavar="N", help="show the top N (default 20)")
    p.add_argument("--all", action="store_true", help="show every ready item")
    p = _add(sub, "next", "work:next_", "Show (or --claim) the top ready item.")
    p.add_argument("--claim", action="store_true", help="claim it in the same step")
    p.add_argument("--owner", help="who claims (default: HAIOS_SESSION or the session id)")
    p = _add(sub, "claim", "work:claim", "Mark an item as being worked on by you.")
    p.add_argument("id")
    p.add_argument("--owner", help="who claims (default: HAIOS_SESSION or the session id)")
    p = _add(sub, "release", "work:release", "Give a claimed item back to the queue.")
    p.add_argument("id")
    p.add_argument("--owner", help="who releases (default: HAIOS_SESSION or the session id)")
    p.add_argument("--force", action="store_true", help="release another owner's claim")
    p = _add(sub, "move", "work:move", "Move an item along the lifecycle (e.g. plan → implement).")
    p.add_argument("id")
    p.add_argument("node")
    p = _add(
        sub, "queue", "work:queue", "Set an open item's queue position (parked, backlog, ready)."
    )
    p.add_argument("id")
    p.add_argument("position")
    p = _add(
        sub, "close", "work:close", "Complete an item (from implement or close), or abandon it."
    )
    p.add_argument("id")
    p.add_argument("--abandon", action="store_true", help="close it as not going to be done")
    p.add_argument("--reason", help="why it is abandoned (required with --abandon)")
    p.add_argument(
        "--archive",
        action="store_true",
        default=None,
        help="move its folder to archive/ (default: work.archive_on_close)",
    )
    for name, verb in (("block", "Record that ID waits for --by."), ("unblock", "Remove it.")):
        p = _add(sub, name, f"work:{name}", verb)
        p.add_argument("id")
        p.add_argument("--by", required=True, metavar="ID", help="the blocking item")
    _add(sub, "reindex", "work:reindex", "Rebuild the derived index from the WORK.md files.")
    p = _add(sub, "renumber", "work:renumber", "Give duplicates of an id (after a merge) new ids.")
    p.add_argument("id")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="haios", description="Governance runtime for AI coding-agent sessions.")
    parser.add_argument("--version", action="version", version=f"haios {__version__}")
    parser.add_argument(
        "-C",
        "--project",
        metavar="DIR",
        help="project folder (default: nearest .claude/haios above the cwd)",
    )
    top = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    p = _add(top, "init", "setup:init", "Create the haios layout in this repository (idempotent).")
    p.add_argument("dir", nargs="?", help="repository folder (default: the cwd)")
    work = top.add_parser(
        "work",
        help="Work items: create, list, move, claim, close.",
        description="Work items kept as docs/work/*/<id>/WORK.md.",
    )
    _work_commands(work.add_subparsers(title="commands", metavar="COMMAND", required=True))
    audit = top.add_parser(
        "audit",
        help="The hash-chained audit journal.",
        description="The hash-chained audit journal.",
    )
    asub = audit.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _add(
        asub,
        "verify",
        "audit:verify",
        "Check the journal's hash chain; exit 1 at the first bad line.",
    )
    p = _add(asub, "tail", "audit:tail", "Show the last events of the journal.")
    p.add_argument("-n", type=int, default=20, metavar="N", help="how many (default 20)")
    _add(top, "doctor", "setup:doctor", "Check the installation and the data; exit 1 on problems.")
    p = _add(
        top,
        "demo",
        "demo:demo",
        "Run the main job on embedded defaults in a temporary folder.",
        json=False,
    )
    p.add_argument("--dir", help="run in this (empty or new) folder and keep it")
    return parser


def _resolve(target: str) -> Handler:
    module, name = target.split(":")
    handler: Handler = getattr(importlib.import_module(f"haios.cli.{module}"), name)
    return handler


def _internal_error(exc: BaseException, args: argparse.Namespace) -> int:
    import tempfile
    import traceback

    from haios.project import find_project

    try:
        log = find_project(getattr(args, "project", None)).state_path("haios-error.log")
    except Exception:
        log = __import__("pathlib").Path(tempfile.gettempdir()) / "haios-error.log"
    try:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"--- haios {__version__} {' '.join(sys.argv[1:])[:500]}\n")
            fh.write("".join(traceback.format_exception(exc)))
    except OSError:
        log = None  # type: ignore[assignment]
    where = f"; details in {log}" if log else ""
    sys.stderr.write(f"haios: internal error: {type(exc).__name__}: {exc}{where}\n")
    return 3


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _resolve(args.target)(args)
    except HaiosError as exc:
        sys.stderr.write(f"haios: error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("haios: interrupted\n")
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        return _internal_error(exc, args)
