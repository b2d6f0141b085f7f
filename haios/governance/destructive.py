"""The rules of destructive_command: Bash commands that destroy what cannot be restored.

Deleting /, ~, the project, a folder above it or .git; force-pushing or deleting a protected
branch (haios.governance.gitrules); throwing away uncommitted work; making a tree writable by
everyone; running a script from the network unseen; formatting a disk. Standard library only.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping

from haios.governance.hookevent import Context, Decision, HookEvent
from haios.governance.shell_guards import Found, shown, strongest
from haios.governance.shellwords import SHELLS, Word, path_of, shell_script

# The hook path never imports typing (~3 ms a call): tuples are declared for the type checker
# and made with collections.namedtuple at run time (see haios.governance.hookevent).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NamedTuple

    from haios.governance import shell

_DOWNLOADERS = frozenset({"curl", "wget"})
_INTERPRETER = r"(python|pypy)[0-9.]*|perl|ruby|node|php"
# find's tests that narrow what it matches (-type and -maxdepth do not: all files are many)
_FIND_FILTERS = r"-i?(name|path|wholename|regex|lname)|-newer\w*|-[amc](time|min)|-size|-empty"
_FIND_EXECS = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
_DEVICES = frozenset({"/dev/null", "/dev/zero", "/dev/stdout", "/dev/stderr", "/dev/tty"})


if TYPE_CHECKING:

    class BashCall(NamedTuple):
        """What every check of a Bash command may know: the parse, and where things are."""

        script: shell.Script
        root: str  # the project, real path
        home: str  # real path
        base: str  # where the shell starts: the event's cwd, else the project
        settings: Mapping[str, Any]  # the handler's, from hook-handlers.yaml

else:
    BashCall = namedtuple("BashCall", "script root home base settings")


def judge(script: shell.Script, event: HookEvent, context: Context) -> Decision | None:
    """destructive_command's decision on a parsed Bash call."""
    call = BashCall(
        script,
        os.path.realpath(context.root),
        os.path.realpath(os.path.expanduser("~")),
        event.cwd or context.root,
        context.settings,
    )
    found = [check(command, call) for command in script.commands for check in _CHECKS]
    if script.truncated:
        from haios.governance.shell import MAX_DEPTH

        found.append(("on_unknown", _TOO_DEEP.format(MAX_DEPTH)))
    return strongest("destructive_command", call.settings, found)


_TOO_DEEP = (
    "this command nests scripts more than {} levels deep (bash -c inside bash -c …), too deep "
    "to check. Approve it only if you know what every level does."
)


def _deletion(command: shell.Command, call: BashCall) -> Found:
    """rm -r, find -delete or find | xargs rm of /, ~, the project, a folder above it, .git."""
    unknown = bool(command.words) and command.words[0].dynamic
    if command.name == "rm" or unknown:
        recursive, targets = _rm_args(command.words[1:])
        what = _worst(targets, command, call) if recursive else None
        if what and not unknown:
            return "on_delete", (
                f"`{shown(command)}` is blocked: it would delete {what}, which cannot be "
                "undone. Delete only the files you mean, inside the project."
            )
        if what:
            return "on_unknown", (
                f"`{shown(command)}` names its command only when it runs, and with these "
                f"arguments it could delete {what}. Approve it only if you know what it runs."
            )
    if command.name == "find" and _find_deletes(command.words):
        return _find_deletion(command, command, call)
    if command.name == "rm" and "xargs" in command.wrappers and _rm_args(command.words[1:])[0]:
        feeders = [
            c
            for c in call.script.commands
            if c.pipeline == command.pipeline and c.position < command.position
        ]
        return next(filter(None, (_find_deletion(c, command, call) for c in feeders)), None)
    return None


def _rm_args(words: Iterable[Word]) -> tuple[bool, list[Word]]:
    """(whether rm would recurse, its operands). GNU rm takes options after operands too."""
    recursive, operands, ended = False, [], False
    for word in words:
        text = word.text
        if ended or not text.startswith("-") or text == "-":
            operands.append(word)
        elif text == "--":
            ended = True
        elif text.startswith("--"):
            recursive |= text == "--recursive"
        else:
            recursive |= "r" in text or "R" in text
    return recursive, operands


def _worst(targets: Iterable[Word], command: shell.Command, call: BashCall) -> str | None:
    for word in targets:
        path = path_of(word, command.cwd, call.base)
        if path is not None and os.path.basename(path) in ("*", ".*"):
            path = os.path.dirname(path)  # rm -rf /* empties / as surely as rm -rf /
        what = _precious(path, call) if path else None
        if what:
            return what
    return None


def _precious(path: str, call: BashCall) -> str | None:
    """What deleting `path` would destroy, when that is too much to delete by accident."""
    head, tail = os.path.split(path)
    real = os.path.join(os.path.realpath(head), tail) if tail else os.path.realpath(path)
    if real == "/":
        return "/, everything on this machine"
    if real == call.home:
        return f"your home folder ({path})"
    if real == call.root:
        return f"the whole project ({path})"
    if call.root.startswith(real + "/"):
        return f"{path}, a folder that holds the project"
    if real == os.path.join(call.root, ".git"):
        return "the project's git history (.git)"
    return None


def _find_args(words: tuple[Word, ...]) -> tuple[list[Word], list[str]]:
    """(the folders find starts from, its expression)."""
    n = 1
    while n < len(words) and words[n].text in ("-H", "-L", "-P", "-D"):
        n += 1 + (words[n].text == "-D")
    paths = []
    while n < len(words) and not words[n].text.startswith(("-", "(", "!", ")")):
        paths.append(words[n])
        n += 1
    return paths or [Word(".")], [w.text for w in words[n:]]


def _find_deletes(words: tuple[Word, ...]) -> bool:
    expression = _find_args(words)[1]
    return "-delete" in expression or any(
        e in _FIND_EXECS and os.path.basename(after) in ("rm", "unlink", "shred")
        for e, after in itertools.pairwise(expression)
    )


def _find_deletion(finder: shell.Command, command: shell.Command, call: BashCall) -> Found:
    """find PATH deletes everything under PATH unless a test such as -name narrows it."""
    if finder.name != "find":
        return None
    paths, expression = _find_args(finder.words)
    narrowed = any(re.fullmatch(_FIND_FILTERS, e) for e in expression) and not any(
        e in ("-o", "-or", "!", "-not") for e in expression
    )
    what = None if narrowed else _worst(paths, finder, call)
    if what is None:
        return None
    return "on_delete", (
        f"`{shown(command)}` is blocked: it would delete every file in {what}, which cannot "
        "be undone. Narrow it to the files you mean (-name '*.pyc'), inside the project."
    )


def _chmod(command: shell.Command, call: BashCall) -> Found:
    """chmod -R that makes a whole tree writable by every user (777, a+rwx, o+w)."""
    if command.name != "chmod":
        return None
    texts = [w.text for w in command.words[1:]]
    recursive = any(t == "--recursive" or re.fullmatch(r"-[a-zA-Z]*R[a-zA-Z]*", t) for t in texts)
    modes = [t for t in texts if not t.startswith("-")]
    if not (recursive and modes and _world_writable(modes[0])):
        return None
    where = " ".join(modes[1:]) or "the files"
    return "on_chmod", (
        f"`{shown(command)}` is blocked: it makes everything under {where} writable (and "
        "runnable) by every user. Give the files that need it the permission they need "
        "(chmod u+x script.sh)."
    )


def _world_writable(mode: str) -> bool:
    if re.fullmatch(r"[0-7]{1,4}", mode):
        return bool(int(mode[-1]) & 2)
    clauses = [re.fullmatch(r"([ugoa]*)([-+=])([rwxXst]*)", c) for c in mode.split(",")]
    return any(m and ("a" in m[1] or "o" in m[1]) and m[2] != "-" and "w" in m[3] for m in clauses)


def _download_run(command: shell.Command, call: BashCall) -> Found:
    """A script from the network run unseen: curl … | sh, bash <(curl …), sh -c "$(curl …)"."""
    commands = call.script.commands
    downloads = {n for n, c in enumerate(commands) if c.name in _DOWNLOADERS}
    feeder = next(
        (
            commands[n]
            for n in sorted(downloads)
            if commands[n].pipeline == command.pipeline and commands[n].position < command.position
        ),
        None,
    )
    if feeder is not None and _reads_program(command):
        how = f"{shown(feeder, 40)} | {shown(command, 20)}"
    elif any(set(w.inner) & downloads for w in _program_words(command)):
        how = shown(command)
    else:
        return None
    return "on_pipe_to_shell", (
        f"`{how}` runs a script downloaded from the network without anyone reading it. "
        "Save it to a file and read it first, or approve this if you trust the source."
    )


def _interpreter(name: str) -> bool:
    return name in SHELLS or bool(re.fullmatch(_INTERPRETER, name))


def _reads_program(command: shell.Command) -> bool:
    """Whether a shell or interpreter reads the program it runs from its stdin."""
    how = shell_script(command.words)
    if how is not None:
        return how[0] == "stdin"
    texts = [w.text for w in command.words[1:]]
    return (
        _interpreter(command.name)
        and all(t.startswith("-") for t in texts)
        and not {"-c", "-e", "-E", "-m", "--eval"} & set(texts)
    )


def _program_words(command: shell.Command) -> tuple[Word, ...]:
    """The words that are (or name) the program a shell, eval or source runs."""
    args = command.words[1:]
    if command.name == "eval":
        return args
    if command.name in ("source", "."):
        return args[:1]
    how = shell_script(command.words)
    if how is not None:
        return (how[1],) if how[1] else ()
    if not _interpreter(command.name):
        return ()
    for n, word in enumerate(args):
        if word.text in ("-c", "-e", "-E", "--eval"):
            return args[n + 1 : n + 2]
        if not word.text.startswith("-"):
            return (word,)
    return ()


def _disk(command: shell.Command, call: BashCall) -> Found:
    """Formatting a disk, or dd writing straight onto a device."""
    device = next(
        (
            w.text[3:]
            for w in command.words[1:]
            if command.name == "dd" and w.text.startswith("of=/dev/")
        ),
        None,
    )
    if command.name.startswith("mkfs") or (device and device not in _DEVICES):
        return "on_disk", (
            f"`{shown(command)}` is blocked: it overwrites a disk or partition, erasing "
            "everything on it. Ask the user to do this themselves."
        )
    return None


def _git(command: shell.Command, call: BashCall) -> Found:
    if command.name != "git":
        return None
    from haios.governance.gitrules import git_rules  # only git commands need it

    return git_rules(command, call)


_CHECKS: tuple[Callable[[shell.Command, BashCall], Found], ...] = (
    _deletion,
    _git,
    _chmod,
    _download_run,
    _disk,
)
