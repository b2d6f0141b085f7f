"""Session numbers: one source of truth, `state/session.json`, keyed by Claude Code's session id.

A new session id gets the next number: one more than the highest number session.json or any
checkpoint holds, so a project that kept the original HAIOS's checkpoints goes on from there.
The same id (a resume, a compaction) keeps its number. Every change is made under an exclusive
lock on `state/locks/session.lock` and written atomically, so two sessions that start at once get
two numbers. Format (v1):

    {"version": 1, "last": 487,
     "sessions": {"<session id>": {"number": 487, "prior": 486, "started": "…Z",
                  "last_seen": "…Z", "sources": ["startup"], "turns": 3, "compactions": 0,
                  "work": "WORK-007", "ended": null, "end_reason": null, "checkpoint": null,
                  "orphan_reported": null}}}

Standard library only: the SessionStart hook comes through here.
"""

from __future__ import annotations

import json
import os
import time

from haios.context import names
from haios.errors import HaiosError
from haios.flock import Flock

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

NAME = "session.json"
VERSION = 1
LOCK_WAIT = 5.0  # seconds
KEEP = 500  # records kept; the oldest finished ones go first


class SessionStateError(HaiosError):
    """session.json cannot be read, written or locked."""


STAMP = "%Y-%m-%dT%H:%M:%SZ"  # UTC: stamps of this form sort as the times they stand for


def now(seconds_ago: float = 0) -> str:
    return time.strftime(STAMP, time.gmtime(time.time() - seconds_ago))


def _before(stamp: object, cutoff: str) -> bool:
    """Whether a stamp of ours is at or before `cutoff`; a missing or malformed one is not."""
    return (
        isinstance(stamp, str)
        and len(stamp) == len(cutoff)
        and stamp[-1] == "Z"
        and (stamp <= cutoff)
    )


class SessionStore:
    """Reads and changes `session.json`; `checkpoints_dir` gives the floor of the numbering."""

    def __init__(self, state_dir: str, checkpoints_dir: str) -> None:
        self.state_dir = state_dir
        self.path = os.path.join(state_dir, NAME)
        self.checkpoints_dir = checkpoints_dir
        self.names_cache = os.path.join(state_dir, names.CACHE)

    # -- reading -----------------------------------------------------------------------------

    def read(self) -> dict[str, Any]:
        """The document; an empty one when the file is missing. A broken file is kept aside
        (`session.json.broken`) and numbering goes on from the checkpoints."""
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            data = None
        except (OSError, ValueError):
            data = None
            self._set_aside()
        if not isinstance(data, dict) or not isinstance(data.get("sessions"), dict):
            return {"version": VERSION, "last": 0, "sessions": {}}
        return data

    def get(self, session_id: str) -> dict[str, Any] | None:
        record = self.read()["sessions"].get(session_id)
        return dict(record, id=session_id) if isinstance(record, dict) else None

    def records(self) -> list[dict[str, Any]]:
        """Every record, newest number first, each with its session id under `id`."""
        sessions = self.read()["sessions"]
        found = [dict(r, id=k) for k, r in sessions.items() if isinstance(r, dict)]
        return sorted(found, key=lambda r: -int(r.get("number") or 0))

    def next_number(self) -> int:
        """The number the next new session would get (nothing is recorded)."""
        return max(int(self.read().get("last") or 0), self._highest()) + 1

    def _highest(self) -> int:
        return names.highest(self.checkpoints_dir, self.names_cache)

    # -- changing ----------------------------------------------------------------------------

    def start(
        self, session_id: str, source: str, orphan_after_s: float = 3600
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """(this session's record, sessions found orphaned by this start). A known id keeps its
        number; a new one gets the next and reports, once, earlier sessions that never ended."""

        def change(data: dict[str, Any]) -> Any:
            sessions = data["sessions"]
            stamp = now()
            record = sessions.get(session_id)
            if isinstance(record, dict):
                record["last_seen"] = stamp
                record["sources"] = [*record.get("sources", []), source][-20:]
                return dict(record, id=session_id), []
            last = max(int(data.get("last") or 0), self._highest())
            record = _new_record(last + 1, last or None, stamp, source)
            orphans = self._orphans(sessions, session_id, orphan_after_s)
            for orphan in orphans:
                sessions[orphan["id"]]["orphan_reported"] = last + 1
            sessions[session_id] = record
            data["last"] = last + 1
            _prune(sessions)
            return dict(record, id=session_id), orphans

        result: tuple[dict[str, Any], list[dict[str, Any]]] = self._update(change)
        return result

    def touch(self, session_id: str, event: str, work: str | None = None) -> dict[str, Any]:
        """Persist what a session did so far (Stop: a turn; PreCompact: a compaction)."""

        def change(data: dict[str, Any]) -> Any:
            record = data["sessions"].get(session_id)
            if not isinstance(record, dict):  # haios was installed mid-session
                last = max(int(data.get("last") or 0), self._highest())
                record = data["sessions"][session_id] = _new_record(
                    last + 1, last or None, now(), "late"
                )
                data["last"] = last + 1
            record["last_seen"] = now()
            key = {"Stop": "turns", "PreCompact": "compactions"}.get(event)
            if key:
                record[key] = int(record.get(key) or 0) + 1
            if work is not None:
                record["work"] = work or None
            return dict(record, id=session_id)

        result: dict[str, Any] = self._update(change)
        return result

    def end(self, session_id: str, reason: str) -> dict[str, Any] | None:
        """Mark a session ended (SessionEnd); None when it was never recorded."""

        def change(data: dict[str, Any]) -> Any:
            record = data["sessions"].get(session_id)
            if not isinstance(record, dict):
                return None
            record["ended"] = record["last_seen"] = now()
            record["end_reason"] = reason or "other"
            return dict(record, id=session_id)

        result: dict[str, Any] | None = self._update(change)
        return result

    def set_checkpoint(self, session_id: str, path: str) -> None:
        def change(data: dict[str, Any]) -> None:
            record = data["sessions"].get(session_id)
            if isinstance(record, dict):
                record["checkpoint"] = path

        self._update(change)

    # -- plumbing ----------------------------------------------------------------------------

    def _orphans(
        self, sessions: dict[str, Any], current: str, after_s: float
    ) -> list[dict[str, Any]]:
        cutoff = now(after_s)
        candidates = [
            dict(r, id=k)
            for k, r in sessions.items()
            if isinstance(r, dict)
            and k != current
            and not r.get("ended")
            and not r.get("checkpoint")
            and not r.get("orphan_reported")
            and _before(r.get("last_seen"), cutoff)
        ]
        if not candidates:
            return []
        closed = {
            n
            for _, n in names.checkpoint_files(self.checkpoints_dir, self.names_cache)
            if n is not None
        }
        return [r for r in candidates if r.get("number") not in closed]

    def _update(self, change: Callable[[dict[str, Any]], Any]) -> Any:
        with self.locked():
            data = self.read()
            result = change(data)
            self._write(data)
        return result

    def locked(self) -> _Lock:
        return _Lock(os.path.join(self.state_dir, "locks", "session.lock"))

    def _write(self, data: dict[str, Any]) -> None:
        data["version"] = VERSION
        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            # One compact string: only json.dumps without indent runs the C encoder (json.dump
            # and indent take the Python one: ~8 ms a start with 500 sessions). No fsync: a
            # file lost to a power cut is set aside on read.
            text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise SessionStateError(
                f"{self.path}: cannot write ({exc.strerror}); make the state folder writable"
            ) from None

    def _set_aside(self) -> None:
        try:
            os.replace(self.path, self.path + ".broken")
        except OSError:
            return  # not in the way either: it is read as empty


def _new_record(number: int, prior: int | None, stamp: str, source: str) -> dict[str, Any]:
    return {
        "number": number,
        "prior": prior,
        "started": stamp,
        "last_seen": stamp,
        "sources": [source],
        "turns": 0,
        "compactions": 0,
        "work": None,
        "ended": None,
        "end_reason": None,
        "checkpoint": None,
        "orphan_reported": None,
    }


def _prune(sessions: dict[str, Any]) -> None:
    """Keep KEEP records: the oldest finished ones go first (ended, checkpointed, or reported
    as orphaned: nothing will change them again)."""
    if len(sessions) <= KEEP:
        return
    finished = sorted(
        (
            k
            for k, r in sessions.items()
            if isinstance(r, dict)
            and (r.get("ended") or r.get("checkpoint") or r.get("orphan_reported"))
        ),
        key=lambda k: int(sessions[k].get("number") or 0),
    )
    for key in finished[: len(sessions) - KEEP]:
        del sessions[key]


class _Lock(Flock):
    """`locks/session.lock`; after LOCK_WAIT seconds, say what to do, never hang."""

    def __init__(self, path: str) -> None:
        super().__init__(path, LOCK_WAIT, poll=0.01)

    def __enter__(self) -> None:
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            super().__enter__()
        except TimeoutError:  # an OSError too: first
            raise SessionStateError(
                f"{self.path}: still locked by another haios process after {LOCK_WAIT:g} s; "
                "try again"
            ) from None
        except OSError as exc:
            raise SessionStateError(
                f"{self.path}: cannot open the lock ({exc.strerror}); make the state folder "
                "writable"
            ) from None
