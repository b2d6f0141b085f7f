"""`haios`: run one command and map errors to exit codes.

Exit codes: 0 ok, 1 user error, 2 usage, 3 internal error (one line on stderr, traceback in a
log file), 130 interrupted. `haios hook` skips argparse and everything else: Claude Code runs it
on every tool call; so do `haios statusline` and a bare `haios coldstart` (the /coldstart slash
command), whose time is mostly imports. Other commands' modules are imported only when they run.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

TYPE_CHECKING = False  # importing typing costs ~3 ms on every hook call
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["hook"] and not {"-h", "--help"} & set(argv):
        from haios.cli.hook import run

        return run(argv[1:])
    if argv == ["statusline"]:  # after every answer: no argparse either
        from haios.cli.statusline import run as status_line

        return status_line([])
    if argv == ["coldstart"]:  # /coldstart: argparse and what comes with it cost ~10 ms
        from types import SimpleNamespace

        from haios.cli.context import coldstart

        return _run(coldstart, SimpleNamespace(**COLDSTART))
    return _command(argv)


# What the parser makes of a bare `haios coldstart` (tests/test_context_cli.py compares them).
COLDSTART = {"verbose": False, "project": None, "target": "context:coldstart"}
COLDSTART |= {"tier": None, "trigger": "coldstart", "json": False}


def _command(argv: list[str]) -> int:
    from haios.cli.parser import build_parser, resolve

    args = build_parser(argv).parse_args(argv)
    if args.verbose:
        from haios.log import set_level

        set_level("debug")
    return _run(resolve(args.target), args)


def _run(handler: Callable[[Any], int], args: Any) -> int:
    """Call the command's handler; map what it raises to an exit code."""
    from haios.errors import HaiosError

    try:
        return handler(args)
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


def _internal_error(exc: BaseException, args: Any) -> int:
    from haios.log import write_traceback
    from haios.project import find_project

    try:
        state = find_project(getattr(args, "project", None)).state_dir
    except Exception:
        state = None
    log = write_traceback(exc, state)
    where = f"; details in {log}" if log else ""
    sys.stderr.write(f"haios: internal error: {type(exc).__name__}: {exc}{where}\n")
    return 3
