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
from haios.cli.commands import GROUPS, TOP, Commands
from haios.errors import HaiosError

Handler = Callable[[argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # same exit code, with a pointer to help
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n(see `{self.prog} --help`)\n")


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


def _named(argv: Sequence[str]) -> list[str]:
    """The command words of `argv` (options and the value of -C/--project left out)."""
    words, skip = [], False
    for token in argv:
        if skip or token.startswith("-"):
            skip = token in ("-C", "--project")
            continue
        words.append(token)
    return words


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The full parser, or with `argv` just the branch it names (the rest stays unbuilt)."""
    words = [*_named(argv or ()), ""]
    wanted = words[0] if words[0] in TOP or words[0] in GROUPS else None
    parser = _Parser(prog="haios", description="Governance runtime for AI coding-agent sessions.")
    parser.add_argument("--version", action="version", version=f"haios {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens on stderr")
    parser.add_argument(
        "-C",
        "--project",
        metavar="DIR",
        help="project folder (default: nearest .claude/haios above the cwd)",
    )
    top = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    if wanted is None or wanted in TOP:
        _add_commands(top, TOP, wanted)
    for group, (help, commands) in GROUPS.items():
        if wanted is None or wanted == group:
            branch = top.add_parser(group, help=help, description=help)
            sub = branch.add_subparsers(title="commands", metavar="COMMAND", required=True)
            _add_commands(sub, commands, words[1] if wanted else None)
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
    if args.verbose:
        from haios.log import set_level

        set_level("debug")
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
