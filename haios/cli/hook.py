"""`haios hook <Event>`: Claude Code's hook protocol around GovernanceLayer's policy.

One JSON object in on stdin; the answer out on exactly the channel the contract gives the event.
No opinion prints nothing (never `allow`, which would skip the user's permission prompt). Claude
Code runs a crashed or timed-out hook as if it had said nothing, so a PreToolUse that cannot be
decided (bad input, an internal error, past its deadline) is denied unless guards.on_error says
allow, and the traceback goes to a log file, never to stdout or stderr. Imports stay few: this
runs on every tool call.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

from haios.governance.hookevent import GUARD_EVENTS, Decision

MAX_INPUT = 16 * 1024 * 1024
SETTING = "guards.on_error: allow in .claude/haios/config/governance-toggles.yaml"


class _Overrun(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Overrun


def run(argv: list[str]) -> int:
    event = argv[0] if argv else ""
    raw = sys.stdin.buffer.read(MAX_INPUT + 1)
    guards: dict[str, Any] = {"on_error": "deny", "deadline_ms": 2000}
    state_dir = None
    try:
        from haios.project import HAIOS_DIR, compiled, locate

        root = locate()
        if root is None:
            return 0  # not a haios project: no opinion
        state_dir = os.path.join(root, HAIOS_DIR, "state")
        config = compiled(root)
        guards = config["governance_toggles"]["guards"]
        with _deadline(event, guards["deadline_ms"]):
            decision = _decide(event, raw, root, config)
    except Exception as exc:
        decision = _failed(event, exc, guards, state_dir)
    return _render(event, decision)


class _deadline:
    """Raise _Overrun in this (main) thread after `ms` milliseconds, on guard events."""

    def __init__(self, event: str, ms: int) -> None:
        self.armed = event in GUARD_EVENTS
        self.ms = ms

    def __enter__(self) -> None:
        if self.armed:
            signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, self.ms / 1000)

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _decide(event: str, raw: bytes, root: str, config: dict[str, Any]) -> Decision | None:
    from haios.governance.hookevent import normalise
    from haios.governance.policy import context_for, decide

    if len(raw) > MAX_INPUT:
        raise ValueError(f"the hook input is larger than {MAX_INPUT // 1048576} MiB")
    payload = json.loads(raw.decode("utf-8"))
    return decide(normalise(event, payload), context_for(root, config))


def _failed(
    event: str, exc: Exception, guards: dict[str, Any], state_dir: str | None
) -> Decision | None:
    """What to answer when no decision could be made: log, then deny on guard events."""
    from haios.errors import HaiosError
    from haios.log import write_traceback

    log = write_traceback(exc, state_dir)
    if event not in GUARD_EVENTS or guards.get("on_error") == "allow":
        return None
    if isinstance(exc, _Overrun):
        why = f"it took longer than {guards.get('deadline_ms')} ms"
    elif isinstance(exc, HaiosError):  # e.g. a config file that does not validate
        why = str(exc)
    elif isinstance(exc, ValueError):  # json, UTF-8 and shape errors are all ValueErrors
        why = f"the hook input was not valid: {str(exc)[:200]}"
    else:
        why = f"an internal error ({type(exc).__name__})"
    where = f" Details: {log}." if log else ""
    return Decision(
        "deny",
        f"haios could not check this call ({why}), so it is blocked.{where} To let calls run "
        f"when haios cannot decide, set {SETTING}.",
        "on_error",
    )


def from_args(args: Any) -> int:
    """`haios [options] hook EVENT`, when options made the command go through argparse."""
    return run([args.event])


def _render(event: str, decision: Decision | None) -> int:
    if decision is None:
        return 0
    output: dict[str, Any] = {"hookEventName": event}
    if event == "PreToolUse" and decision.action in ("deny", "ask"):
        output["permissionDecision"] = decision.action
        output["permissionDecisionReason"] = decision.reason
    elif decision.action == "context":
        output["additionalContext"] = decision.reason
    else:
        return 0  # nothing this event can say
    sys.stdout.write(json.dumps({"hookSpecificOutput": output}) + "\n")
    sys.stdout.flush()
    return 0
