"""The values the hook path passes around: a normalised hook call, a decision, a context."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping

# The hook path never imports typing (~3 ms a call): each tuple is declared for the type checker
# and made with collections.namedtuple at run time, with the same fields and defaults.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NamedTuple

# Events where a failure to decide must block the call (Claude Code itself fails open).
GUARD_EVENTS = frozenset({"PreToolUse", "PermissionRequest"})
TOOL_EVENTS = frozenset({"PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest"})


def _nothing() -> None:
    """The default `refresh_work`: read the work cache as it is."""


def _no_gates(work_id: str) -> None:
    """The default `exit_gates`: nothing is known about an item's gates."""


if TYPE_CHECKING:

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
        reason: str = ""  # SessionEnd: why the session ended

    class Decision(NamedTuple):
        """What governance says about one call: deny, ask, block (Stop, PostToolUse), or
        context to add (`reason` is then the text)."""

        action: str
        reason: str
        handler: str

    class _ContextFields(NamedTuple):
        root: str
        work_dir: str
        settings: Mapping[str, Any]
        config: Mapping[str, Any] = {}
        refresh_work: Callable[[], None] = _nothing  # WorkEngine's index catches up with files
        # the exit gates of an item's phase, checked without running commands (see exitgates)
        exit_gates: Callable[[str], Mapping[str, Any] | None] = _no_gates
        session_context: str = ""  # SessionStart: ContextLoader's text for this session

else:
    HookEvent = namedtuple(
        "HookEvent",
        "event session_id cwd tool_name tool_input agent_id source prompt transcript_path "
        "stop_hook_active tool_response error reason",
        defaults=("", False, {}, "", ""),
    )
    Decision = namedtuple("Decision", "action reason handler")
    _ContextFields = namedtuple(
        "_ContextFields",
        "root work_dir settings config refresh_work exit_gates session_context",
        defaults=({}, _nothing, _no_gates, ""),
    )


class Context(_ContextFields):
    """What handlers may know besides the event: the project, the handler's own settings, the
    whole compiled config, how to have WorkEngine's index catch up with the files, how to learn
    whether an item's exit gates pass, and on SessionStart the context ContextLoader made for the
    session (the CLI wires them: it sees every module)."""

    __slots__ = ()

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
        reason=_text(payload, "reason"),
    )
