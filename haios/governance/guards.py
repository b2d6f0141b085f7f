"""PreToolUse guards for files: protected paths (file tools, Bash, MCP), and WorkEngine's
single-writer rule.

Each guard takes (event, context) and returns a Decision or None (no opinion). Standard
library only: they run on every tool call.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator, Mapping

from haios import fmtext
from haios.governance.globs import match
from haios.governance.hookevent import Context, Decision, HookEvent

TYPE_CHECKING = False  # importing typing costs ~3 ms on every hook call
if TYPE_CHECKING:
    from typing import Any

    from haios.governance.shell import Command
    from haios.governance.shellwords import Word

READERS = frozenset({"Read", "Grep", "Glob", "NotebookRead"})
WRITERS = frozenset({"Write", "Edit", "MultiEdit", "NotebookEdit"})
_PATH_KEYS = ("file_path", "notebook_path", "path")
_RANK = {"deny": 2, "ask": 1}
# Bash commands whose words name no file they read
_NOT_READS = frozenset({"echo", "printf", "test", "[", "[[", "ls"})
_DEVICES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"})
# an MCP tool whose name holds one of these writes the paths it is given
_MCP_WRITES = ("write", "create", "edit", "update", "delete", "move", "rename", "put", "save")


def _decision(action: str, reason: str, handler: str) -> Decision | None:
    return None if action == "none" else Decision(action, reason, handler)


def target(event: HookEvent, root: str) -> str | None:
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
            if match(name, glob):
                return glob
            continue
        full = os.path.realpath(os.path.expanduser(glob))
        if match(path, full) or (full.endswith("/**") and path == full[:-3]):
            return glob
    return None


def path_governance(event: HookEvent, context: Context) -> Decision | None:
    """Secrets are off limits to every tool; .git/ and the outside are for reading only. File
    tools name one path; a Bash command or an MCP call may name several: the strongest wins."""
    best: Decision | None = None
    for path, writing, outside_reads in _uses(event, context.root):
        decision = _judge(path, writing, outside_reads, context)
        if decision is not None and (best is None or _RANK[decision.action] > _RANK[best.action]):
            best = decision
    return best


def _judge(path: str, writing: bool, outside_reads: bool, context: Context) -> Decision | None:
    """The protected-path rule for one real path."""
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
    if not inside and (writing or outside_reads) and not _matches(path, s["outside_allowed"]):
        return _decision(
            s["on_outside_write"] if writing else s["on_outside_read"],
            f"haios: {verb} {path} is outside the project ({root}). "
            "Work inside the project, or ask the user to allow this path.",
            "path_governance",
        )
    return None


def _uses(event: HookEvent, root: str) -> Iterator[tuple[str, bool, bool]]:
    """(real path, whether it is written, whether reading it outside the project counts)."""
    tool = event.tool_name
    if tool in WRITERS or tool in READERS:
        path = target(event, root)
        if path is not None:
            yield path, tool in WRITERS, True
    elif tool == "Bash" and isinstance(event.tool_input.get("command"), str):
        yield from _bash_uses(event.tool_input["command"], event.cwd or root)
    elif tool.startswith("mcp__"):
        writing = any(verb in tool.split("__", 2)[-1].lower() for verb in _MCP_WRITES)
        for raw in _path_values(event.tool_input, 0):
            if raw and "\x00" not in raw:
                full = os.path.join(event.cwd or root, os.path.expanduser(raw))
                yield os.path.realpath(full), writing, True


def _bash_uses(command: str, base: str) -> Iterator[tuple[str, bool, bool]]:
    """The files a Bash command names, and which it writes. Its words are checked for secrets
    only: `ls /usr/lib` is no outside read worth asking about."""
    from haios.governance.shell import parse  # only Bash calls load the parser's module
    from haios.governance.shellwords import path_of

    for cmd in parse(command).commands:
        uses = [] if cmd.name in _NOT_READS else list(_bash_words(cmd))
        for r in cmd.redirects:
            if r.op not in ("<<", "<<-", "<<<") and not re.fullmatch(r"[0-9]*-?", r.target.text):
                uses.append((r.target, r.op not in ("<", "<&")))
        for word, writing in uses:
            path = path_of(word, cmd.cwd, base)
            if path is not None and path not in _DEVICES:
                yield os.path.realpath(path), writing, False


def _bash_words(cmd: Command) -> Iterator[tuple[Word, bool]]:
    """(word, whether the command writes it) for the words that may name files."""
    words = [w for w in cmd.words[1:] if not w.text.startswith("-")]
    if cmd.name == "dd":
        for w in words:
            key, _, operand = w.text.partition("=")
            yield w._replace(text=operand), key == "of"
        return
    dest = len(words) - 1 if cmd.name in ("cp", "mv") and len(words) > 1 else None
    for flag, folder in itertools.pairwise(cmd.words):
        if flag.text in ("-t", "--target-directory"):
            dest = words.index(folder) if folder in words else None
    for n, w in enumerate(words):
        if not re.search(r"\s", os.path.basename(w.text)):  # prose, as in git commit -m "…"
            yield w, cmd.name == "tee" or n == dest


def _path_values(data: object, depth: int) -> Iterator[str]:
    """The strings under keys that name a path, file or dir, anywhere in an MCP tool's input."""
    if depth > 8:
        return
    values = list(data.items()) if isinstance(data, Mapping) else []
    if isinstance(data, list):
        values = [("", item) for item in data]
    for key, value in values:
        if isinstance(key, str) and any(part in key.lower() for part in ("path", "file", "dir")):
            strings = value if isinstance(value, list) else [value]
            yield from (v for v in strings if isinstance(v, str))
        if isinstance(value, Mapping | list):
            yield from _path_values(value, depth + 1)


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
    path = target(event, context.root)
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
