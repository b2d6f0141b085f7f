"""`haios init` into an existing repository and `haios uninstall` out of it, through the real CLI:
what is added, what is left alone and reported, what is refused, and the way back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from haios.cli import install, justfile, mcpjson

from .conftest import Result

HOOKS_FILE = ".claude/settings.json"
OTHER_SERVER = {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]}


def run(*args: str, cwd: Path) -> Result:
    proc = subprocess.run(
        [sys.executable, "-m", "haios", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def ok(result: Result) -> Result:
    assert result.code == 0, result.err + result.out
    return result


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository of someone's, with their own files and no haios."""
    root = tmp_path / "repo"
    (root / ".claude" / "commands").mkdir(parents=True)
    (root / ".claude" / "settings.json").write_text('{"env": {"A": "1"}}\n')
    (root / ".claude" / "commands" / "deploy.md").write_text("Deploy it.\n")
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": {"memory": OTHER_SERVER}}))
    (root / "justfile").write_text("build:\n    echo build\n")
    (root / ".gitignore").write_text("node_modules/\n")
    (root / "src").mkdir()
    (root / "src" / "main.py").write_text("print('hi')\n")
    return root


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def test_init_adds_everything_and_keeps_what_is_yours(repo: Path) -> None:
    ok(run("init", cwd=repo))
    servers = json.loads((repo / ".mcp.json").read_text())["mcpServers"]
    assert servers == {"memory": OTHER_SERVER, "haios": mcpjson.entry()}
    assert servers["haios"]["args"][-2:] == ["memory", "serve"]
    assert os.path.isabs(servers["haios"]["command"])
    assert (repo / ".claude/commands/deploy.md").read_text() == "Deploy it.\n"
    assert json.loads((repo / HOOKS_FILE).read_text())["env"] == {"A": "1"}
    assert (repo / "justfile").read_text() == "build:\n    echo build\n" + justfile.line()
    assert (repo / ".gitignore").read_text() == "node_modules/\n/.claude/haios/state/\n"
    for name in ("north-star.md", "invariants.md", "roadmap.md"):
        assert (repo / ".claude/config" / name).read_text().startswith("# ")
    for name in ("haios.yaml", "cycle-definitions.yaml", "gates.yaml"):
        lines = (repo / ".claude/haios/config" / name).read_text().splitlines()
        assert all(line.startswith("#") for line in lines if line)  # examples, all commented
    assert (repo / ".claude/skills/implementation/SKILL.md").is_file()
    assert (repo / ".claude/commands/new-plan.md").is_file()


def test_a_second_init_changes_nothing(repo: Path) -> None:
    ok(run("init", cwd=repo))
    before = tree(repo)
    assert ok(run("init", cwd=repo)).out.endswith("; nothing changed\n")
    assert tree(repo) == before


def test_dry_run_shows_every_change_as_a_diff_and_writes_nothing(repo: Path) -> None:
    before = tree(repo)
    out = ok(run("init", "--dry-run", cwd=repo)).out
    assert tree(repo) == before and not (repo / ".claude/haios").exists()
    doc = ok(run("init", "--dry-run", "--json", cwd=repo)).out  # --json is ignored by a dry run
    assert doc == out
    ok(run("init", cwd=repo))
    for path, text in tree(repo).items():
        if before.get(path) == text or path.endswith(".haios.bak"):
            continue
        header = "+++ b/" + path
        assert header in out, f"--dry-run did not show {path}"
    assert "--- a/justfile\n+++ b/justfile\n" in out
    assert f"+{justfile.line()}" in out
    assert "--- /dev/null\n+++ b/.claude/skills/checkpoint/SKILL.md\n" in out


def test_uninstall_removes_exactly_what_init_added(repo: Path) -> None:
    before = tree(repo)
    ok(run("init", cwd=repo))
    ok(run("work", "new", "Keep me", cwd=repo))
    out = ok(run("uninstall", cwd=repo)).out
    assert out.endswith(
        "kept .claude/haios/ (your config, the audit journal) and your work items; "
        "delete .claude/haios/ and its .gitignore line to remove haios entirely\n"
    )
    after = tree(repo)
    work = "docs/work/active/WORK-001/WORK.md"
    assert work in after
    left = {p: t for p, t in after.items() if not p.startswith(".claude/haios/") and p != work}
    assert left == {**before, ".gitignore": b"node_modules/\n/.claude/haios/state/\n"}
    assert json.loads(after[HOOKS_FILE]) == {"env": {"A": "1"}}


def test_uninstall_keeps_what_was_changed_since_and_says_so(repo: Path) -> None:
    ok(run("init", cwd=repo))
    skill = repo / ".claude/skills/implementation/SKILL.md"
    skill.write_text(skill.read_text() + "Also run the linter.\n")
    (repo / ".claude/config/roadmap.md").write_text("# Roadmap\n\nShip 2.0.\n")
    out = ok(run("uninstall", cwd=repo)).out
    assert "  ! kept .claude/config/roadmap.md: you changed it\n" in out
    assert skill.exists() and not (repo / ".claude/skills/checkpoint").exists()


# -- skills and commands ----------------------------------------------------------------------


def test_an_edited_or_foreign_file_is_left_and_reported(repo: Path) -> None:
    ok(run("init", cwd=repo))
    skill = repo / ".claude/skills/implementation/SKILL.md"
    skill.write_text(skill.read_text().replace("## 1. plan", "## 1. plan (read it twice)"))
    (repo / ".claude/commands/ready.md").write_text("My own ready.\n")
    out = ok(run("init", cwd=repo)).out
    assert out.endswith(
        "  ! left .claude/skills/implementation/SKILL.md as it is: it changed since haios wrote "
        "it (delete it and run `haios init` to get haios' version)\n"
        "  ! left .claude/commands/ready.md as it is: it is not haios' (a file of yours has "
        "that name)\n"
    )
    assert "(read it twice)" in skill.read_text()
    assert (repo / ".claude/commands/ready.md").read_text() == "My own ready.\n"


def test_a_project_cycle_gets_its_skill_and_loses_it_when_removed(repo: Path) -> None:
    ok(run("init", cwd=repo))
    config = repo / ".claude/haios/config/cycle-definitions.yaml"
    config.write_text(
        "cycles:\n  release:\n    description: Ship a version.\n    phases:\n"
        "      check:\n        prompt: Run the tests.\n        exit: [tests_pass]\n"
    )
    out = ok(run("init", cwd=repo)).out
    assert "  + .claude/skills/release/SKILL.md\n" in out
    text = (repo / ".claude/skills/release/SKILL.md").read_text()
    assert "name: release\n" in text and "\n## 1. check\n\nRun the tests.\n" in text
    config.write_text("")
    out = ok(run("init", cwd=repo)).out
    assert "  - .claude/skills/release/SKILL.md (its cycle is gone)\n" in out
    assert not (repo / ".claude/skills/release").exists()


# -- .mcp.json --------------------------------------------------------------------------------


def test_an_older_haios_server_entry_is_updated_in_place(repo: Path) -> None:
    old = {"command": "/gone/bin/haios", "args": ["memory", "serve"], "env": {"X": "1"}}
    (repo / ".mcp.json").write_text(json.dumps({"mcpServers": {"haios": old}}))
    ok(run("init", cwd=repo))
    entry = json.loads((repo / ".mcp.json").read_text())["mcpServers"]["haios"]
    assert entry == {**mcpjson.entry(), "env": {"X": "1"}}


def test_a_server_of_someone_else_named_haios_is_left(repo: Path) -> None:
    theirs = {"mcpServers": {"haios": OTHER_SERVER}}
    (repo / ".mcp.json").write_text(json.dumps(theirs))
    out = ok(run("init", cwd=repo)).out
    assert (
        '  ! .mcp.json: a server named "haios" is already there and is not haios\' (npx); '
        "left it. Rename it, then run `haios init` again to add haios' memory server\n"
    ) in out
    assert json.loads((repo / ".mcp.json").read_text()) == theirs


# -- refusals: nothing is changed -------------------------------------------------------------


def refused(repo: Path) -> str:
    before = tree(repo)
    result = run("init", cwd=repo)
    assert result.code == 1 and result.out == "" and "Traceback" not in result.err
    assert tree(repo) == before and not (repo / ".claude/haios").exists()
    return result.err


def test_a_broken_mcp_json_is_refused(repo: Path) -> None:
    (repo / ".mcp.json").write_text('{"mcpServers": {,}}')
    assert refused(repo) == (
        "haios: error: nothing was changed:\n"
        "  .mcp.json:1:17: not valid JSON (Expecting property name enclosed in double quotes); "
        "fix the file (or move it away), then run this again\n"
    )


def test_a_read_only_settings_file_is_refused(repo: Path) -> None:
    (repo / HOOKS_FILE).chmod(0o444)
    assert refused(repo) == (
        "haios: error: nothing was changed:\n"
        "  .claude/settings.json: the file .claude/settings.json is read-only; make it writable "
        "(chmod u+w), then run this again\n"
    )


def test_a_settings_file_linked_outside_the_repository_is_refused(
    repo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "shared-settings.json"
    outside.write_text("{}\n")
    (repo / HOOKS_FILE).unlink()
    (repo / HOOKS_FILE).symlink_to(outside)
    err = refused(repo)
    assert err.startswith(
        "haios: error: nothing was changed:\n"
        f"  .claude/settings.json leads outside the repository (to {outside}); haios does not "
        "write there."
    )
    assert outside.read_text() == "{}\n"


def test_a_broken_settings_file_and_a_broken_mcp_json_are_both_reported(repo: Path) -> None:
    (repo / HOOKS_FILE).write_text("{")
    (repo / ".mcp.json").write_text("[]")
    err = refused(repo)
    assert "settings.json:1:2: not valid JSON" in err
    assert '.mcp.json: expected a JSON object with an object under "mcpServers"' in err


# -- justfile ---------------------------------------------------------------------------------


def test_a_justfile_is_created_when_missing(repo: Path) -> None:
    (repo / "justfile").unlink()
    ok(run("init", cwd=repo))
    assert (repo / "justfile").read_text() == justfile.CREATED + justfile.line()
    ok(run("uninstall", cwd=repo))
    assert not (repo / "justfile").exists()


def test_a_justfile_whose_recipes_clash_is_left_and_reported(repo: Path) -> None:
    (repo / "justfile").write_text("ready:\n    echo mine\n")
    out = ok(run("init", cwd=repo)).out
    assert "  ! justfile: not importing haios' recipes: your recipes ready have the names" in out
    assert (repo / "justfile").read_text() == "ready:\n    echo mine\n"


def test_an_import_of_another_installation_is_pointed_here(repo: Path) -> None:
    (repo / "justfile").write_text("import? '/old/site-packages/haios/_defaults/haios.just'\n")
    ok(run("init", cwd=repo))
    assert (repo / "justfile").read_text() == justfile.line()


# -- the plugin and init together ---------------------------------------------------------------


def enable_plugin(home: Path) -> None:
    settings = home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"enabledPlugins": {"haios@haios": True}}))


def test_init_leaves_the_hooks_to_an_enabled_plugin(repo: Path) -> None:
    enable_plugin(Path(os.environ["HOME"]))
    out = ok(run("init", cwd=repo)).out
    assert (
        "  ! the haios plugin (haios@haios) registers haios' hooks, so init did not add them to "
        ".claude/settings.json (every hook would run twice). To use this project's instead: "
        "`claude plugin disable haios@haios`, then `haios init`\n"
    ) in out
    assert not install.registered(json.loads((repo / HOOKS_FILE).read_text()))


def test_init_and_doctor_say_which_to_remove_when_both_are_there(repo: Path) -> None:
    ok(run("init", cwd=repo))
    enable_plugin(Path(os.environ["HOME"]))
    message = (
        "the haios plugin (haios@haios) and haios' hooks in .claude/settings.json are both "
        "registered, so every hook runs twice"
    )
    assert (
        f"  ! {message}; remove one: `haios uninstall` keeps the plugin"
        in ok(run("init", cwd=repo)).out
    )
    doc: dict[str, Any] = json.loads(run("doctor", "--json", cwd=repo).out)
    (check,) = [c for c in doc["checks"] if c["check"] == "hook registration"]
    assert check["problems"] == [
        {
            "problem": message,
            "fix": "remove one: `haios uninstall` keeps the plugin, `claude plugin disable "
            "haios@haios` keeps this project's hooks (pinned to this haios by absolute path)",
        }
    ]
