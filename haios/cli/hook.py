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
import sys
import time

from haios.governance.hookevent import GUARD_EVENTS, Context, Decision, HookEvent

TYPE_CHECKING = False  # importing typing costs ~3 ms on every hook call
if TYPE_CHECKING:
    from typing import Any

MAX_INPUT = 16 * 1024 * 1024
EVENTS = frozenset(
    {
        "PreToolUse",
        "PermissionRequest",
        "PostToolUse",
        "PostToolUseFailure",
        "UserPromptSubmit",
        "SessionStart",
        "Stop",
        "SubagentStop",
        "SessionEnd",
        "PreCompact",
    }
)
SESSION_EVENTS = frozenset({"SessionStart", "Stop", "PreCompact", "SessionEnd"})
CONTEXT_EVENTS = frozenset(
    {"PreToolUse", "PostToolUse", "PostToolUseFailure", "UserPromptSubmit", "SessionStart"}
)
SETTING = "guards.on_error: allow in .claude/haios/config/governance-toggles.yaml"


class _Overrun(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Overrun


def run(argv: list[str]) -> int:
    started = time.perf_counter()
    event = argv[0] if argv else ""
    raw = sys.stdin.buffer.read(MAX_INPUT + 1)
    guards: dict[str, Any] = {"on_error": "deny", "deadline_ms": 2000}
    state_dir = None
    call = None
    try:
        from haios.project import HAIOS_DIR, compiled, locate

        root = locate()
        if root is None or event not in EVENTS:
            return 0  # not a haios project, or an event haios has nothing to say about
        state_dir = os.path.join(root, HAIOS_DIR, "state")
        config = compiled(root)
        guards = config["governance_toggles"]["guards"]
        with _deadline(event, guards["deadline_ms"]):
            call = _normalised(event, raw)
            text = _session(call, root, config, state_dir) if event in SESSION_EVENTS else ""
            decision = _decide(call, root, config, text)
    except Exception as exc:
        decision = _failed(event, exc, guards, state_dir)
    code = _render(event, decision)
    if state_dir is not None:
        _journal(state_dir, call, event, decision, started)
    return code


class _deadline:
    """Raise _Overrun in this (main) thread after `ms` milliseconds, on guard events."""

    def __init__(self, event: str, ms: int) -> None:
        self.armed = event in GUARD_EVENTS
        self.ms = ms

    def __enter__(self) -> None:
        if self.armed:
            import signal  # guard events only: ~1 ms the session events need not pay

            signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, self.ms / 1000)

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            import signal

            signal.setitimer(signal.ITIMER_REAL, 0)


def _normalised(event: str, raw: bytes) -> HookEvent:
    from haios.governance.hookevent import normalise

    if len(raw) > MAX_INPUT:
        raise ValueError(f"the hook input is larger than {MAX_INPUT // 1048576} MiB")
    return normalise(event, json.loads(raw.decode("utf-8")))


def _decide(
    call: HookEvent, root: str, config: dict[str, Any], session_context: str = ""
) -> Decision | None:
    from haios.governance.policy import decide

    return decide(call, wired_context(root, config)._replace(session_context=session_context))


def wired_context(root: str, config: dict[str, Any]) -> Context:
    """The handlers' context, with the callbacks into WorkEngine and CycleRunner they may use."""
    from haios.governance.policy import context_for

    return context_for(
        root,
        config,
        refresh_work=lambda: refresh_work(root, config),
        exit_gates=lambda work_id: exit_gates(root, work_id),
    )


def exit_gates(root: str, work_id: str) -> dict[str, Any] | None:
    """The exit gates of the item's cycle phase that fail, command gates left out; None when
    the item is unknown or in no cycle (the command itself will say so)."""
    from haios.errors import HaiosError
    from haios.project import Project
    from haios.runtime import build

    try:
        with build(Project(root)) as runtime:
            work = runtime.work.get(work_id)
            if work.cycle_phase is None:
                return None
            cycle = runtime.cycles.locate(work)
            result = runtime.cycles.check(cycle, work, run_commands=False)
    except HaiosError:
        return None
    failed = [(gate.gate_id, gate.reason) for gate in result.failed]
    return {
        "id": work.id,
        "node": work.current_node,
        "cycle": cycle,
        "phase": work.cycle_phase,
        "failed": failed,
    }


def _session(call: HookEvent, root: str, config: dict[str, Any], state_dir: str) -> str:
    """ContextLoader's part of a session event: number the session and make its context
    (SessionStart), or persist it as it goes (Stop, PreCompact, SessionEnd). A failure here
    degrades the session's context to a one-line note; it never fails the hook."""
    record = call.session_id not in ("", "haios-doctor")  # doctor's sample calls are no session
    try:
        from haios import bootstrap

        if call.event == "SessionStart":
            if not config["hook_handlers"]["session_brief"]["enabled"]:
                if record:
                    bootstrap.session_event(root, config, call.event, call.session_id, call.source)
                return ""
            return bootstrap.session_start(root, config, call.session_id, call.source, record)
        if record:
            bootstrap.session_event(root, config, call.event, call.session_id, call.reason)
    except Exception as exc:
        from haios.log import write_traceback

        log = write_traceback(exc, state_dir)
        if call.event == "SessionStart":
            return (
                f"haios: the session context could not be built ({type(exc).__name__}); "
                f"details in {log}. `haios coldstart` shows it once the problem is fixed."
            )
    return ""


def refresh_work(root: str, config: dict[str, Any]) -> None:
    """Bring WorkEngine's index, and the hooks' work cache with it, up to date with the files."""
    from pathlib import Path

    from haios.project import HAIOS_DIR
    from haios.work.index import open_index

    index = open_index(
        Path(root, HAIOS_DIR, "state"),
        Path(root),
        config["haios"]["paths"]["work_dir"],
        config["haios"]["work"]["default_type"],
        config["node_bindings"]["nodes"],
    )
    try:
        index.refresh()
    finally:
        index.close()


def _journal(
    state_dir: str, call: HookEvent | None, event: str, decision: Decision | None, started: float
) -> None:
    """One line in the hook log; a failure to write it never changes the answer."""
    try:
        from haios.governance import hooklog, workview

        call = call or HookEvent(event, "", "", "", {}, "", "", "")
        item = workview.active(state_dir, call.session_id)
        ms = (time.perf_counter() - started) * 1000
        line = hooklog.record(call, decision, ms, item.get("id") if item else None)
        hooklog.append(state_dir, hooklog.LOG_NAME, line)
    except Exception as exc:
        from haios.log import write_traceback

        write_traceback(exc, state_dir)


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
    """Print `decision` on the channel the hook contract gives `event` (or nothing)."""
    if decision is None:
        return 0
    action, reason = decision.action, decision.reason
    specific: dict[str, Any] = {"hookEventName": event}
    output: dict[str, Any] = {"hookSpecificOutput": specific}
    if event == "PreToolUse" and action in ("deny", "ask"):
        specific.update(permissionDecision=action, permissionDecisionReason=reason)
    elif event == "PermissionRequest" and action == "deny":
        specific["decision"] = {"behavior": "deny", "message": reason}
    elif event in ("Stop", "SubagentStop", "PostToolUse") and action == "block":
        output = {"decision": "block", "reason": reason}
    elif action == "context" and event in CONTEXT_EVENTS:
        specific["additionalContext"] = reason
    else:
        return 0  # nothing this event can say
    sys.stdout.write(json.dumps(output) + "\n")  # ASCII: safe whatever the locale
    sys.stdout.flush()
    return 0
