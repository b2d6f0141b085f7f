"""The words of one parsed shell command: wrappers, the scripts it runs, the paths it names.

Standard library only; shared by the shell parser and the guards that read its commands.
"""

from __future__ import annotations

import os
import re
from collections import namedtuple

# The hook path never imports typing (~3 ms a call): tuples are declared for the type checker
# and made with collections.namedtuple at run time (see haios.governance.hookevent).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple


SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
_ASSIGNMENT = r"[A-Za-z_][A-Za-z0-9_]*\+?="
_HOME = r"\$(HOME|\{HOME\})(?=/|$)"


if TYPE_CHECKING:

    class Word(NamedTuple):
        """One word as bash passes it: quotes removed, escapes applied; expansions stay as
        written."""

        text: str
        dynamic: bool = (
            False  # holds $VAR, ${…}, $(…), `…`, $((…)) or <(…): known only when it runs
        )
        inner: tuple[int, ...] = ()  # Script.commands indices of what its substitutions run

else:
    Word = namedtuple("Word", "text dynamic inner", defaults=(False, ()))


# wrapper -> (short options that take the next word as their value, long options that do when
# written without =, how many words come between the options and the command: timeout's duration)
_WRAPPERS = {
    "sudo": ("CDghpRrTtUu", "--user --group --host --prompt", 0),
    "doas": ("Cu", "", 0),
    "env": ("CSu", "--chdir --split-string --unset", 0),
    "nice": ("n", "--adjustment", 0),
    "ionice": ("cnp", "--class --classdata --pid", 0),
    "nohup": ("", "", 0),
    "time": ("fo", "--format --output", 0),
    "timeout": ("ks", "--kill-after --signal", 1),
    "command": ("", "", 0),
    "builtin": ("", "", 0),
    "exec": ("a", "", 0),
    "stdbuf": ("eio", "--error --input --output", 0),
    "xargs": ("adEILnPs", "--arg-file --delimiter --max-args --max-procs --replace", 0),
}


def unwrap(words: tuple[Word, ...]) -> tuple[tuple[Word, ...], tuple[str, ...]]:
    """(the words of the command that really runs, the wrappers around it, outermost first)."""
    wrappers: list[str] = []
    while True:
        words = _skip_assignments(words)
        name = os.path.basename(words[0].text) if words and not words[0].dynamic else ""
        spec = _WRAPPERS.get(name)
        inner = _after_options(name, words[1:], spec) if spec else None
        if not inner:  # not a wrapper, or one that runs nothing (sudo -l, command -v x)
            return words, tuple(wrappers)
        wrappers.append(name)
        words = inner


def _skip_assignments(words: tuple[Word, ...]) -> tuple[Word, ...]:
    while words and re.match(_ASSIGNMENT, words[0].text):
        words = words[1:]
    return words


def _after_options(
    name: str, words: tuple[Word, ...], spec: tuple[str, str, int]
) -> tuple[Word, ...]:
    short, long, before = spec
    n = 0
    while n < len(words):
        text = words[n].text
        if text == "--":
            n += 1
            break
        if name == "command" and text in ("-v", "-V"):
            return ()
        if text.startswith("--"):
            n += 1 + (text in long.split())
        elif text.startswith("-") and len(text) > 1:
            value = next((k for k, c in enumerate(text[1:]) if c in short), None)
            n += 1 + (value == len(text) - 2)  # `-u root`, not `-uroot`
        elif name == "env" and text == "-":
            n += 1
        else:
            break
    return _skip_assignments(words[n:])[before:]


def shell_script(words: tuple[Word, ...]) -> tuple[str, Word | None] | None:
    """How a shell gets its script: ("c", word) for -c, ("file", word), or ("stdin", None).
    None when the command is not a shell."""
    if not words or os.path.basename(words[0].text) not in SHELLS:
        return None
    inline = from_stdin = False
    n = 1
    while n < len(words):
        text = words[n].text
        if text == "--" or not text.startswith(("-", "+")) or text in ("-", "+"):
            n += text == "--"
            break
        flags = text[1:] if not text.startswith("--") else ""
        inline |= text[0] == "-" and "c" in flags
        from_stdin |= text[0] == "-" and "s" in flags
        n += 1 + sum(c in "oO" for c in flags) + (text in ("--rcfile", "--init-file"))
    script = words[n] if n < len(words) else None
    if inline:
        return "c", script
    if script is None or from_stdin or script.text == "-":
        return "stdin", None
    return "file", script


def nested_script(words: tuple[Word, ...], stdin: str | None) -> str | None:
    """The text of the script a command runs in a new shell, when it is written out."""
    if words and words[0].text == "eval" and not words[0].dynamic:
        return " ".join(w.text for w in words[1:])
    how = shell_script(words)
    if how is None:
        return None
    kind, word = how
    if kind == "c":
        return word.text if word else None
    return stdin if kind == "stdin" else None


def path_of(word: Word, cwd: str | None, base: str) -> str | None:
    """The absolute, normalised path a word names for a command run in `cwd` (Command.cwd)
    of a shell started in `base`; None when only the running shell could tell."""
    text = word.text
    home = re.match(_HOME, text)
    if home:
        text = "~" + text[home.end() :]
    if "\x00" in text or (word.dynamic and (not home or re.search(r"[$`]", text))):
        return None
    text = os.path.expanduser(text)
    if not text.startswith("/"):
        start = base if cwd == "" else path_of(Word(cwd), "", base) if cwd else None
        if start is None:
            return None
        text = os.path.join(start, text)
    return "/" + os.path.normpath(text).lstrip("/")
