"""`haios statusline`: the line Claude Code's `statusLine` setting shows, and a record of how much
context is left, which the prompt and Stop hooks read before estimating it from the transcript.

Claude Code runs it after every assistant message with the session as JSON on stdin; a failure
or an empty line blanks the status line, so this never fails: anything unreadable is left out.
Standard library only, like `haios hook`.
"""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_INPUT = 1024 * 1024


def run(argv: list[str]) -> int:
    try:
        raw = sys.stdin.read(MAX_INPUT) if not sys.stdin.isatty() else ""
        payload = json.loads(raw) if raw.strip() else {}
    except (ValueError, OSError):
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    try:
        line = _line(payload)
    except Exception:  # a status line must never fail: show what is certain
        line = "haios"
    sys.stdout.write(line + "\n")
    return 0


def from_args(args: Any) -> int:
    """`haios [options] statusline`, when options made the command go through argparse."""
    return run([])


def _line(payload: dict[str, Any]) -> str:
    from haios.project import HAIOS_DIR, compiled, locate

    model = _mapping(payload, "model")
    parts = [str(model.get("display_name") or model.get("id") or "")]
    workspace = _mapping(payload, "workspace")
    root = locate(workspace.get("project_dir") or payload.get("cwd") or None)
    session = str(payload.get("session_id") or "")
    if root is None:
        return " · ".join(p for p in parts if p) or "haios: not a haios project"
    state = os.path.join(root, HAIOS_DIR, "state")
    config = compiled(root)
    parts += [_number(state, session), _held(state, session)]
    left = _left(payload, config)
    if left is not None:
        parts.append(f"{left}% context left")
        if session:
            from haios.governance.session import record_left

            record_left(state, session, left)
    return " · ".join(p for p in parts if p)


def _mapping(payload: dict[str, Any], key: str) -> dict[str, Any]:
    value = payload.get(key)
    return value if isinstance(value, dict) else {}


def _number(state: str, session: str) -> str:
    try:
        with open(os.path.join(state, "session.json"), encoding="utf-8") as fh:
            record = json.load(fh)["sessions"][session]
        return f"session {int(record['number'])}"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _held(state: str, session: str) -> str:
    from haios.governance import workview

    row = workview.active(state, session)
    if not row:
        return ""
    phase = f" {row['phase']}" if row.get("phase") else ""
    return f"{row.get('id')}{phase}"


def _left(payload: dict[str, Any], config: dict[str, Any]) -> int | None:
    """Percent of the context left: Claude Code's own figure when it sends one, else the
    transcript's latest usage against `thresholds.context.window_tokens`."""
    window = payload.get("context_window")
    if isinstance(window, dict):
        for key, flip in (("remaining_percentage", False), ("used_percentage", True)):
            value = window.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return max(0, min(100, round(100 - value if flip else value)))
    transcript = payload.get("transcript_path")
    if isinstance(transcript, str) and transcript:
        from haios.governance.session import context_left

        return context_left(transcript, config)
    return None
