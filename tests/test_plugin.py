"""The Claude Code plugin of this repository: its files are what the generator writes, its hooks
are those `haios init` registers, and the real Claude Code CLI validates, installs and measures
it (offline, with HOME in a temporary folder)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from haios import __version__
from haios.cli import agentfiles, install, plugin
from tests.e2e import claude

ROOT = Path(__file__).resolve().parents[1]
BUDGET = 2000  # always-on tokens for everything the plugin adds


def test_the_repository_holds_the_generated_plugin() -> None:
    for rel, text in plugin.files().items():
        assert (ROOT / rel).read_text("utf-8") == text, f"{rel} is out of date: run `just plugin`"


def test_the_manifest_does_not_declare_the_hooks() -> None:
    manifest = json.loads((ROOT / ".claude-plugin/plugin.json").read_text())
    assert "hooks" not in manifest  # declared twice, Claude Code drops every hook of the plugin
    assert manifest["name"] == "haios" and manifest["version"] == __version__


def test_the_plugin_hooks_are_those_init_registers_calling_haios_from_the_path() -> None:
    hooks = json.loads((ROOT / "hooks/hooks.json").read_text())["hooks"]
    assert list(hooks) == list(install.EVENTS)
    for event, groups in hooks.items():
        (group,) = groups
        assert group.get("matcher") == install.EVENTS[event]
        assert group["hooks"] == [
            {"type": "command", "command": f"haios hook {event}", "timeout": install.TIMEOUT}
        ]
        assert install.is_ours(group["hooks"][0]["command"])


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    problem = claude.missing()
    if problem and os.environ.get("CI"):
        pytest.fail(f"{problem}; CI must run these tests (.ci/run installs the CLI)")
    if problem:
        pytest.skip(problem)
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def details(cli_home: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    source = claude.plugin_source(plugin.files(), tmp_path_factory.mktemp("market"))
    return claude.install_plugin(source, cli_home)


@pytest.mark.e2e
@pytest.mark.parametrize("target", ["", ".claude-plugin/plugin.json"])
def test_claude_validates_the_plugin_strictly(cli_home: Path, tmp_path: Path, target: str) -> None:
    source = claude.plugin_source(plugin.files(), tmp_path / "market")
    proc = claude.cli(cli_home, "plugin", "validate", "--strict", str(source / target))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Validation passed" in proc.stdout and "warning" not in proc.stdout


@pytest.mark.e2e
def test_claude_installs_it_with_every_hook_skill_command_and_the_server(details: str) -> None:
    assert details.startswith(f"haios {__version__}\n")
    hooks = re.search(r"Hooks \((\d+)\)\s+(.*)", details)
    assert hooks and int(hooks.group(1)) == len(install.EVENTS), details
    assert set(hooks.group(2).split("(")[0].replace(",", " ").split()) == set(install.EVENTS)
    skills = re.search(r"Skills \((\d+)\)\s+(.*)", details)
    generated = [p for p in plugin.files() if p.startswith(("skills/", "commands/"))]
    assert skills and int(skills.group(1)) == len(generated), details
    assert set(skills.group(2).split(", ")) == {
        *(p.split("/")[1] for p in generated if p.startswith("skills/")),
        *agentfiles.COMMANDS,
    }
    assert re.search(r"MCP servers \(1\)\s+haios", details), details


@pytest.mark.e2e
def test_its_always_on_token_cost_is_within_budget(details: str) -> None:
    tokens = claude.always_on_tokens(details)
    print(f"always-on: ~{tokens} tokens (budget {BUDGET})")
    assert 0 < tokens <= BUDGET
