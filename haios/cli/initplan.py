"""What `haios init` adds to a repository, and what `haios uninstall` takes out again, as a Plan.

init only adds what is missing or what haios itself wrote and nobody changed since; uninstall
removes exactly that. A file someone edited, or a name that belongs to someone else, is left
alone and reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from haios.cli import agentfiles, hookcheck, install, justfile, mcpjson
from haios.cli.changes import Plan
from haios.cli.setup import GITIGNORE_LINE
from haios.config import Config
from haios.errors import HaiosError
from haios.project import HAIOS_DIR, Project, packaged_defaults

BACKUP = "settings.json.haios.bak"
CLAUDE = ".claude"
CONTEXT = {  # packaged starter -> where init puts it when missing; uninstall removes it unchanged
    "north-star.md": ".claude/config/north-star.md",
    "invariants.md": ".claude/config/invariants.md",
    "roadmap.md": ".claude/config/roadmap.md",
}
EXAMPLES = {  # commented overrides; they stay with .claude/haios/ on uninstall
    "haios.yaml": f"{HAIOS_DIR}/config/haios.yaml",
    "cycle-definitions.yaml": f"{HAIOS_DIR}/config/cycle-definitions.yaml",
    "gates.yaml": f"{HAIOS_DIR}/config/gates.yaml",
}


def _starter(name: str) -> str:
    folder = packaged_defaults()
    path = folder / "overrides.yaml" if name == "haios.yaml" else folder / "starters" / name
    return path.read_text("utf-8")


# -- init -----------------------------------------------------------------------------------------


def init_plan(project: Project, config: Config, *, hooks: bool) -> Plan:
    plan = Plan(project.root)
    for folder in (project.config_dir, project.state_dir):
        plan.folder(folder)
    work = project.root / config.haios.paths.work_dir
    plan.folder(work / "active")
    plan.folder(work / "archive")
    for name, rel in {**EXAMPLES, **CONTEXT}.items():
        path = project.root / rel
        if not path.exists() and not path.is_symlink():
            plan.write(path, None, _starter(name), rel)
    _gitignore(plan)
    if hooks:
        _settings(plan)
    _mcp(plan)
    _agent_files(plan, config)
    _justfile(plan)
    plan.refuse_unsafe()
    return plan


def _gitignore(plan: Plan) -> None:
    path = plan.root / ".gitignore"
    text = plan.read(path)
    if GITIGNORE_LINE in (text or "").splitlines():
        return
    body = text or ""
    after = body + ("" if not body or body.endswith("\n") else "\n") + GITIGNORE_LINE + "\n"
    plan.write(path, text, after, f".gitignore (+ {GITIGNORE_LINE})")


def _json_file(plan: Plan, rel: str) -> tuple[Path, str | None]:
    path = plan.root / rel
    return path, plan.read(path)


def _settings(plan: Plan) -> None:
    path, text = _json_file(plan, f"{CLAUDE}/settings.json")
    plugins = hookcheck.enabled_plugins(plan.root)
    try:
        before = install.load(path)
    except HaiosError as exc:
        plan.problems.append(str(exc))
        return
    if plugins and not install.registered(before):
        plan.notices.append(
            f"the haios plugin ({plugins[0]}) registers haios' hooks, so init did not add them "
            "to .claude/settings.json (every hook would run twice). To use this project's "
            f"instead: `claude plugin disable {plugins[0]}`, then `haios init`"
        )
        return
    after = install.merged(before)
    if after != before:
        backup = f"; backup {BACKUP}" if text is not None else ""
        note = f".claude/settings.json (+ haios hooks{backup})"
        plan.write(path, text, install.dump(after), note, backup=True)
    plan.notices += [f"{p}; {fix}" for p, fix in hookcheck.plugin_and_init(plan.root)]


def _mcp(plan: Plan) -> None:
    path, text = _json_file(plan, mcpjson.FILE)
    try:
        before = mcpjson.parse(text, mcpjson.FILE)
    except HaiosError as exc:
        plan.problems.append(str(exc))
        return
    after, notice = mcpjson.merged(before)
    if notice:
        plan.notices.append(notice)
    elif after != before:
        plan.write(
            path,
            text,
            mcpjson.dump(after),
            f"{mcpjson.FILE} (+ memory server)",
            backup=text is not None,
        )


def _agent_files(plan: Plan, config: Config) -> None:
    cycles = config.cycle_definitions.cycles
    nodes = {
        c: next((n for n, rule in config.node_bindings.nodes.items() if rule.cycle == c), None)
        for c in cycles
    }
    wanted = agentfiles.generated(cycles, config.gates.gates, nodes)
    for rel, text in wanted.items():
        path = plan.root / CLAUDE / rel
        current = plan.read(path)
        shown = f"{CLAUDE}/{rel}"
        if current is None:
            plan.write(path, None, text, shown)
        elif agentfiles.state_of(current) == "unchanged":
            plan.write(path, current, text, f"{shown} (updated)")
        elif current != text:
            plan.notices.append(_left(shown, current))
    for path, current in _ours(plan):
        if path.relative_to(plan.root / CLAUDE).as_posix() not in wanted:
            plan.delete(path, current, f"{plan.rel(path)} (its cycle is gone)")


def _left(shown: str, text: str) -> str:
    if agentfiles.state_of(text) == "edited":
        return (
            f"left {shown} as it is: it changed since haios wrote it "
            "(delete it and run `haios init` to get haios' version)"
        )
    return f"left {shown} as it is: it is not haios' (a file of yours has that name)"


def _ours(plan: Plan) -> list[tuple[Path, str]]:
    """Every skill and command file haios wrote that nobody changed since."""
    base = plan.root / CLAUDE
    found = []
    for path in sorted([*base.glob("skills/*/SKILL.md"), *base.glob("commands/*.md")]):
        text = plan.read(path)
        if text is not None and agentfiles.state_of(text) == "unchanged":
            found.append((path, text))
    return found


def _justfile(plan: Plan) -> None:
    path = plan.root / justfile.FILE
    text = plan.read(path)
    after, notice = justfile.merged(text)
    if notice:
        plan.notices.append(notice)
    plan.write(path, text, after, f"{justfile.FILE} (+ import of haios' recipes)")


# -- uninstall ------------------------------------------------------------------------------------


def uninstall_plan(project: Project) -> Plan:
    plan = Plan(project.root)
    path, text = _json_file(plan, f"{CLAUDE}/settings.json")
    try:
        before = install.load(path)
        after = install.removed(before)
        count = len(install.registered(before))
        if text is not None and not after:  # nothing but haios' hooks: init created it
            plan.delete(path, text, f".claude/settings.json (- {count} haios hook entries)")
        elif after != before:
            note = f".claude/settings.json (- {count} haios hook entries; backup {BACKUP})"
            restored = _restore(plan, path, after)
            if restored is None:
                plan.write(path, text, install.dump(after), note, backup=True)
            else:
                plan.write(path, text, restored, note.split(";")[0] + "; as it was before)")
                _drop_backup(plan, path)
    except HaiosError as exc:
        plan.problems.append(str(exc))
    path, text = _json_file(plan, mcpjson.FILE)
    try:
        data = mcpjson.parse(text, mcpjson.FILE)
        if text is not None and mcpjson.removed(data) != data:
            left = mcpjson.removed(data)
            if left:
                restored = _restore(plan, path, left)
                new = restored or mcpjson.dump(left)
                plan.write(path, text, new, f"{mcpjson.FILE} (- memory server)")
                if restored:
                    _drop_backup(plan, path)
            else:
                plan.delete(path, text, f"{mcpjson.FILE} (only haios' server was in it)")
    except HaiosError as exc:
        plan.problems.append(str(exc))
    for path, current in _ours(plan):
        plan.delete(path, current, plan.rel(path))
    for name, rel in CONTEXT.items():
        _remove_if_unchanged(plan, project.root / rel, _starter(name))
    _unjust(plan)
    plan.refuse_unsafe()
    return plan


def _restore(plan: Plan, path: Path, data: dict[str, Any]) -> str | None:
    """The backup init made of `path`, byte for byte, when it holds `data` (so the user's own
    formatting comes back, and the backup goes); else None."""
    backup = path.with_name(path.name + ".haios.bak")
    text = plan.read(backup)
    try:
        if text is None or json.loads(text) != data:
            return None
    except ValueError:
        return None
    return text


def _drop_backup(plan: Plan, path: Path) -> None:
    backup = path.with_name(path.name + ".haios.bak")
    plan.delete(backup, plan.read(backup) or "", f"{plan.rel(backup)} (no longer needed)")


def _remove_if_unchanged(plan: Plan, path: Path, original: str) -> None:
    text = plan.read(path)
    if text == original:
        plan.delete(path, text, plan.rel(path))
    elif text is not None:
        plan.notices.append(f"kept {plan.rel(path)}: you changed it")


def _unjust(plan: Plan) -> None:
    path = plan.root / justfile.FILE
    text = plan.read(path)
    if text is None:
        return
    after = justfile.removed(text)
    if after is None:
        plan.delete(path, text, f"{justfile.FILE} (haios created it)")
    else:
        plan.write(path, text, after, f"{justfile.FILE} (- import of haios' recipes)")


def summary(plan: Plan) -> dict[str, object]:
    return {
        "project": str(plan.root),
        "changes": [c.note for c in plan.changes],
        "notices": plan.notices,
    }
