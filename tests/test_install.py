"""`haios init` merging hooks into .claude/settings.json, `haios uninstall`, and `haios doctor`
on the registration (with --hooks: every registered command run as Claude Code runs it).

All through the real CLI in a subprocess, on real files in temporary folders.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from haios.cli import install, mcpjson
from haios.errors import HaiosError

from .conftest import Result

USER_SETTINGS = {
    "permissions": {"allow": ["Bash(npm test)"], "deny": ["Read(./secrets/**)"]},
    "env": {"FOO": "1"},
    "hooks": {
        "PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "~/bin/my-guard"}]}
        ],
        "Notification": [{"hooks": [{"type": "command", "command": "notify-send done"}]}],
    },
}


def ok(result: Result) -> Result:
    assert result.code == 0, result.err + result.out
    return result


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with the user's own settings and no haios yet."""
    root = tmp_path / "user-repo"
    (root / ".claude").mkdir(parents=True)
    (root / ".claude" / "settings.json").write_text(json.dumps(USER_SETTINGS, indent=4))
    return root


def settings(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / ".claude" / "settings.json").read_text())
    return data


def commands(data: dict[str, Any], event: str) -> list[str]:
    return [h["command"] for g in data["hooks"].get(event, []) for h in g["hooks"]]


def test_init_merges_the_hooks_and_keeps_everything_else(haios: Any, repo: Path) -> None:
    before = (repo / ".claude" / "settings.json").read_text()
    out = ok(haios("init", str(repo))).out
    assert "  + .claude/settings.json (+ haios hooks; backup settings.json.haios.bak)\n" in out
    assert (repo / ".claude" / "settings.json.haios.bak").read_text() == before
    data = settings(repo)
    assert data["permissions"] == USER_SETTINGS["permissions"]
    assert data["env"] == USER_SETTINGS["env"]
    assert data["hooks"]["Notification"] == USER_SETTINGS["hooks"]["Notification"]
    assert data["hooks"]["PreToolUse"][0] == USER_SETTINGS["hooks"]["PreToolUse"][0]
    assert set(data["hooks"]) == {"Notification", *install.EVENTS}
    for event, matcher in install.EVENTS.items():
        ours = [g for g in data["hooks"][event] if install.is_ours(g["hooks"][0]["command"])]
        assert len(ours) == 1, event
        assert ours[0].get("matcher") == matcher
        assert ours[0].get("matcher") not in ("*", "")
        (entry,) = ours[0]["hooks"]
        assert entry["type"] == "command" and entry["timeout"] == install.TIMEOUT
        program, _, rest = entry["command"].partition(" ")
        assert os.path.isabs(program) and os.access(program, os.X_OK), entry["command"]
        assert rest in (f"hook {event}", f"-m haios hook {event}")


def test_init_twice_changes_nothing(haios: Any, repo: Path) -> None:
    ok(haios("init", str(repo)))
    first = (repo / ".claude" / "settings.json").read_bytes()
    assert ok(haios("init", str(repo))).out.endswith("nothing changed\n")
    assert (repo / ".claude" / "settings.json").read_bytes() == first


def test_init_points_moved_entries_at_this_haios_and_drops_doubles(haios: Any, repo: Path) -> None:
    old = {"type": "command", "command": "/gone/venv/bin/haios hook PreToolUse", "timeout": 5}
    data = dict(USER_SETTINGS, hooks={"PreToolUse": [{"matcher": "Bash", "hooks": [old]}] * 2})
    (repo / ".claude" / "settings.json").write_text(json.dumps(data))
    ok(haios("init", str(repo)))
    pre = settings(repo)["hooks"]["PreToolUse"]
    assert len(pre) == 1 and pre[0]["matcher"] == "Bash"  # the user's narrower matcher stays
    assert pre[0]["hooks"] == [
        {"type": "command", "command": install.hook_command("PreToolUse"), "timeout": 10}
    ]


def test_init_refuses_a_broken_settings_file_and_changes_nothing(
    haios: Any, tmp_path: Path
) -> None:
    root = tmp_path / "user-repo"
    (root / ".claude").mkdir(parents=True)
    broken = '{"permissions": {"allow": [}\n'
    (root / ".claude" / "settings.json").write_text(broken)
    result = haios("init", str(root))
    assert result.code == 1 and result.out == ""
    assert "settings.json:1:" in result.err and "not valid JSON" in result.err
    assert "Traceback" not in result.err
    assert (root / ".claude" / "settings.json").read_text() == broken
    assert sorted(p.name for p in (root / ".claude").iterdir()) == ["settings.json"]


@pytest.mark.parametrize("text", ["[1, 2]", '{"hooks": []}'])
def test_init_refuses_settings_of_the_wrong_shape(haios: Any, repo: Path, text: str) -> None:
    (repo / ".claude" / "settings.json").write_text(text)
    result = haios("init", str(repo))
    assert result.code == 1 and "nothing was changed" in result.err
    assert (repo / ".claude" / "settings.json").read_text() == text


@pytest.mark.parametrize(
    ("text", "settings_error", "mcp_error"),
    [
        (
            '{"hooks": [}',
            "{}:1:12: not valid JSON (Expecting value); nothing was changed. "
            "Fix the file (or move it away), then run this again.",
            "{}:1:12: not valid JSON (Expecting value); "
            "fix the file (or move it away), then run this again",
        ),
        (
            "[1, 2]",
            '{}: expected a JSON object with an object under "hooks"; nothing was changed',
            '{}: expected a JSON object with an object under "mcpServers"',
        ),
        (
            '{"hooks": 1, "mcpServers": []}',
            '{}: expected a JSON object with an object under "hooks"; nothing was changed',
            '{}: expected a JSON object with an object under "mcpServers"',
        ),
    ],
)
def test_settings_and_mcp_json_are_refused_each_with_its_own_message(
    tmp_path: Path, text: str, settings_error: str, mcp_error: str
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text)
    with pytest.raises(HaiosError) as settings:
        install.load(path)
    with pytest.raises(HaiosError) as mcp:
        mcpjson.parse(text, ".mcp.json")
    assert str(settings.value) == settings_error.format(path)
    assert str(mcp.value) == mcp_error.format(".mcp.json")


@pytest.mark.parametrize("text", [None, "", " \n"])
def test_a_missing_or_blank_file_is_an_empty_object(tmp_path: Path, text: str | None) -> None:
    path = tmp_path / "settings.json"
    if text is not None:
        path.write_text(text)
    assert install.load(path) == {} and mcpjson.parse(text, ".mcp.json") == {}


def test_init_dry_run_shows_the_diff_and_writes_nothing(haios: Any, repo: Path) -> None:
    before = sorted(str(p) for p in repo.rglob("*"))
    out = ok(haios("init", str(repo), "--dry-run")).out
    assert out.startswith("would create .claude/haios/ and the work folders\n")
    assert '+            "command": ' in out and "hook PreToolUse" in out
    assert sorted(str(p) for p in repo.rglob("*")) == before


def test_init_no_hooks_leaves_settings_alone(haios: Any, repo: Path) -> None:
    before = (repo / ".claude" / "settings.json").read_text()
    ok(haios("init", str(repo), "--no-hooks"))
    assert (repo / ".claude" / "settings.json").read_text() == before


def test_uninstall_removes_exactly_what_init_added(haios: Any, repo: Path) -> None:
    ok(haios("init", str(repo)))
    assert "+ .claude" not in ok(haios("uninstall", "--dry-run", cwd=repo)).out
    removed = ok(haios("uninstall", "--json", cwd=repo)).json()["removed"]
    assert removed[:2] == [
        f".claude/settings.json (- {len(install.EVENTS)} haios hook entries; as it was before)",
        ".claude/settings.json.haios.bak (no longer needed)",
    ]
    assert settings(repo) == USER_SETTINGS
    assert (repo / ".claude" / "haios").is_dir()  # the project itself stays
    assert ok(haios("uninstall", cwd=repo)).out.startswith("nothing of haios' to remove; kept")


def test_merge_and_removal_keep_hooks_sharing_a_group() -> None:
    mixed = {
        "hooks": {
            "Stop": [
                {"hooks": [{"type": "command", "command": "say done"}, _ours("Stop", "/old/haios")]}
            ]
        }
    }
    merged = install.merged(mixed)
    assert commands(merged, "Stop") == ["say done", install.hook_command("Stop")]
    assert install.removed(merged)["hooks"]["Stop"] == [
        {"hooks": [{"type": "command", "command": "say done"}]}
    ]


@pytest.mark.parametrize(
    ("command", "ours"),
    [
        ("/v/bin/haios hook PreToolUse", True),
        ("'/my venv/bin/haios' hook Stop", True),
        ("/usr/bin/python3 -m haios hook Stop", True),
        ("haios hook SessionStart", True),
        ("my-haios-wrapper hook Stop", False),
        ("/v/bin/haios work ready", False),
        ("echo haios hook Stop && rm x", False),
    ],
)
def test_which_entries_are_haios(command: str, ours: bool) -> None:
    assert install.is_ours(command) is ours


def _ours(event: str, program: str) -> dict[str, Any]:
    return {"type": "command", "command": f"{program} hook {event}", "timeout": 10}


# -- doctor ------------------------------------------------------------------------------------


def doctor(haios: Any, *args: str) -> dict[str, Any]:
    result = haios("doctor", "--json", *args)
    assert result.err == ""
    doc: dict[str, Any] = result.json()
    assert result.code == (0 if doc["ok"] else 1)
    return doc


def registration(doc: dict[str, Any]) -> list[dict[str, str]]:
    (check,) = [c for c in doc["checks"] if c["check"] == "hook registration"]
    problems: list[dict[str, str]] = check["problems"]
    return problems


def test_doctor_finds_a_hook_whose_program_is_gone(haios: Any, project: Any) -> None:
    path = project.root / ".claude" / "settings.json"
    data = install.merged({})
    data["hooks"]["PreToolUse"][0]["hooks"][0]["command"] = "/gone/bin/haios hook PreToolUse"
    path.write_text(json.dumps(data))
    (problem,) = registration(doctor(haios))
    assert problem["problem"].startswith("PreToolUse: /gone/bin/haios does not exist")
    assert "fails open" in problem["problem"] and "haios init" in problem["fix"]


def test_doctor_finds_a_hook_registered_twice(haios: Any, project: Any) -> None:
    local = project.root / ".claude" / "settings.local.json"
    local.write_text(json.dumps({"hooks": {"Stop": [{"hooks": [_ours("Stop", "haios")]}]}}))
    (problem,) = registration(doctor(haios))
    assert problem["problem"].startswith("Stop is registered twice")


def test_doctor_without_hooks_says_to_run_init(haios: Any, project: Any) -> None:
    (project.root / ".claude" / "settings.json").unlink()
    (problem,) = registration(doctor(haios))
    assert problem == {
        "problem": "no haios hooks in .claude/settings.json",
        "fix": "run `haios init`",
    }


def test_doctor_hooks_runs_every_registered_hook(haios: Any, project: Any) -> None:
    # the latency budget is not what this test is about: a loaded machine must not fail it
    (project.config_dir / "thresholds.yaml").write_text("hooks: {latency_budget_ms: 60000}\n")
    doc = doctor(haios, "--hooks")
    assert doc["ok"], doc
    assert [h["event"] for h in doc["hooks"]] == list(install.EVENTS)
    assert all(h["problems"] == [] and h["ms"] > 0 for h in doc["hooks"])
    assert not (project.state_dir / "memory-outbox.jsonl").exists()  # its sample failure


def test_doctor_hooks_flags_a_hook_over_the_latency_budget(haios: Any, project: Any) -> None:
    (project.config_dir / "thresholds.yaml").write_text("hooks: {latency_budget_ms: 1}\n")
    doc = doctor(haios, "--hooks")
    assert not doc["ok"]
    slow = doc["hooks"][0]
    assert slow["problems"] == [f"took {slow['ms']:.0f} ms, over the 1 ms budget"]


def _fake_program(tmp_path: Path, body: str) -> str:
    program = tmp_path / "fake" / "haios"  # named like haios, so it counts as a haios entry
    program.parent.mkdir()
    program.write_text(f"#!{sys.executable}\n{body}\n")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    return str(program)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("import sys; sys.exit(1)", "exit 1"),
        ("print('hello')", "stdout is not JSON"),
        ("print('{}')", "a write to .env was not denied"),
        (
            "import json; out = {'permissionDecision': 'allow'}; "
            "print(json.dumps({'hookSpecificOutput': out}))",
            "answered allow",
        ),
        ("import time; time.sleep(2)", "timed out after 1 s"),
    ],
)
def test_doctor_hooks_catches_a_hook_that_answers_wrong(
    haios: Any, project: Any, tmp_path: Path, body: str, problem: str
) -> None:
    fake = _fake_program(tmp_path, body)
    data = {
        "hooks": {
            "PreToolUse": [
                {"matcher": "Bash", "hooks": [{**_ours("PreToolUse", fake), "timeout": 1}]}
            ]
        }
    }
    (project.root / ".claude" / "settings.json").write_text(json.dumps(data))
    doc = doctor(haios, "--hooks")
    (run,) = doc["hooks"]
    assert not doc["ok"] and any(p.startswith(problem) for p in run["problems"]), run


def test_doctor_hooks_text_output(haios: Any, project: Any) -> None:
    (project.config_dir / "thresholds.yaml").write_text("hooks: {latency_budget_ms: 60000}\n")
    out = haios("doctor", "--hooks").out
    assert "ok       hook registration\n" in out
    assert "ok       hook PreToolUse (" in out and out.endswith("all checks passed\n")


def memory_check(haios: Any) -> dict[str, Any]:
    doc = doctor(haios)
    check: dict[str, Any] = next(c for c in doc["checks"] if c["check"] == "memory server")
    return check


def test_doctor_starts_the_registered_memory_server(haios: Any, project: Any) -> None:
    from haios.cli import mcpjson

    data, _ = mcpjson.merged({})
    (project.root / ".mcp.json").write_text(json.dumps(data))
    assert memory_check(haios) == {"check": "memory server", "ok": True, "problems": []}
    (project.config_dir / "memory.yaml").write_text(
        "server: {command: [no-such-memory-server]}\nclient: {connect_timeout: 5}\n"
    )
    (problem,) = memory_check(haios)["problems"]
    assert problem["problem"].startswith("the memory server does not answer: ")
    assert "no-such-memory-server" in problem["problem"]
    assert problem["fix"].startswith("run `haios memory serve` in a terminal")
