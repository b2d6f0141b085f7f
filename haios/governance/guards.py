"""PreToolUse guards for the file tools: protected paths, and WorkEngine's single-writer rule.

Each guard takes (event, context) and returns a Decision or None (no opinion). Standard
library only: they run on every tool call.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from haios import fmtext
from haios.governance.hookevent import Context, Decision, HookEvent

READERS = frozenset({"Read", "Grep", "Glob", "NotebookRead"})
WRITERS = frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit"})
_PATH_KEYS = ("file_path", "notebook_path", "path")


def _decision(action: str, reason: str, handler: str) -> Decision | None:
    return None if action == "none" else Decision(action, reason, handler)


def _target(event: HookEvent, root: str) -> str | None:
    """The real path a file tool acts on (symlinks resolved), or None."""
    raw = next((event.tool_input[k] for k in _PATH_KEYS if event.tool_input.get(k)), None)
    if not isinstance(raw, str):
        return None
    return os.path.realpath(os.path.join(event.cwd or root, os.path.expanduser(raw)))


def _matches(path: str, globs: tuple[str, ...] | list[str]) -> str | None:
    """The first glob `path` matches: a bare name matches the file name, others the full path
    (resolved like the path itself; `dir/**` covers `dir` too)."""
    name = os.path.basename(path)
    for glob in globs:
        if not glob.startswith(("/", "~")):
            if fnmatchcase(name, glob):
                return glob
            continue
        full = os.path.realpath(os.path.expanduser(glob))
        if fnmatchcase(path, full) or (full.endswith("/**") and path == full[:-3]):
            return glob
    return None


def path_governance(event: HookEvent, context: Context) -> Decision | None:
    """Secrets are off limits to every file tool; .git/ and the outside are for reading only."""
    writing = event.tool_name in WRITERS
    if not writing and event.tool_name not in READERS:
        return None
    path = _target(event, context.root)
    if path is None:
        return None
    s: Mapping[str, Any] = context.settings
    root = os.path.realpath(context.root)
    inside = path == root or path.startswith(root + os.sep)
    shown = os.path.relpath(path, root) if inside else path
    verb = "writing" if writing else "reading"
    secret = _matches(path, s["secrets"])
    if secret and not _matches(path, s["not_secrets"]):
        return _decision(
            s["on_secret"],
            f"haios: {verb} {shown} is blocked: it holds secrets (matches {secret}). "
            "Do not work around this through another tool; ask the user if the task needs it.",
            "path_governance",
        )
    if inside and writing and ".git" in shown.split(os.sep):
        return _decision(
            s["on_git_write"],
            f"haios: writing {shown} is blocked: files inside .git/ belong to git. "
            "Use git commands instead.",
            "path_governance",
        )
    if not inside and not _matches(path, s["outside_allowed"]):
        return _decision(
            s["on_outside_write"] if writing else s["on_outside_read"],
            f"haios: {verb} {path} is outside the project ({root}). "
            "Work inside the project, or ask the user to allow this path.",
            "path_governance",
        )
    return None


# key -> how to change it instead ({id} and {value} filled in)
_COMMANDS = {
    "current_node": "`haios work move {id} {value}`",
    "queue_position": "`haios work queue {id} {value}` (claim with `haios work claim {id}`, "
    "finish with `haios work close {id}`)",
    "status": "`haios work close {id}` (or `--abandon --reason …`)",
    "owner": "`haios work claim {id}` or `haios work release {id}`",
    "blocked_by": "`haios work block {id} --by ID` or `haios work unblock {id} --by ID`",
    "blocks": "`haios work block ID --by {id}` on the waiting item",
    "id": "`haios work renumber {id}`",
}


def _after_edit(tool: str, data: Mapping[str, Any], current: str | None) -> str | None:
    """The file text the tool would leave, or None when it would not apply."""
    if tool == "Write":
        content = data.get("content")
        return content if isinstance(content, str) else None
    edits = data.get("edits") if tool == "MultiEdit" else [data]
    text = current
    for edit in edits if isinstance(edits, list) else []:
        old, new = edit.get("old_string"), edit.get("new_string")
        if text is None or not isinstance(old, str) or not isinstance(new, str) or old not in text:
            return None
        text = text.replace(old, new) if edit.get("replace_all") else text.replace(old, new, 1)
    return text


def single_writer(event: HookEvent, context: Context) -> Decision | None:
    """An agent's edit of a WORK.md may change its body, never the keys WorkEngine keeps."""
    if event.tool_name not in ("Write", "Edit", "MultiEdit"):
        return None
    path = _target(event, context.root)
    work = os.path.realpath(os.path.join(context.root, context.work_dir))
    parts = os.path.relpath(path, work).split(os.sep) if path else []
    if len(parts) != 3 or parts[0] not in ("active", "archive") or parts[2] != "WORK.md":
        return None
    assert path is not None
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            current: str | None = fh.read()
    except FileNotFoundError:
        current = None
    new = _after_edit(event.tool_name, event.tool_input, current)
    if new is None:
        return None
    before, after = fmtext.key_texts(current or "") or {}, fmtext.key_texts(new) or {}
    work_id = parts[1]
    if current is None:
        reason = f'create work items with `haios work new "TITLE"`, not by writing {parts[2]}'
    elif before and not after:
        reason = (
            f"this would remove {work_id}'s frontmatter, which haios keeps: change the body "
            "with Edit, and the item's state with `haios work …`"
        )
    else:
        keys = [k for k in context.settings["keys"] if before.get(k) != after.get(k)]
        if not keys:
            return None
        key = next((k for k in _COMMANDS if k in keys), keys[0])
        value = after.get(key, "").partition(":")[2].strip() or "VALUE"
        how = _COMMANDS.get(key, "the `haios work` commands (haios keeps it itself)")
        owned = "`" + "`, `".join(keys) + ("` belongs" if len(keys) == 1 else "` belong")
        reason = (
            f"{owned} to haios in {work_id}'s WORK.md (one writer keeps it consistent): "
            f"use {how.format(id=work_id, value=value)} instead. "
            "Edits to the body and to other keys are fine."
        )
    return _decision("deny", f"haios: {reason}", "single_writer")
