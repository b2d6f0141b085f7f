"""An exclusive `fcntl.flock` on a whole lock file, left in place, waited for up to a deadline.

That is the primitive filelock's FileLock takes on Unix, so this lock and a FileLock on the same
file exclude each other, across processes and haios versions; but filelock 4 imports logging,
inspect and typing (~20 ms), and the session start takes two locks. It needs a filesystem with
flock (every local one has it). Standard library only.
"""

from __future__ import annotations

import fcntl
import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    StrPath = str | os.PathLike[str]


class Flock:
    """`with Flock(path, timeout):` holds the lock; TimeoutError (worded by `busy`) when another
    process held it for `timeout` seconds, OSError when the file cannot be opened."""

    def __init__(self, path: StrPath, timeout: float, poll: float = 0.05) -> None:
        self.path = path
        self.timeout = timeout
        self.poll = poll  # seconds between tries, as filelock polls
        self.fd: int | None = None

    def busy(self) -> str:
        return f"{self.path}: still locked by another process after {self.timeout:g} s"

    def __enter__(self) -> None:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(self.path, flags, 0o666)  # FileLock's mode: 0o666 less the umask
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise TimeoutError(self.busy()) from None
                time.sleep(self.poll)
        self.fd = fd

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            fd, self.fd = self.fd, None
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
