"""Rules tied to the work item a session holds: its cycle phase, and the files it may touch.

The item and its phase come from the work cache (see `workview`), never from WORK.md files.
Standard library only: these run on every tool call.
"""

from __future__ import annotations

import os

from haios.governance import guards, workview
from haios.governance.globs import match
from haios.governance.hookevent import Context, Decision, HookEvent

_NEXT = "`haios work phase {id} PHASE` (or finish this phase's work first)"


def _primitive(tool: str, primitives: dict[str, list[str]]) -> str | None:
    return next((p for p, names in primitives.items() if any(match(tool, n) for n in names)), None)


def _relative(event: HookEvent, root: str) -> str | None:
    """The written file's path relative to the project, or None when there is none inside."""
    path = guards.target(event, root)
    real_root = os.path.realpath(root)
    if path is None or not path.startswith(real_root + os.sep):
        return None
    return os.path.relpath(path, real_root)


def _matches(rel: str, globs: list[str]) -> bool:
    name = os.path.basename(rel)
    return any(match(rel, g) or ("/" not in g and match(name, g)) for g in globs)


def activity_matrix(event: HookEvent, context: Context) -> Decision | None:
    """Hold back a tool call its phase does not want (activity-matrix.yaml)."""
    item = workview.active(context.state_dir, event.session_id)
    phase = item.get("phase") if item else None
    if not item or not phase:
        return None
    matrix = context.config["activity_matrix"]
    primitive = _primitive(event.tool_name, matrix["primitives"])
    verdict = matrix["phases"].get(phase, {}).get(primitive, "allow") if primitive else "allow"
    if verdict == "allow":
        return None
    if primitive == "write":
        rel = _relative(event, context.root)
        exempt = [*matrix["write_exempt"], f"{context.work_dir}/**"]
        if rel is None or _matches(rel, exempt):
            return None
    what = f"{primitive} calls ({event.tool_name})"
    if verdict == "warn":
        note = f"haios: {item['id']} is in its {phase} phase; {what} are unusual here."
        return Decision("context", note, "activity_matrix")
    return Decision(
        verdict,
        f"haios: {item['id']} is in its {phase} phase, which holds back {what}. "
        f"Move the item on with {_NEXT.format(id=item['id'])}.",
        "activity_matrix",
    )


def scope_guard(event: HookEvent, context: Context) -> Decision | None:
    """A write outside the files the held item declares (`scope:` or `source_files:`)."""
    action = context.settings["on_outside"]
    if action == "none" or event.tool_name not in guards.WRITERS:
        return None
    item = workview.active(context.state_dir, event.session_id)
    scope = [str(g) for g in item.get("scope") or []] if item else []
    rel = _relative(event, context.root)
    if not scope or rel is None or _matches(rel, [*scope, f"{context.work_dir}/**"]):
        return None
    assert item is not None
    shown = ", ".join(scope[:5]) + (" …" if len(scope) > 5 else "")
    return Decision(
        action,
        f"haios: {rel} is outside the scope of {item['id']} ({shown}). Stay in scope, or add "
        "the file to the `scope:` list in the item's WORK.md frontmatter if the task needs it.",
        "scope_guard",
    )
