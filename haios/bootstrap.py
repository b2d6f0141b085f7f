"""ContextLoader wired cheaply, for `haios hook SessionStart` and `haios coldstart`.

`haios.runtime.build` validates the config with pydantic and builds all five modules, which
costs far more than a session start should (docs/hooks.md gives the figures). Here the same
ContextLoader gets the compiled config (plain JSON), WorkEngine's index reader and the part of
MemoryBridge a start needs (its session_recovery query, read from the digest: no mcp, no
server), and SessionStarted is journalled as the runtime would. Also the session bookkeeping of
the Stop, PreCompact and SessionEnd hooks.
"""

from __future__ import annotations

import os

from haios.project import HAIOS_DIR

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from haios.context.loader import ContextLoader


def session_id() -> str:
    """Who is acting: HAIOS_SESSION, else Claude Code's session id, else user@host."""
    for name in ("HAIOS_SESSION", "CLAUDE_CODE_SESSION_ID"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{os.uname().nodename}"  # socket.gethostname()'s answer; socket costs ~3 ms


class _Journalled:
    """Journals SessionStarted as the runtime's GovernanceLayer does (the payload is
    `haios.events.payload_dict(SessionStarted(number, prior))`), without importing blinker or
    the event classes: in this process nothing else listens."""

    def __init__(self, root: str, session: str) -> None:
        self.state = os.path.join(root, HAIOS_DIR, "state")
        self.session = session

    def __call__(self, number: int, prior: int | None) -> None:
        from haios.governance.journal import Journal

        state = self.state
        journal = Journal(os.path.join(state, "journal.jsonl"), os.path.join(state, "journal.lock"))
        payload = {"session": number, "prior": prior}
        try:
            journal.append("SessionStarted", payload, self.session, sync=False)
        except OSError:
            return  # the journal records; it never stops a session from starting


class session_loader:
    """`with session_loader(root, config, session_id) as loader:` a wired ContextLoader."""

    def __init__(self, root: str, config: Mapping[str, Any], session_id: str) -> None:
        self.root, self.config, self.session_id = root, config, session_id

    def __enter__(self) -> ContextLoader:
        from haios.context.loader import ContextLoader
        from haios.memory.digest import DigestMemory
        from haios.work.reader import IndexReader

        self.reader = IndexReader(self.root, self.config)
        memory = DigestMemory(os.path.join(self.root, HAIOS_DIR, "state"))
        started = _Journalled(self.root, self.session_id)
        return ContextLoader(
            self.root, self.config, self.reader, memory, self.session_id, started=started
        )

    def __exit__(self, *exc: object) -> None:
        self.reader.close()


def session_start(
    root: str, config: Mapping[str, Any], session_id: str, source: str, record: bool = True
) -> str:
    """SessionStart: record the session (unless not `record`) and return the context text."""
    from haios.context.loader import SOURCES

    trigger = SOURCES.get(source, "coldstart")  # newer sources (fork) start afresh
    with session_loader(root, config, session_id) as loader:
        return loader.render(loader.load(trigger, start=record)).text


def session_event(
    root: str, config: Mapping[str, Any], event: str, session_id: str, detail: str = ""
) -> None:
    """Stop, PreCompact, SessionEnd: persist the session as it goes; at SessionEnd, write a
    checkpoint when the session worked and wrote none. SessionStart (`detail`: the source)
    only numbers the session, for when its context is switched off."""
    from haios.context.sessions import SessionStore

    checkpoints = os.path.join(root, config["haios"]["paths"]["checkpoints_dir"])
    store = SessionStore(os.path.join(root, HAIOS_DIR, "state"), checkpoints)
    if event == "SessionStart":
        store.start(session_id, detail)
        return
    if event == "SessionEnd":
        record = store.end(session_id, detail)
        if record and not record.get("checkpoint") and record.get("turns"):
            from haios.context.checkpoints import closing_checkpoint

            store.set_checkpoint(session_id, closing_checkpoint(root, checkpoints, record))
        _refresh_memory(root, config)
        return
    store.touch(session_id, event, work=_held(root, session_id))


_MEMORY_FILES = ("memory.db", "memory-outbox.db", "memory-outbox.jsonl")


def _refresh_memory(root: str, config: Mapping[str, Any]) -> None:
    """At session end: replay the memory outbox and refresh the digest the next session starts
    from, in a detached process (SessionEnd has about 1.5 s). Not when there is no memory yet."""
    state = os.path.join(root, HAIOS_DIR, "state")
    if not config["memory"]["client"]["background"]:
        return
    if not any(os.path.exists(os.path.join(state, name)) for name in _MEMORY_FILES):
        return
    from pathlib import Path

    from haios.memory.background import flush

    flush(Path(root), Path(state))


def _held(root: str, session_id: str) -> str:
    """The id of the item this session holds, from the hooks' work cache ("" for none)."""
    from haios.governance import workview

    item = workview.active(os.path.join(root, HAIOS_DIR, "state"), session_id)
    return str(item.get("id") or "") if item else ""
