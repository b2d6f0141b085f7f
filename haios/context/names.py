"""Session numbers written in checkpoints: in the file name and in the frontmatter.

Every name the original HAIOS used is read: `2026-03-10-01-SESSION-484-slug.md`,
`S457-checkpoint.md`, `checkpoint-446.md`, and `session: 19` in the frontmatter, which wins
when both are there. Only the head of each file is read, and only when the file is new or
changed since the last scan (the state folder keeps what was found). Standard library only.
"""

from __future__ import annotations

import json
import os
import re

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


CACHE = "checkpoint-names.json"  # in the state folder: file -> (mtime, size, number)
_SCANS: dict[str, tuple[int, list[tuple[str, int | None]]]] = {}


def checkpoint_files(folder: str, cache: str | None = None) -> list[tuple[str, int | None]]:
    """(path, session number or None) of every `*.md` in `folder`; [] when it is missing.
    Read once per process while the folder's listing is unchanged (a session start asks for
    the highest number and for the latest checkpoint: one scan serves both). With `cache`, a
    JSON file, only the files whose size or mtime changed since it was written are opened."""
    try:
        stamp = os.stat(folder).st_mtime_ns
    except OSError:
        return []
    cached = _SCANS.get(folder)
    if cached is None or cached[0] != stamp:
        cached = _SCANS[folder] = (stamp, _scan(folder, cache))
    return cached[1]


def _scan(folder: str, cache: str | None) -> list[tuple[str, int | None]]:
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    known = _load(cache, folder) if cache else {}
    seen: dict[str, list[int | None]] = {}
    found = []
    for name in names:
        if not name.endswith(".md") or name.startswith("."):
            continue
        path = os.path.join(folder, name)
        try:
            st = os.stat(path)
        except OSError:
            continue
        entry = known.get(name)
        if entry is None or not _fresh(entry, st.st_mtime_ns, st.st_size):
            entry = [st.st_mtime_ns, st.st_size, _number(path, name)]
        seen[name] = entry
        found.append((path, entry[2]))
    if cache and seen != known:
        _save(cache, folder, seen)
    return found


def _fresh(entry: object, mtime: int, size: int) -> bool:
    """Whether a cached entry is well formed and still describes the file."""
    if not isinstance(entry, list) or len(entry) != 3 or entry[:2] != [mtime, size]:
        return False
    number = entry[2]
    return number is None or (isinstance(number, int) and not isinstance(number, bool))


def _number(path: str, name: str) -> int | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(HEAD)
    except OSError:
        head = ""
    found = number_in_text(head)
    return found if found is not None else number_in_name(name)


def _load(cache: str, folder: str) -> dict[str, list[int | None]]:
    try:
        with open(cache, encoding="utf-8") as fh:
            data = json.load(fh)
        files = data["files"] if data.get("folder") == folder else {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}
    return files if isinstance(files, dict) else {}


def _save(cache: str, folder: str, files: dict[str, list[int | None]]) -> None:
    """Replace the cache (a derived file: failing to write it costs only speed)."""
    tmp = f"{cache}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(json.dumps({"folder": folder, "files": files}, separators=(",", ":")))
        os.replace(tmp, cache)
    except OSError:
        pass


def highest(folder: str, cache: str | None = None) -> int:
    """The highest session number among the checkpoints in `folder` (0 when there is none)."""
    return max((n for _, n in checkpoint_files(folder, cache) if n is not None), default=0)
