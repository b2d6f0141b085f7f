"""A plan of file changes in a user's repository: checked for safety first, shown as unified
diffs (`--dry-run`), then applied, each file atomically.

Nothing is applied when any change cannot be made safely: a file that is read-only, unreadable,
or reached through a symlink that leads outside the repository. The refusal says what was found
and what to do.
"""

from __future__ import annotations

import difflib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from haios.errors import HaiosError


@dataclass(frozen=True)
class Change:
    """One file to create, replace or delete (after None), or one folder to create."""

    path: Path
    before: str | None
    after: str | None
    note: str
    folder: bool = False
    backup: bool = False  # keep the old file beside it as <name>.haios.bak


@dataclass
class Plan:
    """What a command will change, what it leaves alone and says so, and what blocks it."""

    root: Path
    changes: list[Change] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def rel(self, path: Path) -> str:
        return os.path.relpath(path, self.root)

    def read(self, path: Path) -> str | None:
        """The text of a file in the repository, None when missing; a problem when unreadable."""
        try:
            return path.read_text("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(f"{self.rel(path)}: cannot read it ({exc}); fix or move it")
            return None

    def write(self, path: Path, before: str | None, after: str, note: str, **kw: bool) -> None:
        if before != after:
            self.changes.append(Change(path, before, after, note, **kw))

    def delete(self, path: Path, before: str, note: str) -> None:
        self.changes.append(Change(path, before, None, note))

    def folder(self, path: Path) -> None:
        if not path.is_dir():
            self.changes.append(Change(path, None, None, self.rel(path) + "/", folder=True))

    def refuse_unsafe(self) -> None:
        """Record a problem for every change that cannot be made safely."""
        for change in self.changes:
            problem = unsafe(self.root, change)
            if problem:
                self.problems.append(problem)

    def raise_problems(self) -> None:
        if self.problems:
            raise HaiosError("nothing was changed:\n" + "\n".join(f"  {p}" for p in self.problems))


def unsafe(root: Path, change: Change) -> str | None:
    """Why `change` cannot be made safely, or None."""
    shown = os.path.relpath(change.path, root)
    real = change.path.resolve()
    top = root.resolve()
    if real != top and top not in real.parents:
        return (
            f"{shown} leads outside the repository (to {real}); haios does not write there. "
            "Replace the link with a regular file, or make this change by hand"
        )
    target = real if change.path.exists() else _existing_parent(real)
    if target is not None and _read_only(target):
        kind = "folder" if target.is_dir() else "file"
        return (
            f"{shown}: the {kind} {os.path.relpath(target, top)} is read-only; "
            "make it writable (chmod u+w), then run this again"
        )
    return None


def _existing_parent(path: Path) -> Path | None:
    return next((p for p in path.parents if p.exists()), None)


def _read_only(path: Path) -> bool:
    # mode bits, not os.access: root may write anything, but a user who made a file read-only
    # meant it
    mode = path.stat().st_mode
    return not mode & stat.S_IWUSR or not os.access(path, os.W_OK)


def diff(root: Path, change: Change) -> str:
    """The change as a unified diff (a folder as one line)."""
    shown = os.path.relpath(change.path, root)
    if change.folder:
        return f"new folder {shown}/\n"
    old = (change.before or "").splitlines(keepends=True)
    new = (change.after or "").splitlines(keepends=True)
    lines = difflib.unified_diff(
        old,
        new,
        "/dev/null" if change.before is None else f"a/{shown}",
        "/dev/null" if change.after is None else f"b/{shown}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def apply(root: Path, changes: list[Change]) -> None:
    """Make every change: files written atomically, deleted files' emptied folders removed."""
    for change in changes:
        path = change.path.resolve()
        if change.folder:
            path.mkdir(parents=True, exist_ok=True)
        elif change.after is None:
            path.unlink(missing_ok=True)
            _prune(path.parent, root.resolve())
        else:
            _write(path, change.after, change.backup)


def _write(path: Path, text: str, backup: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    if backup and path.exists():
        path.with_name(path.name + ".haios.bak").write_bytes(path.read_bytes())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _prune(folder: Path, root: Path) -> None:
    """Remove `folder` and its parents up to `root` while they are empty."""
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
