"""After a tool ran: failures queued for memory, WORK.md checked against its template, the index
refreshed after a WORK.md edit, and the items a close made ready named to the agent.

No handler here rewrites a file the agent just wrote (its next Edit would fail with "file
modified since read"); timestamps come from WorkEngine's own writes.
"""

from __future__ import annotations

import os
import re
import time

from haios.governance import guards, hooklog, workview
from haios.governance.hookevent import Context, Decision, HookEvent

_CLOSE = re.compile(r"\bhaios\s+(?:-\S+\s+)*work\s+close\s+([\w.-]+)")
_HEADING = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)


def _work_file(event: HookEvent, context: Context) -> tuple[str, str] | None:
    """(path, item id) when the tool wrote a WORK.md of the work folder."""
    if event.tool_name not in guards.WRITERS:
        return None
    path = guards.target(event, context.root)
    work = os.path.realpath(os.path.join(context.root, context.work_dir))
    parts = os.path.relpath(path, work).split(os.sep) if path else []
    if len(parts) != 3 or parts[0] not in ("active", "archive") or parts[2] != "WORK.md":
        return None
    assert path is not None
    return path, parts[1]


def error_capture(event: HookEvent, context: Context) -> Decision | None:
    """PostToolUseFailure: queue the failure (redacted) for MemoryBridge to learn from."""
    if event.session_id == "haios-doctor":  # `haios doctor --hooks` trying the hook
        return None
    item = workview.active(context.state_dir, event.session_id)
    line = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "session": event.session_id,
        "tool": event.tool_name,
        "input": hooklog.redact(str(event.tool_input.get("command") or event.tool_input))[:500],
        "error": hooklog.redact(event.error)[:1000],
        "work": item.get("id") if item else None,
    }
    hooklog.append(context.state_dir, hooklog.OUTBOX_NAME, line)
    return None


def template_validation(event: HookEvent, context: Context) -> Decision | None:
    """PostToolUse: a WORK.md the agent wrote keeps its frontmatter and the template's sections."""
    found = _work_file(event, context)
    if found is None:
        return None
    path, work_id = found
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        return Decision(
            "block", f"haios: {work_id}'s WORK.md cannot be read back: {exc}", "template_validation"
        )
    problems = []
    if not text.startswith("---"):
        problems.append("its frontmatter (the block between `---` lines at the top) is gone")
    missing = [h for h in _required(event, context) if h not in _HEADING.findall(text)]
    if missing:
        problems.append("it lacks the sections " + ", ".join(f"`## {h}`" for h in missing))
    if not problems:
        return None
    return Decision(
        "block",
        f"haios: {work_id}'s WORK.md no longer matches its template: {'; '.join(problems)}. "
        "Put them back (a section may stay empty).",
        "template_validation",
    )


def _required(event: HookEvent, context: Context) -> list[str]:
    """The template's sections for a Write; for an edit, those the edit itself took out (a
    legacy file with other sections is not held to today's template)."""
    template = _template_headings(context)
    if event.tool_name == "Write":
        return template
    edits = event.tool_input.get("edits") if event.tool_name == "MultiEdit" else [event.tool_input]
    old = new = ""
    for edit in edits if isinstance(edits, list) else []:
        if isinstance(edit, dict):
            old += f"\n{edit.get('old_string') or ''}"
            new += f"\n{edit.get('new_string') or ''}"
    taken = set(_HEADING.findall(old)) - set(_HEADING.findall(new))
    return [h for h in template if h in taken]


def _template_headings(context: Context) -> list[str]:
    from haios.project import HAIOS_DIR, defaults_dir

    override = os.path.join(context.root, HAIOS_DIR, "config", "work-template.md")
    path = (
        override if os.path.isfile(override) else os.path.join(defaults_dir(), "work-template.md")
    )
    with open(path, encoding="utf-8") as fh:
        return _HEADING.findall(fh.read())


def artifact_refresh(event: HookEvent, context: Context) -> Decision | None:
    """PostToolUse: after a WORK.md edit, bring the index and the hooks' work cache up to date."""
    if _work_file(event, context) is not None:
        workview.refresh(context.refresh_work)
    return None


def cascade_trigger(event: HookEvent, context: Context) -> Decision | None:
    """PostToolUse: after `haios work close ID`, name the items that closing it made ready."""
    command = event.tool_input.get("command") if event.tool_name == "Bash" else None
    match = _CLOSE.search(command) if isinstance(command, str) else None
    if match is None:
        return None
    closed = match[1]
    freed = [
        r
        for r in workview.load(context.state_dir).get("ready", [])
        if closed in r.get("blocked_by", [])
    ]
    if not freed:
        return None
    names = ", ".join(workview.label(r) for r in freed)
    return Decision("context", f"haios: closing {closed} made ready: {names}.", "cascade_trigger")
