"""haios' just recipes, run by the real `just` (rust-just) in a repository where `haios init`
imported them: every recipe is one haios command that exists and answers --help."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from haios.cli import justfile
from tests.test_surfaces import PENDING, command_paths

BIN = Path(sys.executable).parent
JUST = BIN / "just"
RECIPES = {"ready", "work", "next", "move", "close", "status", "coldstart", "checkpoint"}
RECIPES |= {"cycle", "memory-search", "audit", "doctor"}


def just(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(JUST), *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
        timeout=120,
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not JUST.exists():
        pytest.fail(f"{JUST} is missing: install the dev extras (rust-just)")
    root = tmp_path_factory.mktemp("recipes")
    (root / "justfile").write_text("build:\n    echo build\n")
    subprocess.run(
        [sys.executable, "-m", "haios", "init"],
        cwd=root,
        check=True,
        timeout=120,
        capture_output=True,
    )
    return root


def recipes(repo: Path) -> dict[str, Any]:
    proc = just(repo, "--dump", "--dump-format", "json")
    assert proc.returncode == 0, proc.stderr
    found: dict[str, Any] = json.loads(proc.stdout)["recipes"]
    return found


def haios_words(recipe: dict[str, Any]) -> tuple[str, ...]:
    """The haios command a recipe runs: its one line, `@haios WORDS "$@"`."""
    (line,) = recipe["body"]
    words = shlex.split(line[0].lstrip("@"))
    assert words[0] == "haios" and words[-1] == "$@", line
    return tuple(words[1:-1])


def test_the_recipes_of_the_issue_are_imported_beside_the_users(repo: Path) -> None:
    assert set(recipes(repo)) == RECIPES | {"build"}
    assert justfile.recipe_names(Path(justfile.recipes_file()).read_text()) == RECIPES


def test_every_recipe_is_a_thin_call_of_one_haios_command(repo: Path) -> None:
    paths = command_paths()
    for name, recipe in recipes(repo).items():
        if name == "build":
            continue
        words = haios_words(recipe)
        assert re.fullmatch(r"[a-z-]+", name) and recipe["parameters"][0]["kind"] == "star"
        assert words in paths or words in PENDING, f"recipe {name}: `haios {' '.join(words)}`"


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_recipe_answers_help_through_just(repo: Path, name: str) -> None:
    words = haios_words(recipes(repo)[name])
    if words not in command_paths():
        pytest.skip(f"`haios {' '.join(words)}` comes with another branch")
    proc = just(repo, name, "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"usage: haios {' '.join(words)} ")


def test_arguments_keep_their_quoting(repo: Path) -> None:
    proc = just(repo, "work", "new", "Fix the login page", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["title"] == "Fix the login page"
    proc = just(repo, "ready")
    assert proc.returncode == 0 and "Fix the login page" in proc.stdout
