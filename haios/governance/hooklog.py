"""The hook log: one JSON line per hook call (`state/hooks.jsonl`), for `haios audit stats`.

Each line says what was decided, by which handler, why, in how many milliseconds, for which
session, subagent and work item, and any notable event the call showed (a commit, a test run
passing or failing, a failed command). Secrets are redacted first. Lines are appended with a
single O_APPEND write each, which concurrent hook processes cannot interleave, so the hot path
takes no lock. Standard library only.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator

from haios.governance.hookevent import Decision, HookEvent

TYPE_CHECKING = False  # importing typing costs ~3 ms on every hook call
if TYPE_CHECKING:
    from typing import Any

LOG_NAME = "hooks.jsonl"
OUTBOX_NAME = "memory-outbox.jsonl"  # failures queued for MemoryBridge to store
_MAX_TEXT = 300

_NAME = r"[\w.-]*(?:api[_-]?key|token|secret|passw(?:or)?d|passwd|pwd|credentials?)[\w.-]*"
_VALUE = r"(?:\"[^\"]*\"|'[^']*'|[^\s'\"]+)"
_SECRETS = (  # (pattern, replacement), compiled on first use: most calls redact nothing
    (rf"(?i)\b({_NAME})(\s*[=:]\s*){_VALUE}", r"\1\2***"),
    (rf"(?i)(\s--?{_NAME})(\s+){_VALUE}", r"\1\2***"),
    (r"(?i)\b(bearer|basic)\s+[a-z0-9._~+/=-]{8,}", r"\1 ***"),
    (r"(?i)(://[^/\s:@]+:)[^/\s@]+@", r"\1***@"),
    (
        r"\b(?:sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}"
        r"|AKIA[0-9A-Z]{16}|xox[abprs]-[\w-]{10,}|AIza[\w-]{30,}|glpat-[\w-]{20,})",
        "***",
    ),
)


def redact(text: str) -> str:
    """`text` with API keys, tokens and passwords replaced by `***`."""
    for pattern, replacement in _SECRETS:
        text = re.sub(pattern, replacement, text)  # re caches compiled patterns
    return text


_TEST_RUNNERS = (
    "pytest|tox|nox|jest|vitest|unittest|go test|cargo test|(?:npm|yarn|pnpm) (?:run )?test"
    "|(?:just|make) test"
)
_TESTS = rf"(?:^|[\s;&|/])(?:{_TEST_RUNNERS})\b"
_COMMIT = r"(?:^|[\s;&|])git\s+(?:-\S+\s+)*commit\b"
_CLOSE = r"(?:^|[\s;&|/])haios\s+(?:-\S+\s+)*work\s+close\b"


def notable(event: HookEvent) -> str | None:
    """commit, item_closed, tests_passed, tests_failed or command_failed, when a Bash call
    showed one."""
    command = event.tool_input.get("command") if event.tool_name == "Bash" else None
    if not isinstance(command, str) or event.event not in ("PostToolUse", "PostToolUseFailure"):
        return None
    failed = event.event == "PostToolUseFailure"
    if re.search(_TESTS, command):
        return "tests_failed" if failed else "tests_passed"
    if re.search(_COMMIT, command):
        return None if failed else "commit"
    if re.search(_CLOSE, command):
        return None if failed else "item_closed"
    return "command_failed" if failed else None


def record(
    event: HookEvent, decision: Decision | None, ms: float, work: str | None
) -> dict[str, Any]:
    """The log line of one hook call."""
    line: dict[str, Any] = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "event": event.event,
        "decision": decision.action if decision else "none",
        "ms": round(ms, 1),
        "session": event.session_id,
    }
    optional = {
        "tool": event.tool_name,
        "handler": decision.handler if decision else "",
        "reason": redact(decision.reason)[:_MAX_TEXT] if decision else "",
        "agent_id": event.agent_id,
        "work": work or "",
        "notable": notable(event) or "",
        "command": _command(event) if notable(event) else "",
    }
    line.update({k: v for k, v in optional.items() if v})
    return line


def _command(event: HookEvent) -> str:
    return redact(str(event.tool_input.get("command", "")))[:_MAX_TEXT]


def append(state_dir: str, name: str, line: dict[str, Any]) -> None:
    """Append one JSON line to `state_dir/name` in a single write."""
    data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    fd = os.open(os.path.join(state_dir, name), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def read(state_dir: str) -> Iterator[dict[str, Any]]:
    """Every readable line of the hook log (a torn or foreign line is skipped)."""
    path = os.path.join(state_dir, LOG_NAME)
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8", errors="replace") as fh:
        for text in fh:
            try:
                line = json.loads(text)
            except ValueError:
                continue
            if isinstance(line, dict) and "event" in line:
                yield line
