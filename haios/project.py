"""Where a governed project keeps things, and the compiled config that fast readers use.

Import-light on purpose: the read path (`haios work list/ready`, hooks) comes through here and
must not pay for pydantic or YAML. The full loader lives in `haios.config` and runs only when the
compiled cache is missing or stale.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from haios import __version__
from haios.errors import ProjectNotFound

HAIOS_DIR = Path(".claude") / "haios"
CONFIG_FILES = (
    "haios.yaml",
    "node-bindings.yaml",
)


class Project:
    """The folders of one governed repository. The state folder is fixed: config lives beside it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.haios_dir = root / HAIOS_DIR
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


def find_project(
    start: str | os.PathLike[str] | None = None, *, must_exist: bool = True
) -> Project:
    """The project around `start` (or `CLAUDE_PROJECT_DIR`, or the cwd): nearest `.claude/haios`."""
    origin = Path(start or os.environ.get("CLAUDE_PROJECT_DIR") or os.getcwd()).resolve()
    for folder in (origin, *origin.parents):
        if (folder / HAIOS_DIR).is_dir():
            return Project(folder)
    if must_exist:
        raise ProjectNotFound(
            f"{origin}: not a haios project (no {HAIOS_DIR} here or above); run `haios init` first"
        )
    return Project(origin)


def _fingerprint(project: Project) -> dict[str, Any]:
    sources: dict[str, list[int]] = {}
    for name in CONFIG_FILES:
        try:
            st = os.stat(project.config_dir / name)
        except FileNotFoundError:
            continue
        sources[name] = [st.st_mtime_ns, st.st_size]
    env = {k: v for k, v in os.environ.items() if k.startswith("HAIOS_") and "__" in k}
    return {"version": __version__, "sources": sources, "env": env}


def compiled_config(project: Project) -> dict[str, Any]:
    """The effective config as plain JSON data, rebuilt by `haios.config` when a source changed."""
    fingerprint = _fingerprint(project)
    cache = project.state_dir / "config.json"
    try:
        cached = json.loads(cache.read_text(encoding="utf-8"))
        if cached.get("fingerprint") == fingerprint:
            return dict(cached["config"])
    except (OSError, ValueError, AttributeError):
        pass
    from haios.config import load_config

    data = load_config(project).model_dump(mode="json")
    try:
        tmp = project.state_path(f".config.json.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"fingerprint": fingerprint, "config": data}), encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass  # a read-only state folder only costs speed, never correctness
    return data
