"""haios' hook entries in `.claude/settings.json`: merged in by `init`, taken out by `uninstall`.

The user's file is theirs: every key and every other hook stays as it was, haios' entries appear
once (a second `init` changes nothing; a moved installation updates its own entries in place),
and the file is replaced atomically after a backup. A file that is not valid JSON is refused,
untouched. The command is the installed `haios` by absolute path: no PATH lookup and no shell
shim on every tool call, and `doctor` notices when that path stops existing.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

from haios.errors import HaiosError

# event -> matcher (None: the event has no matcher). Tool events are narrow: every match is a
# process, so tools haios has nothing to say about are not matched at all.
FILE_TOOLS = "Read|Write|Edit|MultiEdit|NotebookEdit|Grep|Glob"
EVENTS: dict[str, str | None] = {
    "PreToolUse": f"Bash|{FILE_TOOLS}|mcp__.*",
    "PermissionRequest": f"Bash|{FILE_TOOLS}|mcp__.*",
    "PostToolUse": "Bash|Write|Edit|MultiEdit|NotebookEdit",
    "PostToolUseFailure": "Bash",
    "UserPromptSubmit": None,
    "SessionStart": "startup|resume|clear|compact",
    "Stop": None,
    "SubagentStop": None,
    "PreCompact": None,
    "SessionEnd": None,
}
TIMEOUT = 10  # seconds; haios answers guard events within guards.deadline_ms, well below this
_OURS = re.compile(r"(?:^|[/\s'\"])haios['\"]?\s+hook\s+\w+$|-m\s+haios\s+hook\s+\w+$")


def haios_argv() -> list[str]:
    """How to run this installation of haios, by absolute path."""
    script = Path(sys.executable).parent / "haios"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "haios"]


def hook_command(event: str) -> str:
    """The command line Claude Code runs for `event`: this installation, by absolute path."""
    return shlex.join([*haios_argv(), "hook", event])


def is_ours(command: object) -> bool:
    """Whether a registered command is a haios hook entry (any installation of it)."""
    return isinstance(command, str) and bool(_OURS.search(command.strip()))


def load(path: Path) -> dict[str, Any]:
    """The settings object, {} when the file is missing; HaiosError when it is not usable."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise HaiosError(f"{path}: cannot read it ({exc}); nothing was changed") from None
    return json_object(text, str(path), "hooks", unchanged=True)


def json_object(
    text: str | None, shown: str, key: str, *, unchanged: bool = False
) -> dict[str, Any]:
    """The JSON object in `text` ({} when None or blank), with an object or nothing under `key`;
    else HaiosError naming `shown` (with line and column), and saying nothing was changed when
    `unchanged`."""
    if text is None or not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        fix = (
            "nothing was changed. Fix the file (or move it away), then run this again."
            if unchanged
            else "fix the file (or move it away), then run this again"
        )
        where = f"{shown}:{exc.lineno}:{exc.colno}"
        raise HaiosError(f"{where}: not valid JSON ({exc.msg}); {fix}") from None
    if not isinstance(data, dict) or not isinstance(data.get(key, {}), dict):
        tail = "; nothing was changed" if unchanged else ""
        raise HaiosError(f'{shown}: expected a JSON object with an object under "{key}"{tail}')
    return data


def merged(settings: dict[str, Any]) -> dict[str, Any]:
    """A copy of `settings` with haios' entries present exactly once per event."""
    result = copy.deepcopy(settings)
    hooks = result.setdefault("hooks", {})
    for event, matcher in EVENTS.items():
        groups = hooks.setdefault(event, [])
        if not isinstance(groups, list):
            raise HaiosError(
                f'settings.json: "hooks.{event}" should be a list; nothing was changed'
            )
        entry = {"type": "command", "command": hook_command(event), "timeout": TIMEOUT}
        mine = [g for g in groups if isinstance(g, dict) and _our_hooks(g)]
        for n, group in enumerate(mine):  # registered twice: keep the first, updated
            _swap_ours(group, entry if n == 0 else None)
        if not mine:  # a matcher the user narrowed on an existing entry stays theirs
            group = (
                {"hooks": [entry]} if matcher is None else {"matcher": matcher, "hooks": [entry]}
            )
            groups.append(group)
    return _prune(result)


def removed(settings: dict[str, Any]) -> dict[str, Any]:
    """A copy of `settings` without any haios entry (empty groups and events dropped)."""
    result = copy.deepcopy(settings)
    for group_list in result.get("hooks", {}).values():
        for group in group_list if isinstance(group_list, list) else []:
            if isinstance(group, dict) and _our_hooks(group):
                _swap_ours(group, None)
    return _prune(result)


def _hooks(group: dict[str, Any]) -> list[dict[str, Any]]:
    hooks = group.get("hooks")
    return [h for h in hooks if isinstance(h, dict)] if isinstance(hooks, list) else []


def _swap_ours(group: dict[str, Any], entry: dict[str, Any] | None) -> None:
    """Put `entry` in place of the group's first haios hook and drop any other haios hook."""
    kept: list[Any] = []
    for hook in group["hooks"]:
        if isinstance(hook, dict) and is_ours(hook.get("command")):
            if entry is not None:
                kept.append(entry)
                entry = None
        else:
            kept.append(hook)
    group["hooks"] = kept


def _our_hooks(group: dict[str, Any]) -> bool:
    return any(is_ours(h.get("command")) for h in _hooks(group))


def _prune(settings: dict[str, Any]) -> dict[str, Any]:
    """Drop the groups and events haios emptied; leave everything else as it was."""
    hooks = settings.get("hooks", {})
    for event in list(hooks):
        groups = hooks[event]
        if isinstance(groups, list):
            groups[:] = [g for g in groups if not (isinstance(g, dict) and g.get("hooks") == [])]
            if not groups:
                del hooks[event]
    if not hooks:
        settings.pop("hooks", None)
    return settings


def registered(settings: dict[str, Any]) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(event, matcher, hook entry) for every haios entry in `settings`."""
    found = []
    for event, groups in settings.get("hooks", {}).items():
        for group in groups if isinstance(groups, list) else []:
            if isinstance(group, dict):
                found += [(event, group.get("matcher"), h) for h in _hooks(group)]
    return [f for f in found if is_ours(f[2].get("command"))]


def dump(settings: dict[str, Any]) -> str:
    return json.dumps(settings, indent=2, ensure_ascii=False) + "\n"


def diff(path: Path, before: dict[str, Any], after: dict[str, Any]) -> str:
    old = dump(before).splitlines(keepends=True) if before else []
    lines = difflib.unified_diff(old, dump(after).splitlines(keepends=True), str(path), str(path))
    return "".join(lines)


def write(path: Path, before: dict[str, Any], after: dict[str, Any]) -> Path | None:
    """Replace `path` atomically with `after`, keeping the old file as `<name>.haios.bak`;
    return the backup (None when there was no file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if path.exists():
        backup = path.with_name(path.name + ".haios.bak")
        backup.write_bytes(path.read_bytes())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(dump(after))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return backup
