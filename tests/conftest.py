"""Shared fixtures: a fresh governed project per test, and the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from haios.cli import install
from haios.cli.setup import scaffold, work_folders
from haios.project import Project
from haios.runtime import Runtime, build

FIXTURES = Path(__file__).parent / "fixtures"
LEGACY_WORK = FIXTURES / "legacy" / "work"
LEGACY_CHECKPOINTS = FIXTURES / "legacy" / "checkpoints"


@pytest.fixture(autouse=True)
def _isolated_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test sees the developer's Claude Code session, HAIOS_* settings or home folder."""
    for name in list(os.environ):
        if name.startswith(("HAIOS_", "CLAUDE")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("HAIOS_SESSION", "test-session")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An initialised, empty project in a temporary folder."""
    root = tmp_path / "repo"
    root.mkdir()
    project = Project(root)
    scaffold(project)
    work_folders(project, "docs/work")
    settings = root / ".claude" / "settings.json"
    install.write(settings, {}, install.merged({}))  # as `haios init` registers the hooks
    return project


@pytest.fixture
def rt(project: Project) -> Iterator[Runtime]:
    """The wired runtime of `project`, in this process."""
    with build(project) as runtime:
        yield runtime


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def haios(project: Project) -> Any:
    """Run the real `haios` CLI in a subprocess, in the project folder."""

    def run(
        *args: str,
        cwd: Path | None = None,
        stdin: str | None = None,
        env: dict[str, str] | None = None,
    ) -> Result:
        proc = subprocess.run(
            [sys.executable, "-m", "haios", *args],
            cwd=cwd or project.root,
            input=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=120,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run
