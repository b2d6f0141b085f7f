"""`haios doctor` on the hook registration: is every haios hook registered once, does its program
exist, and (with --hooks) does it answer as Claude Code needs when run exactly as registered.

A hook whose program is missing is the classic silent fail-open: Claude Code runs the tool as if
the hook had said nothing. Running the registered command line through `/bin/sh -c` with a sample
payload, the registered timeout and CLAUDE_PROJECT_DIR set is the only proof that it works.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from pathlib import Path
from typing import Any

from haios.cli import install
from haios.errors import HaiosError

Problem = tuple[str, str]  # (what is wrong, how to fix it)
DOCTOR_SESSION = "haios-doctor"  # sample calls carry this session id


def settings_files(root: Path) -> list[Path]:
    """Where Claude Code reads hooks from, most local first."""
    return [
        root / ".claude" / "settings.local.json",
        root / ".claude" / "settings.json",
        Path.home() / ".claude" / "settings.json",
    ]


def enabled_plugins(root: Path) -> list[str]:
    """The haios plugins (`haios@<marketplace>`) Claude Code has enabled for this project: a more
    local settings file overrides a more general one."""
    enabled: dict[str, bool] = {}
    for path in reversed(settings_files(root)):
        try:
            plugins = install.load(path).get("enabledPlugins")
        except HaiosError:
            continue
        if isinstance(plugins, dict):
            enabled.update({k: v is True for k, v in plugins.items() if k.startswith("haios@")})
    return sorted(name for name, on in enabled.items() if on)


def plugin_and_init(root: Path) -> list[Problem]:
    """The haios plugin and `haios init`'s hooks together: every hook would run twice."""
    found, _ = registrations(root)
    return [
        (
            f"the haios plugin ({plugin}) and haios' hooks in .claude/settings.json are both "
            "registered, so every hook runs twice",
            f"remove one: `haios uninstall` keeps the plugin, `claude plugin disable {plugin}` "
            "keeps this project's hooks (pinned to this haios by absolute path)",
        )
        for plugin in enabled_plugins(root)
        if found
    ]


def registrations(root: Path) -> tuple[list[tuple[Path, str, dict[str, Any]]], list[Problem]]:
    """(file, event, entry) of every haios hook entry Claude Code would see, and problems."""
    found, problems = [], []
    for path in settings_files(root):
        try:
            settings = install.load(path)
        except HaiosError as exc:
            problems.append((str(exc), "fix the file; Claude Code cannot read it either"))
            continue
        found += [(path, event, entry) for event, _, entry in install.registered(settings)]
    return found, problems


def static_problems(root: Path) -> list[Problem]:
    """Missing, doubled or dangling registrations (no hook is run)."""
    found, problems = registrations(root)
    if not found and enabled_plugins(root):
        return problems  # the plugin registers them
    if not found:
        return [("no haios hooks in .claude/settings.json", "run `haios init`")]
    problems += plugin_and_init(root)
    seen: dict[str, Path] = {}
    for path, event, entry in found:
        if event in seen:
            problems.append(
                (
                    f"{event} is registered twice ({seen[event]} and {path}): "
                    "every call runs twice",
                    "keep one: `haios uninstall` in the project, or remove the entry by hand",
                )
            )
        seen[event] = path
        program = _program(entry.get("command", ""))
        if program and not os.access(program, os.X_OK):
            problems.append(
                (
                    f"{event}: {program} does not exist or cannot run, so Claude Code skips this "
                    "hook and every guard fails open",
                    "run `haios init` again from the haios you use now (it updates the path)",
                )
            )
    return problems


def _program(command: str) -> str | None:
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    return words[0] if words and os.path.isabs(words[0]) else None


def sample(event: str, root: Path) -> tuple[dict[str, Any], str]:
    """A payload for `event` and what a correct answer must contain ('' for anything valid)."""
    base = {"session_id": DOCTOR_SESSION, "transcript_path": "", "cwd": str(root)}
    base["hook_event_name"] = event
    secret = {
        "tool_name": "Write",
        "tool_input": {"file_path": str(root / ".env"), "content": "X=1"},
    }
    extra: dict[str, dict[str, Any]] = {
        "PreToolUse": secret,
        "PermissionRequest": secret,
        "PostToolUse": {
            "tool_name": "Bash",
            "tool_input": {"command": "true"},
            "tool_response": {},
        },
        "PostToolUseFailure": {
            "tool_name": "Bash",
            "tool_input": {"command": "false"},
            "error": "Exit code 1",
        },
        "UserPromptSubmit": {"prompt": "hello"},
        "SessionStart": {"source": "startup"},
        "Stop": {"stop_hook_active": True},
        "SubagentStop": {"stop_hook_active": True},
        "PreCompact": {"trigger": "manual", "custom_instructions": ""},
        "SessionEnd": {"reason": "other"},
    }
    expect = {
        "PreToolUse": '"permissionDecision": "deny"',
        "PermissionRequest": '"behavior": "deny"',
    }
    return {**base, **extra.get(event, {})}, expect.get(event, "")


def run_one(root: Path, event: str, entry: dict[str, Any], budget_ms: float) -> dict[str, Any]:
    """Run one registered hook as Claude Code would; report time and problems."""
    payload, expected = sample(event, root)
    timeout = entry.get("timeout", 600)
    env = {**os.environ, "CLAUDE_PROJECT_DIR": str(root)}
    env.pop("CLAUDE_ENV_FILE", None)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            ["/bin/sh", "-c", entry.get("command", "")],
            input=json.dumps(payload).encode(),
            capture_output=True,
            env=env,
            cwd=root,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"event": event, "ms": timeout * 1000, "problems": [f"timed out after {timeout} s"]}
    ms = (time.perf_counter() - start) * 1000
    out = proc.stdout.decode(errors="replace")
    problems = []
    if proc.returncode != 0:
        err = proc.stderr.decode(errors="replace").strip()[-300:]
        problems.append(f"exit {proc.returncode} (Claude Code ignores the answer): {err}")
    elif out.strip():
        try:
            json.loads(out)
        except ValueError:
            problems.append(f"stdout is not JSON: {out[:200]!r}")
    if expected and expected not in out:
        problems.append(f"a write to .env was not denied (answer: {out.strip()[:200]!r})")
    if '"allow"' in out:
        problems.append("answered allow, which skips the user's permission prompt")
    if ms > budget_ms:
        problems.append(f"took {ms:.0f} ms, over the {budget_ms:.0f} ms budget")
    return {"event": event, "ms": round(ms, 1), "problems": problems}


def run_all(root: Path, budget_ms: float) -> list[dict[str, Any]]:
    """Every registered haios hook, run once (the settings files in Claude Code's order)."""
    found, _ = registrations(root)
    return [run_one(root, event, entry, budget_ms) for _, event, entry in found]
