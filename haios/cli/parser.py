"""The argparse parser of `haios`, built from the command table (only the branch a command line
names: every parser costs time)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from haios import __version__
from haios.cli.commands import GROUPS, TOP

TYPE_CHECKING = False  # the read path (`haios work ready|list`): no typing import
if TYPE_CHECKING:
    from typing import Any

    from haios.cli.commands import Commands

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


def resolve(target: str) -> Handler:
    module, name = target.split(":")
    handler: Handler = getattr(importlib.import_module(f"haios.cli.{module}"), name)
    return handler
