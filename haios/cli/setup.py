"""`haios init` (create the layout, idempotently) and `haios doctor` (check it)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from haios.cli.output import print_json
from haios.errors import HaiosError
from haios.project import HAIOS_DIR, Project, find_project

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


STARTERS = ("north-star.md", "invariants.md", "roadmap.md")


def starter_context(project: Project, dry_run: bool = False) -> list[str]:
    """The L0-L2 files of `.claude/config/` that are missing, created from commented starters
    (with `dry_run`, only named); an existing file is never touched."""
    from haios.project import packaged_defaults

    folder = project.root / ".claude" / "config"
    created = []
    for name in STARTERS:
        target = folder / name
        if target.exists() or target.is_symlink():
            continue
        if not dry_run:
            folder.mkdir(parents=True, exist_ok=True)
            text = (packaged_defaults() / "context" / name).read_text("utf-8")
            with open(target, "x", encoding="utf-8") as fh:
                fh.write(text)
        created.append(str(target.relative_to(project.root)))
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
    from haios.cli import install
    from haios.config import load_config

    root = Path(args.dir or args.project or os.getcwd()).resolve()
    if not root.is_dir():
        raise HaiosError(f"{root}: no such folder")
    project = Project(root)
    settings_path = root / ".claude" / "settings.json"
    before = install.load(settings_path)  # refuses a broken file before anything changes
    after = before if args.no_hooks else install.merged(before)
    if args.dry_run:
        missing = not project.haios_dir.is_dir()
        sys.stdout.write(f"would create {HAIOS_DIR}/ and the work folders\n" if missing else "")
        for name in starter_context(project, dry_run=True):
            sys.stdout.write(f"would create {name}\n")
        sys.stdout.write(install.diff(settings_path, before, after) or "settings.json: no change\n")
        return 0
    created = scaffold(project)
    created += work_folders(project, load_config(project).haios.paths.work_dir)
    created += starter_context(project)
    if after != before:
        backup = install.write(settings_path, before, after)
        created.append(
            ".claude/settings.json (+ haios hooks" + (f"; backup {backup.name})" if backup else ")")
        )
    if args.json:
        print_json({"project": str(root), "created": created})
    elif created:
        sys.stdout.write(f"haios initialised in {root}\n" + "".join(f"  + {c}\n" for c in created))
    else:
        sys.stdout.write(f"haios is already set up in {root}; nothing changed\n")
    return 0


def uninstall(args: argparse.Namespace) -> int:
    from haios.cli import install

    project = find_project(args.project)
    path = project.root / ".claude" / "settings.json"
    before = install.load(path)
    after = install.removed(before)
    if args.dry_run:
        sys.stdout.write(install.diff(path, before, after) or "settings.json: no change\n")
        return 0
    removed = len(install.registered(before))
    if after != before:
        install.write(path, before, after)
    if args.json:
        print_json({"settings": str(path), "removed": removed})
    else:
        sys.stdout.write(
            f"removed {removed} haios hook entries from {path} (backup: settings.json.haios.bak); "
            f"{HAIOS_DIR}/ and your work items are kept\n"
            if removed
            else f"no haios hook entries in {path}; nothing changed\n"
        )
    return 0


def _checks(project: Project) -> list[dict[str, Any]]:
    from haios.config import load_config
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
    from haios.cli import hookcheck

    add("hook registration", hookcheck.static_problems(project.root))
    return results


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
