"""Git commands that rewrite shared history or throw away work, for destructive_command.

A force push (or a deletion) of a protected branch; `git reset --hard` and `git clean -fd`
when there is work to lose. The current branch is read from .git/HEAD; only reset and clean
start a subprocess (`git status`), and only when they are the command.
"""

from __future__ import annotations

import os

from haios.governance.destructive import BashCall
from haios.governance.globs import match
from haios.governance.shell_guards import Found
from haios.governance.shellwords import Word, path_of

TYPE_CHECKING = False  # importing typing costs ~3 ms on every hook call
if TYPE_CHECKING:
    from haios.governance import shell

_GIT_VALUES = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env"})


def git_rules(command: shell.Command, call: BashCall) -> Found:
    """Force pushes and deletions of protected branches; discarding uncommitted work."""
    if command.name != "git":
        return None
    words, chdir = list(command.words[1:]), None
    while words and words[0].text.startswith("-"):
        flag = words.pop(0)
        if flag.text in _GIT_VALUES and words:
            value = words.pop(0)
            chdir = value if flag.text == "-C" else chdir
    if not words:
        return None
    sub, args = words[0].text, words[1:]
    if sub == "push":
        return _push(args, call)
    if sub in ("reset", "clean"):
        where = path_of(chdir or Word("."), command.cwd, call.base) or call.base
        return _discard(sub, [w.text for w in args], where)
    return None


def _push(args: list[Word], call: BashCall) -> Found:
    force = delete = everything = False
    positional = []
    for word in args:
        text = word.text
        if text == "--force" or text.startswith("--force-with-lease"):
            force = True
        elif text in ("--delete", "--all", "--mirror", "--branches"):
            delete |= text == "--delete"
            everything |= text != "--delete"
        elif text.startswith("-") and not text.startswith("--"):
            force |= "f" in text
            delete |= "d" in text
        elif not text.startswith("-"):
            positional.append(word)
    protected = list(call.settings["protected_branches"])
    if everything and (force or delete) and protected:
        return "on_force_push", _PUSH.format(how="force-pushing every branch", what=protected[0])
    for word in positional[1:] or [Word("HEAD")]:
        src, colon, dst = word.text.lstrip("+").partition(":")
        removes = delete or bool(colon and not src)
        if not (force or removes or word.text.startswith("+")):
            continue
        branch: str | None = (dst if colon else src).removeprefix("refs/heads/")
        if branch in ("HEAD", "@"):
            branch = _current_branch(call.root)
        how = "deleting" if removes else "force-pushing to"
        if word.dynamic or branch is None:
            return "on_unknown", (
                f"`git push` {how} a branch known only when it runs could rewrite "
                f"{', '.join(protected)}. Name the branch, or approve this if it is safe."
            )
        if any(match(branch, glob) for glob in protected):
            return "on_force_push", _PUSH.format(how=f"{how} {branch}", what=branch)
    return None


_PUSH = (
    "{how} is blocked: it rewrites the shared history of {what}, a protected branch. "
    "Push a new branch and open a pull request, or ask the user."
)


def _current_branch(root: str) -> str | None:
    """The branch checked out in the project, read from .git/HEAD (a worktree's too)."""
    git = os.path.join(root, ".git")
    try:
        if os.path.isfile(git):
            with open(git, encoding="utf-8") as fh:
                git = os.path.join(root, fh.read().strip().removeprefix("gitdir:").strip())
        with open(os.path.join(git, "HEAD"), encoding="utf-8") as fh:
            head = fh.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return head.removeprefix("ref: refs/heads/") if head.startswith("ref: refs/heads/") else None


def _discard(sub: str, args: list[str], where: str) -> Found:
    """git reset --hard, git clean -f with -d or -x: asked only when there is work to lose."""
    flags: set[str] = set()
    for text in args:
        if text.startswith("--"):
            flags.add({"--force": "f", "--dry-run": "n", "--interactive": "i"}.get(text, text))
        elif text.startswith("-"):
            flags |= set(text[1:])
    if sub == "reset" and "--hard" in flags:
        what, untracked = "`git reset --hard` throws away uncommitted changes", False
    elif sub == "clean" and "f" in flags and flags & {"d", "x", "X"} and not flags & {"n", "i"}:
        what, untracked = "`git clean` deletes untracked files for good", True
    else:
        return None
    changes = _changes(where, untracked, ignored=bool(flags & {"x", "X"}))
    if changes is False:
        return None
    seen = "there are some" if changes else "git status could not tell whether there are any"
    return "on_discard", (
        f"{what} ({seen}). Commit or stash them first (`git stash -u`), "
        "or approve this if they can go."
    )


def _changes(where: str, untracked: bool, ignored: bool) -> bool | None:
    """Whether `git status` shows work that would be lost: changes to tracked files, or with
    `untracked` the untracked (and `ignored`) files only. None when git cannot tell."""
    import subprocess

    argv = ["git", "status", "--porcelain", f"--untracked-files={'all' if untracked else 'no'}"]
    try:
        done = subprocess.run(
            [*argv, *(["--ignored"] if ignored else [])],
            cwd=where,
            capture_output=True,
            timeout=1.0,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.splitlines()
    if untracked:
        lines = [line for line in lines if line[:2] in (b"??", b"!!")]
    return bool(lines) if done.returncode == 0 else None
