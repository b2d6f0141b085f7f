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


Arg = tuple[tuple[str, ...], dict[str, Any]]
OWNER = "who acts (default: HAIOS_SESSION, else the Claude Code session id, else user@host)"


def arg(*flags: str, **options: Any) -> Arg:
    return flags, options


ID = arg("id", help="work item id, e.g. WORK-007 (or just 7)")
# name -> (handler as module:function under haios.cli, help, arguments, takes --json)
Commands = dict[str, tuple[str, str, tuple[Arg, ...], bool]]
WORK: Commands = {
    "new": (
        "work:new",
        "Create a work item in the backlog.",
        (
            arg("title", help="what the work is, in one line"),
            arg("--type", help="item type (see work.types in haios.yaml)"),
            arg("--priority", choices=("critical", "high", "medium", "low")),
            arg(
                "--blocked-by",
                action="append",
                default=[],
                metavar="ID",
                help="an item this one waits for (repeatable)",
            ),
        ),
        True,
    ),
    "show": ("work:show", "Show one work item with its history and documents.", (ID,), True),
    "list": (
        "work:list_",
        "List work items, optionally filtered.",
        (
            arg("--status", choices=("active", "complete", "abandoned")),
            arg("--node", help="lifecycle node, e.g. plan"),
            arg("--queue", choices=("parked", "backlog", "ready", "working", "done")),
            arg("--type", help="item type"),
            arg("--owner", help="who claimed it"),
            arg("--text", help="words in the title or id"),
        ),
        True,
    ),
    "ready": (
        "work:ready",
        "Open items not blocked by open items, best first.",
        (
            arg(
                "--limit", type=int, metavar="N", help="show the top N (default: work.ready_limit)"
            ),
            arg("--all", action="store_true", help="show every ready item"),
        ),
        True,
    ),
    "next": (
        "work:next_",
        "Show (or --claim) the top ready item.",
        (
            arg("--claim", action="store_true", help="claim it in the same step"),
            arg("--owner", help=OWNER),
        ),
        True,
    ),
    "claim": (
        "work:claim",
        "Mark an item as being worked on by you.",
        (ID, arg("--owner", help=OWNER)),
        True,
    ),
    "release": (
        "work:release",
        "Give a claimed item back to the queue.",
        (
            ID,
            arg("--owner", help=OWNER),
            arg("--force", action="store_true", help="release another owner's claim"),
        ),
        True,
    ),
    "move": (
        "work:move",
        "Move an item along the lifecycle (e.g. plan → implement).",
        (ID, arg("node", help="target node, e.g. implement")),
        True,
    ),
    "queue": (
        "work:queue",
        "Set an open item's queue position (parked, backlog, ready).",
        (ID, arg("position", help="parked, backlog or ready")),
        True,
    ),
    "close": (
        "work:close",
        "Complete an item (from implement or close), or abandon it.",
        (
            ID,
            arg("--abandon", action="store_true", help="close it as not going to be done"),
            arg("--reason", help="why it is abandoned (required with --abandon)"),
            arg(
                "--archive",
                action="store_true",
                default=None,
                help="move its folder to archive/ (default: work.archive_on_close)",
            ),
        ),
        True,
    ),
    "block": (
        "work:block",
        "Record that an item waits for another (--by).",
        (ID, arg("--by", required=True, metavar="ID", help="the blocking item")),
        True,
    ),
    "unblock": (
        "work:unblock",
        "Remove a blocked-by link between two items.",
        (ID, arg("--by", required=True, metavar="ID", help="the blocking item")),
        True,
    ),
    "reindex": ("work:reindex", "Rebuild the derived index from the WORK.md files.", (), True),
    "renumber": ("work:renumber", "Give duplicates of an id (after a merge) new ids.", (ID,), True),
}
AUDIT: Commands = {
    "verify": (
        "audit:verify",
        "Check the journal's hash chain; exit 1 at the first bad line.",
        (),
        True,
    ),
    "tail": (
        "audit:tail",
        "Show the last events of the journal.",
        (arg("-n", type=int, default=20, metavar="N", help="how many (default 20)"),),
        True,
    ),
}
TOP: Commands = {
    "init": (
        "setup:init",
        "Create the haios layout in this repository (idempotent).",
        (arg("dir", nargs="?", help="repository folder (default: the cwd)"),),
        True,
    ),
    "doctor": (
        "setup:doctor",
        "Check the installation and the data; exit 1 on problems.",
        (),
        True,
    ),
    "demo": (
        "demo:demo",
        "Run the main job on embedded defaults in a temporary folder.",
        (arg("--dir", help="run in this (empty or new) folder and keep it"),),
        False,
    ),
}
GROUPS = {
    "work": ("Work items: create, list, move, claim, close.", WORK),
    "audit": ("The hash-chained audit journal.", AUDIT),
}


def _add_commands(sub: Any, commands: Commands, only: str | None = None) -> None:
    """Add `commands` (just `only`, when it names one: building parsers is not free)."""
    for name, (target, help, args, takes_json) in commands.items():
        if only in commands and name != only:
            continue
        parser = sub.add_parser(name, help=help, description=help)
        parser.set_defaults(target=target)
        for flags, options in args:
            parser.add_argument(*flags, **options)
        if takes_json:
            parser.add_argument("--json", action="store_true", help="print one JSON document")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The full parser, or with `argv` just the branch it names (the rest stays unbuilt)."""
    words = [w for w in argv or () if not w.startswith("-")]
    parser = _Parser(prog="haios", description="Governance runtime for AI coding-agent sessions.")
    parser.add_argument("--version", action="version", version=f"haios {__version__}")
    parser.add_argument(
        "-C",
        "--project",
        metavar="DIR",
        help="project folder (default: nearest .claude/haios above the cwd)",
    )
    top = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _add_commands(top, TOP)
    for group, (help, commands) in GROUPS.items():
        branch = top.add_parser(group, help=help, description=help)
        sub = branch.add_subparsers(title="commands", metavar="COMMAND", required=True)
        nxt = words[words.index(group) + 1] if group in words[:-1] else None
        _add_commands(sub, commands, nxt)
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
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
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
