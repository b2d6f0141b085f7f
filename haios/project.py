"""Where a governed project keeps things, and the compiled config that fast readers use.

Import-light on purpose: the read path (`haios work list/ready`) and every hook call come through
here. The string-level functions (`locate`, `compiled`) need nothing but `os` and `json`, so the
hook does not even load pathlib; `Project` gives the same places as Paths to everything else.
The full config loader lives in `haios.configload` and runs only when the compiled cache is stale.
"""

from __future__ import annotations

import json
import os
import sys

import haios
from haios import __version__
from haios.errors import ConfigError, ProjectNotFound

TYPE_CHECKING = False  # importing typing costs ~3 ms on every hook call
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

HAIOS_DIR = ".claude/haios"
WORK_CACHE = "work-cache.json"  # state/: claimed and ready items, for the hooks
CONFIG_FILES = (
    "haios.yaml",
    "node-bindings.yaml",
    "governance-toggles.yaml",
    "hook-handlers.yaml",
    "thresholds.yaml",
    "activity-matrix.yaml",
    "cycle-definitions.yaml",
    "gates.yaml",
    "memory.yaml",
)


class Project:
    """The folders of one governed repository. The state folder is fixed: config lives beside it."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        from pathlib import Path

        self.root = Path(root)
        self.haios_dir = self.root / HAIOS_DIR
        self.config_dir = self.haios_dir / "config"
        self.state_dir = self.haios_dir / "state"

    def __repr__(self) -> str:
        return f"Project({str(self.root)!r})"

    @property
    def exists(self) -> bool:
        return self.haios_dir.is_dir()

    def state_path(self, name: str) -> Path:
        """A file in the state folder, creating the folder on first use."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        return self.state_dir / name


def defaults_dir() -> str:
    """The folder of packaged default files: haios/_defaults in the wheel, config/ in a checkout."""
    package = os.path.dirname(haios.__file__)
    for folder in (os.path.join(package, "_defaults"), os.path.join(package, "..", "config")):
        if os.path.isdir(folder):
            return os.path.normpath(folder)
    raise ConfigError(f"{package}/_defaults: packaged defaults are missing; reinstall haios")


def packaged_defaults() -> Path:
    from pathlib import Path

    return Path(defaults_dir())


def locate(start: str | os.PathLike[str] | None = None) -> str | None:
    """The root of the project around `start` (or CLAUDE_PROJECT_DIR, or the cwd), or None."""
    folder = os.path.realpath(start or os.environ.get("CLAUDE_PROJECT_DIR") or os.getcwd())
    while True:
        if os.path.isdir(os.path.join(folder, HAIOS_DIR)):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def find_project(
    start: str | os.PathLike[str] | None = None, *, must_exist: bool = True
) -> Project:
    """The project around `start` (or `CLAUDE_PROJECT_DIR`, or the cwd): nearest `.claude/haios`."""
    root = locate(start)
    if root is not None:
        return Project(root)
    origin = os.path.realpath(start or os.environ.get("CLAUDE_PROJECT_DIR") or os.getcwd())
    if must_exist:
        raise ProjectNotFound(
            f"{origin}: not a haios project (no {HAIOS_DIR} here or above); run `haios init` first"
        )
    return Project(origin)


def find_root(start: str | os.PathLike[str] | None = None) -> str:
    """`find_project(start).root` as a string, without loading pathlib (the read and session
    start paths): ProjectNotFound when there is no project."""
    root = locate(start)
    return root if root is not None else str(find_project(start).root)


def _stat(path: str, into: dict[str, list[int]]) -> None:
    try:
        st = os.stat(path)
    except OSError:
        return
    into[path] = [st.st_mtime_ns, st.st_size]


def _fingerprint(root: str, pack_files: list[str]) -> dict[str, Any]:
    """What the compiled config depends on: every config file, every file of the packs it used,
    the project's packs folder (a new pack), the folders installed packs live in (installing
    one changes them), and the HAIOS_* variables."""
    sources: dict[str, list[int]] = {}
    for folder in (defaults_dir(), os.path.join(root, HAIOS_DIR, "config")):
        for name in CONFIG_FILES:
            _stat(os.path.join(folder, name), sources)
    packs = os.path.join(root, HAIOS_DIR, "packs")
    for path in (packs, *_subfolders(packs), *pack_files, *_pack_homes()):
        _stat(path, sources)
    env = {k: v for k, v in os.environ.items() if k.startswith("HAIOS_") and "__" in k}
    return {"version": __version__, "sources": sources, "env": env}


def _subfolders(folder: str) -> list[str]:
    try:
        return sorted(entry.path for entry in os.scandir(folder) if entry.is_dir())
    except OSError:
        return []


def _pack_homes() -> list[str]:
    """Where installed packs live: the site-packages folders on sys.path and the PYTHONPATH
    entries (not the cwd, which `python -m` puts on sys.path and which changes per call)."""
    extra = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    return [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))] + [
        p for p in extra if p
    ]


def _pack_files(config: dict[str, Any]) -> list[str]:
    return [f for pack in config.get("packs") or () for f in pack.get("files", ())]


def compiled(root: str) -> dict[str, Any]:
    """The effective config of the project at `root` as plain JSON data, rebuilt by
    `haios.configload` when a source changed (the only time YAML and pydantic are loaded)."""
    state = os.path.join(root, HAIOS_DIR, "state")
    cache = os.path.join(state, "config.json")
    try:
        with open(cache, encoding="utf-8") as fh:
            cached = json.load(fh)
        config = cached["config"]
        if cached.get("fingerprint") == _fingerprint(root, _pack_files(config)):
            return dict(config)
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        pass
    from haios.configload import load_config

    before = _fingerprint(root, [])
    data = load_config(Project(root)).model_dump(mode="json")
    fingerprint = _fingerprint(root, _pack_files(data))
    if any(fingerprint["sources"].get(k) != v for k, v in before["sources"].items()):
        return data  # a source changed while it was read: use it, but do not cache it
    try:
        os.makedirs(state, exist_ok=True)
        tmp = os.path.join(state, f".config.json.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"fingerprint": fingerprint, "config": data}, fh)
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only state folder only costs speed, never correctness
    return data


def compiled_config(project: Project) -> dict[str, Any]:
    """`compiled()` for a Project."""
    return compiled(str(project.root))
