"""A Bash command line as a flat list of simple commands, for the guards of the Bash tool.

`parse(line)` finds every simple command wherever bash would run it (lists, pipelines, subshells,
`{ }` groups, if/for/while/case and function bodies, `$(…)`, backticks, `<(…)`), unwraps
wrappers such as sudo, env, timeout or xargs down to the real command, and parses the scripts a
command runs (`bash -c STRING`, `eval …`, a shell fed a heredoc, a here-string or `echo … |`) up
to MAX_DEPTH. A line of plain characters has no quotes, expansions or operators, so
`str.split()` is its bash parse; any other line goes to tree-sitter (haios.governance.shelltree),
which is imported only then.
"""

from __future__ import annotations

import functools
import os
import re
from collections import namedtuple

from haios.governance.shellwords import Word, nested_script, unwrap

# The hook path never imports typing (~3 ms a call): tuples are declared for the type checker
# and made with collections.namedtuple at run time (see haios.governance.hookevent).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple


MAX_DEPTH = 4
# Patterns stay strings until used (re caches them): a call that is not Bash pays for none.
_PLAIN = r"[A-Za-z0-9 \t_./=:,@%+~*-]*"
# a plain line whose first word bash reads as syntax still goes to tree-sitter
_KEYWORDS = (
    r"if|then|else|elif|fi|case|esac|for|select|while|until|do|done|in|function|time|coproc"
    r"|export|declare|local|readonly|typeset|unset"
)
_ASSIGNMENT = r"[A-Za-z_][A-Za-z0-9_]*\+?="
_HEREDOC = frozenset({"<<", "<<-", "<<<"})


if TYPE_CHECKING:

    class Redirect(NamedTuple):
        """One redirection: `op` as written (`>`, `>>`, `&>`, `<`, `2>&1` is `>&`, `<<`, `<<<`)."""

        op: str
        target: Word  # the file; for a heredoc or here-string, the text it feeds
        fd: str = ""  # the descriptor written before the operator, as in 2>

else:
    Redirect = namedtuple("Redirect", "op target fd", defaults=("",))


if TYPE_CHECKING:

    class _CommandFields(NamedTuple):
        words: tuple[Word, ...]
        redirects: tuple[Redirect, ...]
        pipeline: int  # the commands of one pipeline share this number
        position: int  # where in that pipeline: 0 is the first
        cwd: str | None  # where earlier `cd`s took it: "" not moved, a path, None unknown
        wrappers: tuple[str, ...] = ()  # outermost first; "xargs": more operands come from stdin
        depth: int = 0  # 0 on the line itself, +1 inside each script it runs (bash -c, eval)
        stdin: str | None = None  # the text fed to it, when known: heredoc, here-string, echo |

else:
    _CommandFields = namedtuple(
        "_CommandFields",
        "words redirects pipeline position cwd wrappers depth stdin",
        defaults=((), 0, None),
    )


class Command(_CommandFields):
    """One simple command, its wrappers unwrapped: words[0] is what runs."""

    __slots__ = ()

    @property
    def name(self) -> str:
        """The command's name without its folder: `/bin/rm` is `rm`."""
        return os.path.basename(self.words[0].text) if self.words else ""


if TYPE_CHECKING:

    class Script(NamedTuple):
        """Every simple command of a line, in the order bash starts them (substitutions
        first)."""

        commands: tuple[Command, ...]
        errors: bool = (
            False  # tree-sitter could not parse all of it: the commands it found are here
        )
        truncated: bool = False  # scripts nested deeper than MAX_DEPTH were not parsed

else:
    Script = namedtuple("Script", "commands errors truncated", defaults=(False, False))


@functools.lru_cache(maxsize=16)
def parse(line: str, fast: bool = True) -> Script:
    """Every simple command of a Bash command line (`fast=False`: tree-sitter even when plain)."""
    builder = Builder(fast)
    builder.script(line, 0, "")
    return Script(tuple(builder.commands), builder.errors, builder.truncated)


def is_plain(line: str) -> bool:
    """Whether str.split() is the bash parse of `line`: no quotes, expansions or operators."""
    if not re.fullmatch(_PLAIN, line):
        return False
    first = next((w for w in line.split() if not re.match(_ASSIGNMENT, w)), "")
    return not re.fullmatch(_KEYWORDS, first) and "=" not in first  # tree-sitter: `9=x` assigns


class Builder:
    """Collects the commands of a line and of the scripts they run, in the order they run."""

    def __init__(self, fast: bool) -> None:
        self.fast = fast
        self.commands: list[Command] = []
        self.pipelines = 0
        self.errors = self.truncated = False
        self.cwd: str | None = ""
        self.restart: int | None = None  # the pipeline a newline inside a command started

    def script(self, line: str, depth: int, cwd: str | None) -> None:
        """Add the commands of `line`, then those of the scripts they run."""
        if depth > MAX_DEPTH:
            self.truncated = True
            return
        start, saved = len(self.commands), self.cwd
        self.cwd = cwd
        if self.fast and is_plain(line):
            self.add([Word(w) for w in line.split()], (), depth)
        else:
            from haios.governance.shelltree import walk

            walk(self, line, depth)
        self.cwd = saved
        self._feed_pipes(start)
        for command in self.commands[start:]:
            text = nested_script(command.words, command.stdin)
            if text is not None:
                self.script(text, depth + 1, command.cwd)

    def add(
        self,
        found: list[Word],
        redirects: tuple[Redirect, ...],
        depth: int,
        pipeline: int | None = None,
        position: int = 0,
    ) -> None:
        """One simple command as found: `pipeline` None for one of its own."""
        words, wrappers = unwrap(tuple(found))
        if not words and not redirects:
            return
        number = self.new_pipeline() if pipeline is None else pipeline
        stdin = next((r.target.text for r in reversed(redirects) if r.op in _HEREDOC), None)
        command = Command(words, redirects, number, position, self.cwd, wrappers, depth, stdin)
        self.commands.append(command)
        self._follow_cd(command)

    def _follow_cd(self, command: Command) -> None:
        if command.name == "popd":
            self.cwd = None
        if command.name not in ("cd", "pushd"):
            return
        args = [w for w in command.words[1:] if not w.text.startswith("-") or w.text == "-"]
        where = args[0] if args else Word("~")
        home = where.text.startswith(("$HOME", "${HOME}"))
        if where.text == "-" or (where.dynamic and not home):
            self.cwd = None
        elif home or where.text.startswith(("/", "~")):
            self.cwd = where.text
        elif self.cwd is not None:
            self.cwd = os.path.join(self.cwd, where.text)

    def new_pipeline(self) -> int:
        self.pipelines += 1
        return self.pipelines - 1

    def _feed_pipes(self, start: int) -> None:
        """`echo TEXT | cmd`, `printf …`, `cat <<EOF | cmd`: cmd's stdin is known."""
        new = self.commands[start:]
        for n, command in enumerate(new, start):
            if command.position == 0 or command.stdin is not None:
                continue
            before = [
                c
                for c in new
                if (c.pipeline, c.position) == (command.pipeline, command.position - 1)
            ]
            if len(before) == 1:
                self.commands[n] = command._replace(stdin=_output(before[0]))


def _output(command: Command) -> str | None:
    """What a command prints, when that is written out on the line."""
    args = [w.text for w in command.words[1:]]
    if command.name == "echo":
        while args and re.fullmatch(r"-[neE]+", args[0]):
            args.pop(0)
        return " ".join(args)
    if command.name == "printf":
        return " ".join(args)
    if command.name == "cat" and not args:
        return command.stdin
    return None
