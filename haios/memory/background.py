"""Memory work that must not hold anyone up: `haios memory flush` in a detached process.

At most one runs per project at a time: a lock file made with O_EXCL, removed when the flush
ends and ignored once older than STALE seconds (a flush that was killed).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

LOCK = "memory-flush.lock"
STALE = 120.0


def flush(root: Path, state_dir: Path) -> bool:
    """Start `haios memory flush` for `root`, detached; False when one is running already."""
    lock = state_dir / LOCK
    if not take(lock):
        return False
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(os.devnull, "rb") as stdin, open(state_dir / "memory-server.log", "ab") as log:
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "haios",
                "-C",
                str(root),
                "memory",
                "flush",
                "--lock",
                str(lock),
            ],
            cwd=root,
            stdin=stdin,
            stdout=log,
            stderr=log,
            start_new_session=True,  # outlives a hook or a CLI call, and their Ctrl-C
            close_fds=True,
        )
    return True


def take(lock: Path) -> bool:
    """Create the lock file, unless a live one exists."""
    try:
        if time.time() - lock.stat().st_mtime > STALE:
            lock.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    return True


def release(lock: Path) -> None:
    lock.unlink(missing_ok=True)
