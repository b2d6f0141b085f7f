"""`haios init` (create the layout, idempotently) and `haios doctor` (check it)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from haios.cli import changes
from haios.cli.output import print_json
from haios.errors import HaiosError
from haios.project import HAIOS_DIR, Project, find_project

if TYPE_CHECKING:
    from haios.runtime import Runtime

GITIGNORE_LINE = f"/{HAIOS_DIR}/state/"


def scaffold(project: Project) -> list[str]:
    """Create haios' own folders, the commented overrides file and the .gitignore line when
    missing; return what was created. Never overwrites."""
    from haios.project import packaged_defaults

    created = _folders(project, (project.config_dir, project.state_dir))
    override = project.config_dir / "haios.yaml"
    if not override.exists():
        override.write_text((packaged_defaults() / "overrides.yaml").read_text("utf-8"), "utf-8")
        created.append(str(override.relative_to(project.root)))
    gitignore = project.root / ".gitignore"
    text = gitignore.read_text("utf-8") if gitignore.exists() else ""
    if GITIGNORE_LINE not in text.splitlines():
        with open(gitignore, "a", encoding="utf-8") as fh:
            fh.write(("" if not text or text.endswith("\n") else "\n") + GITIGNORE_LINE + "\n")
        created.append(f".gitignore (+ {GITIGNORE_LINE})")
    return created


def work_folders(project: Project, work_dir: str) -> list[str]:
    """The active/ and archive/ folders under the configured work folder."""
    base = project.root / work_dir
    return _folders(project, (base / "active", base / "archive"))


def _folders(project: Project, folders: tuple[Path, ...]) -> list[str]:
    created = []
    for folder in folders:
        if not folder.is_dir():
            folder.mkdir(parents=True)
            created.append(str(folder.relative_to(project.root)) + "/")
    return created


def init(args: argparse.Namespace) -> int:
    from haios.cli import initplan
    from haios.configload import load_config

    root = Path(args.dir or args.project or os.getcwd()).resolve()
    if not root.is_dir():
        raise HaiosError(f"{root}: no such folder")
    project = Project(root)
    plan = initplan.init_plan(project, load_config(project), hooks=not args.no_hooks)
    plan.raise_problems()  # a broken or unsafe file: nothing at all is changed
    if args.dry_run:
        return _dry_run(plan)
    changes.apply(root, plan.changes)
    if args.json:
        print_json({**initplan.summary(plan), "created": [c.note for c in plan.changes]})
        return 0
    if plan.changes:
        sys.stdout.write(f"haios initialised in {root}\n")
        sys.stdout.write("".join(f"  {_sign(c)} {c.note}\n" for c in plan.changes))
    else:
        sys.stdout.write(f"haios is already set up in {root}; nothing changed\n")
    _notices(plan)
    return 0


def _sign(change: changes.Change) -> str:
    return "-" if change.after is None and not change.folder else "+"


def _dry_run(plan: changes.Plan) -> int:
    if any(c.path == plan.root / HAIOS_DIR / "config" for c in plan.changes):
        sys.stdout.write(f"would create {HAIOS_DIR}/ and the work folders\n")
    diffs = "".join(changes.diff(plan.root, c) for c in plan.changes)
    sys.stdout.write(diffs or "no change\n")
    _notices(plan)
    return 0


def _notices(plan: changes.Plan) -> None:
    sys.stdout.write("".join(f"  ! {notice}\n" for notice in plan.notices))


def uninstall(args: argparse.Namespace) -> int:
    from haios.cli import initplan

    project = find_project(args.project)
    plan = initplan.uninstall_plan(project)
    plan.raise_problems()
    if args.dry_run:
        return _dry_run(plan)
    changes.apply(project.root, plan.changes)
    if args.json:
        print_json({**initplan.summary(plan), "removed": [c.note for c in plan.changes]})
        return 0
    head = f"removed from {project.root}:\n" if plan.changes else "nothing of haios' to remove; "
    sys.stdout.write(head + "".join(f"  - {c.note}\n" for c in plan.changes))
    _notices(plan)
    sys.stdout.write(
        f"kept {HAIOS_DIR}/ (your config, the audit journal) and your work items; "
        f"delete {HAIOS_DIR}/ and its .gitignore line to remove haios entirely\n"
    )
    return 0


def _checks(project: Project) -> list[dict[str, Any]]:
    from haios.configload import find_packs, load_config
    from haios.runtime import build, journal_for
    from haios.work import health

    results: list[dict[str, Any]] = []

    def add(name: str, problems: list[tuple[str, str]]) -> None:
        results.append(
            {
                "check": name,
                "ok": not problems,
                "problems": [{"problem": p, "fix": f} for p, f in problems],
            }
        )

    try:
        config = load_config(project)
        add("config", [])
    except HaiosError as exc:
        add("config", [(str(exc), "edit that file or variable; `docs/config.md` lists every key")])
        return results
    _, refused = find_packs(project)
    fix = "fix or remove the pack; the other packs and haios keep working without it"
    add("packs", [(f"{r.where} is refused: {r.reason}", fix) for r in refused])
    try:
        probe = project.state_path(".doctor-probe")
        probe.write_text("ok")
        probe.unlink()
        add("state folder writable", [])
    except OSError as exc:
        add(
            "state folder writable",
            [
                (
                    f"{project.state_dir}: {exc.strerror}",
                    "make the folder writable, or delete it (it is rebuilt)",
                )
            ],
        )
    _, problem = journal_for(project).verify()
    add(
        "journal",
        []
        if problem is None
        else [
            (
                f"journal.jsonl:{problem.line}: {problem.reason}",
                "keep a copy, then inspect that line; `haios audit tail` shows the latest events",
            )
        ],
    )
    with build(project, config) as rt:
        add("work items", [(f.problem, f.fix) for f in health.check(rt.work.index)])
        add("memory server", _memory_problems(project, rt))
    from haios.cli import hookcheck

    add("hook registration", hookcheck.static_problems(project.root))
    return results


def _memory_problems(project: Project, rt: Runtime) -> list[tuple[str, str]]:
    """When `.mcp.json` registers haios' memory server: does it start and answer?"""
    from haios.cli import mcpjson
    from haios.errors import MemoryUnavailable

    path = project.root / mcpjson.FILE
    try:
        servers = mcpjson.parse(path.read_text("utf-8"), str(path)).get("mcpServers", {})
    except (OSError, UnicodeDecodeError, HaiosError):
        return []  # no .mcp.json (or one init reports on): nothing registered to start
    if not mcpjson.is_ours(servers.get(mcpjson.SERVER)):
        return []
    try:
        rt.memory.stats()
    except MemoryUnavailable as exc:
        return [
            (
                f"the memory server does not answer: {exc}",
                "run `haios memory serve` in a terminal to see its error, and check "
                ".claude/haios/config/memory.yaml; sessions still start, memory degraded",
            )
        ]
    return []


def _hook_runs(project: Project) -> list[dict[str, Any]]:
    from haios.cli import hookcheck
    from haios.project import compiled_config

    budget = compiled_config(project)["thresholds"]["hooks"]["latency_budget_ms"]
    return hookcheck.run_all(project.root, budget)


def doctor(args: argparse.Namespace) -> int:
    project = find_project(args.project)
    results = _checks(project)
    runs = _hook_runs(project) if args.hooks else []
    ok = all(r["ok"] for r in results) and not any(r["problems"] for r in runs)
    if args.json:
        document = {"ok": ok, "project": str(project.root), "checks": results}
        print_json({**document, "hooks": runs} if args.hooks else document)
        return 0 if ok else 1
    for r in results:
        sys.stdout.write(f"{'ok     ' if r['ok'] else 'PROBLEM'}  {r['check']}\n")
        for p in r["problems"]:
            sys.stdout.write(f"         {p['problem']}\n         fix: {p['fix']}\n")
    for run in runs:
        status = "PROBLEM" if run["problems"] else "ok     "
        sys.stdout.write(f"{status}  hook {run['event']} ({run['ms']:.0f} ms)\n")
        sys.stdout.write("".join(f"         {p}\n" for p in run["problems"]))
    sys.stdout.write("all checks passed\n" if ok else "problems found\n")
    return 0 if ok else 1
