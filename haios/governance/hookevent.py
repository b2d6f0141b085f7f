"""The values the hook path passes around: a normalised hook call, a decision, a context."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

# Events where a failure to decide must block the call (Claude Code itself fails open).
GUARD_EVENTS = frozenset({"PreToolUse", "PermissionRequest"})
TOOL_EVENTS = frozenset({"PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest"})


class HookEvent(NamedTuple):
    """One hook call, normalised: unknown fields ignored, newer ones optional."""

    event: str
    session_id: str
    cwd: str
    tool_name: str
    tool_input: Mapping[str, Any]
    agent_id: str
    source: str
    prompt: str
    transcript_path: str = ""
    stop_hook_active: bool = False
    tool_response: Mapping[str, Any] = {}
    error: str = ""


class Decision(NamedTuple):
    """What governance says about one call: deny, ask, block (Stop, PostToolUse), or context
    to add (`reason` is then the text)."""

    action: str
    reason: str
    handler: str


class Context(NamedTuple):
    """What handlers may know besides the event: the project, the handler's own settings and
    the whole compiled config."""

    root: str
    work_dir: str
    settings: Mapping[str, Any]
    config: Mapping[str, Any] = {}
    refresh_work: Callable[[], None] = lambda: None  # WorkEngine's index catches up with the files

    @property
    def state_dir(self) -> str:
        return f"{self.root}/.claude/haios/state"


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key, "")
    if not isinstance(value, str):
        raise ValueError(f"{key} should be a string, not {type(value).__name__}")
    return value


def normalise(event_name: str, payload: object) -> HookEvent:
    """A HookEvent from Claude Code's stdin object; ValueError when it is not one."""
    if not isinstance(payload, dict):
        raise ValueError(f"the hook input should be a JSON object, not {type(payload).__name__}")
    tool_input = payload.get("tool_input", {})
    if not isinstance(tool_input, dict):
        raise ValueError(f"tool_input should be an object, not {type(tool_input).__name__}")
    response = payload.get("tool_response", {})
    if event_name in TOOL_EVENTS and not (payload.get("tool_name") and "tool_input" in payload):
        raise ValueError(f"a {event_name} call needs a tool_name and a tool_input")
    return HookEvent(
        event=event_name,
        session_id=_text(payload, "session_id"),
        cwd=_text(payload, "cwd"),
        tool_name=_text(payload, "tool_name"),
        tool_input=tool_input,
        agent_id=_text(payload, "agent_id"),
        source=_text(payload, "source"),
        prompt=_text(payload, "prompt"),
        transcript_path=_text(payload, "transcript_path"),
        stop_hook_active=payload.get("stop_hook_active") is True,
        tool_response=response if isinstance(response, dict) else {},
        error=_text(payload, "error"),
    )
