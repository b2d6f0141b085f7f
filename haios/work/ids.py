"""Work ids: what is safe to accept, and the next free number."""

from __future__ import annotations

import os
import re
from pathlib import Path

from haios.errors import InvalidId

MAX_LEN = 64
_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")


def check(work_id: str, prefix: str = "WORK-", digits: int = 3) -> str:
    """A safe id (a bare number gets the prefix), or InvalidId before any file is touched."""
    if work_id.isdigit() and len(work_id) <= 9:
        work_id = f"{prefix}{int(work_id):0{digits}d}"
    if len(work_id) > MAX_LEN or not _SAFE.fullmatch(work_id):
        shown = work_id[:40].encode("unicode_escape").decode("ascii")
        more = "…" if len(work_id) > 40 else ""
        raise InvalidId(
            f"invalid work id {shown!r}{more}: use letters, digits and dashes, "
            f"starting with a letter, at most {MAX_LEN} characters (e.g. {prefix}{1:0{digits}d})"
        )
    return work_id


def next_id(work_dir: Path, prefix: str, digits: int) -> str:
    """One past the highest `prefix` number used by any folder in active/ or archive/."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)$")
    highest = 0
    for area in ("active", "archive"):
        try:
            names = os.listdir(work_dir / area)
        except FileNotFoundError:
            continue
        for name in names:
            match = pattern.match(name)
            if match:
                highest = max(highest, int(match.group(1)))
    return f"{prefix}{highest + 1:0{digits}d}"
