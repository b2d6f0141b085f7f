"""Session numbers written in checkpoints: in the file name and in the frontmatter.

Every name the original HAIOS used is read: `2026-03-10-01-SESSION-484-slug.md`,
`S457-checkpoint.md`, `checkpoint-446.md`, and `session: 19` in the frontmatter, which wins
when both are there. Only the head of each file is read. Standard library only.
"""

from __future__ import annotations

import os
import re

TYPE_CHECKING = False  # the SessionStart hook comes through here: no typing import
if TYPE_CHECKING:
    from collections.abc import Iterator

_NAMES = (
    re.compile(r"SESSION-(\d+)", re.IGNORECASE),
    re.compile(r"^S(\d+)(?:\b|-|_)"),
    re.compile(r"checkpoint-(\d+)", re.IGNORECASE),
)
_FIELD = re.compile(r"^session:\s*[\"']?(\d+)[\"']?\s*(?:#.*)?$", re.MULTILINE)
HEAD = 4096  # bytes: frontmatter keys this far into a file are found


def number_in_name(name: str) -> int | None:
    """The session number a checkpoint's file name carries, or None."""
    for pattern in _NAMES:
        match = pattern.search(name)
        if match:
            return int(match.group(1))
    return None


def number_in_text(head: str) -> int | None:
    """`session: N` in a frontmatter at the start of `head`, or None."""
    if not head.lstrip("\ufeff").startswith("---"):
        return None
    end = head.find("\n---", 3)
    match = _FIELD.search(head if end < 0 else head[:end])
    return int(match.group(1)) if match else None


_SCANS: dict[str, tuple[int, list[tuple[str, int | None]]]] = {}


def checkpoint_files(folder: str) -> list[tuple[str, int | None]]:
    """(path, session number or None) of every `*.md` in `folder`; [] when it is missing.
    Read once per process while the folder's listing is unchanged (a session start asks for
    the highest number and for the latest checkpoint: one scan serves both)."""
    try:
        stamp = os.stat(folder).st_mtime_ns
    except OSError:
        return []
    cached = _SCANS.get(folder)
    if cached is None or cached[0] != stamp:
        cached = _SCANS[folder] = (stamp, list(_scan(folder)))
    return cached[1]


def _scan(folder: str) -> Iterator[tuple[str, int | None]]:
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not name.endswith(".md") or name.startswith("."):
            continue
        path = os.path.join(folder, name)
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                head = fh.read(HEAD)
        except OSError:
            continue
        found = number_in_text(head)
        yield path, found if found is not None else number_in_name(name)


def highest(folder: str) -> int:
    """The highest session number among the checkpoints in `folder` (0 when there is none)."""
    return max((n for _, n in checkpoint_files(folder) if n is not None), default=0)
