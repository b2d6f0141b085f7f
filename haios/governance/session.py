"""Session handlers: what a session learns when it starts, with each prompt, and before it stops.

Context is short on purpose: SessionStart gets ContextLoader's budgeted text, a prompt at most
`thresholds.prompt.max_chars` in all, from small files (the work cache, the transcript's tail).
Standard library only.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping

from haios.governance import workview
from haios.governance.hookevent import Context, Decision, HookEvent

TYPE_CHECKING = False  # importing typing costs ~3 ms on every hook call
if TYPE_CHECKING:
    from typing import Any

_TAIL = 256 * 1024  # bytes of the transcript read from its end to find the latest usage


def _context(text: str, handler: str) -> Decision:
    return Decision("context", text, handler)


def session_brief(event: HookEvent, context: Context) -> Decision | None:
    """SessionStart: the grounded context ContextLoader made for this session (its number,
    pending items and drift first, the held item, ready work, L0–L2 by tier). Also exports
    HAIOS_SESSION to the session's shell, so `haios work claim` and `haios checkpoint new` run
    by the agent act as this session."""
    _export_session(event.session_id)
    return _context(context.session_context, "session_brief") if context.session_context else None


def _export_session(session: str) -> None:
    env_file = os.environ.get("CLAUDE_ENV_FILE")
    if env_file and session and all(c.isalnum() or c in "-_." for c in session):
        with open(env_file, "a", encoding="utf-8") as fh:
            fh.write(f"export HAIOS_SESSION={session}\n")


def _where(row: Mapping[str, Any]) -> str:
    phase = f", phase {row['phase']}" if row.get("phase") else ""
    return f"{workview.label(dict(row))} (node {row.get('node')}{phase})"


def date_time_inject(event: HookEvent, context: Context) -> Decision | None:
    """UserPromptSubmit: the current local date and time (models do not know it)."""
    return _context(time.strftime("Now: %a %Y-%m-%d %H:%M %Z."), "date_time_inject")


def context_percentage(event: HookEvent, context: Context) -> Decision | None:
    """UserPromptSubmit: a warning as the context window fills, then the instruction to
    checkpoint, then to checkpoint and stop."""
    left = _left(event, context)
    limits = context.config["thresholds"]["context"]
    if left is None or left > limits["warn_left_pct"]:
        return None
    where = context.config["haios"]["paths"]["checkpoints_dir"]
    if left <= limits["stop_left_pct"]:
        text = f"Context: {left}% left. Write a checkpoint in {where}/ now, then stop the session."
    elif left <= limits["checkpoint_left_pct"]:
        text = f"Context: {left}% left. Write a checkpoint in {where}/ before going on."
    else:
        text = f"Context: {left}% left; plan to checkpoint soon."
    return _context(text, "context_percentage")


def slim_status_refresh(event: HookEvent, context: Context) -> Decision | None:
    """UserPromptSubmit: one line naming the item this session works on."""
    mine = workview.active(context.state_dir, event.session_id)
    return _context(f"Working on {_where(mine)}.", "slim_status_refresh") if mine else None


def vitals_inject(event: HookEvent, context: Context) -> Decision | None:
    """UserPromptSubmit: how much work is ready and claimed."""
    view = workview.load(context.state_dir)
    ready, claimed = view.get("ready_total", 0), len(view.get("claimed", []))
    if not (ready or claimed):
        return None
    return _context(f"Work: {ready} ready, {claimed} claimed.", "vitals_inject")


def checkpoint_reminder(event: HookEvent, context: Context) -> Decision | None:
    """Stop: when the context window is nearly full, ask for a checkpoint before stopping —
    once per session, and never when this stop already follows a hook's continuation."""
    if event.stop_hook_active:
        return None
    left = _left(event, context)
    limits = context.config["thresholds"]["context"]
    if (100 if left is None else left) > limits["checkpoint_left_pct"]:
        return None
    marker = os.path.join(context.state_dir, "sessions", f"{_safe(event.session_id)}.reminded")
    if os.path.exists(marker):
        return None
    os.makedirs(os.path.dirname(marker), exist_ok=True)
    with open(marker, "w", encoding="utf-8") as fh:
        fh.write(time.strftime("%Y-%m-%dT%H:%M:%S%z\n"))
    where = context.config["haios"]["paths"]["checkpoints_dir"]
    shown = "unknown" if left is None else f"{left}%"
    return Decision(
        "block",
        f"haios: context left: {shown}. Before you stop, write a checkpoint in {where}/ "
        "(what was done, what is next, open questions), then stop.",
        "checkpoint_reminder",
    )


def _safe(session: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in session)[:100] or "unknown"


RECORD_MAX_AGE = 300  # seconds: a status line runs after every answer, so older means stale


def _left(event: HookEvent, context: Context) -> int | None:
    """Context left: what `haios statusline` last recorded for this session (Claude Code's own
    figure), else the estimate from the transcript."""
    recorded = recorded_left(context.state_dir, event.session_id)
    return recorded if recorded is not None else context_left(event.transcript_path, context.config)


def _record_path(state_dir: str, session: str) -> str:
    return os.path.join(state_dir, "sessions", f"{_safe(session)}.context")


def record_left(state_dir: str, session: str, left: int) -> None:
    """Keep `left` (percent of the context window) for this session's hooks."""
    path = _record_path(state_dir, session)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"left_pct": int(left), "time": time.time()}))
        os.replace(tmp, path)
    except OSError:
        pass  # the hooks fall back to the transcript


def recorded_left(state_dir: str, session: str) -> int | None:
    try:
        with open(_record_path(state_dir, session), encoding="utf-8") as fh:
            data = json.load(fh)
        if time.time() - float(data["time"]) <= RECORD_MAX_AGE:
            return int(data["left_pct"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def context_left(transcript: str, config: Mapping[str, Any]) -> int | None:
    """Percent of the context window left, from the latest usage the transcript records (or,
    without one, from its size at ~4 bytes a token); None when there is no transcript."""
    try:
        with open(transcript, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - _TAIL))
            tail = fh.read()
    except OSError:
        return None
    used = _last_usage(tail)
    if used is None:
        used = size // 4
    window = int(config["thresholds"]["context"]["window_tokens"])
    return max(0, min(100, round(100 * (window - used) / window)))


def _last_usage(tail: bytes) -> int | None:
    for line in reversed(tail.splitlines()):
        if b'"usage"' not in line:
            continue
        try:
            usage: Any = json.loads(line).get("message", {}).get("usage", {})
        except (ValueError, AttributeError):
            continue
        keys = ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
        if isinstance(usage, dict) and usage:
            return sum(int(v) for k in keys if isinstance(v := usage.get(k), int))
    return None
