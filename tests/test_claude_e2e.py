"""End to end: the real Claude Code CLI, headless, in a project where `haios init` ran, governed by
haios' hooks. Only the model is fake (tests/e2e/fake_api.py); the CLI, the hooks and the commands
the model asks for are real. Needs the pinned CLI: `npm ci --prefix tests/e2e`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e import claude
from tests.e2e.fake_api import FakeAPI, Text, ToolUse, Turn

pytestmark = pytest.mark.e2e

Conversation = Callable[..., FakeAPI]


@pytest.fixture(scope="session")
def claude_cli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pinned CLI. Missing: a skip, but a failure on CI, which installs it (.ci/run)."""
    problem = claude.missing()
    if problem and os.environ.get("CI"):
        pytest.fail(f"{problem}; CI must run these tests (.ci/run installs the CLI)")
    if problem:
        pytest.skip(problem)
    version = claude.installed_version(tmp_path_factory.mktemp("version-home"))
    pinned = claude.pinned_version()
    assert version == pinned, (
        f"tests/e2e has Claude Code {version}, package.json pins {pinned}: run `{claude.INSTALL}`"
    )
    return claude.CLAUDE


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The session's home folder, with a canary file that a harmful command would delete."""
    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "canary.txt").write_text("still here\n")
    return folder


def run_haios(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "haios", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, f"haios {' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository where the real `haios init` ran and registered its hooks."""
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True, timeout=30)
    run_haios(root, "init")
    settings = json.loads((root / ".claude" / "settings.json").read_text("utf-8"))
    commands = [h["command"] for g in settings["hooks"]["PreToolUse"] for h in g["hooks"]]
    assert any(c.endswith("haios hook PreToolUse") for c in commands), settings
    return root


@pytest.fixture
def converse(claude_cli: Path, repo: Path, home: Path) -> Conversation:
    """Run `claude -p PROMPT` in the repository against a fake model answering with `script`."""

    def run(script: list[Turn], prompt: str, env: dict[str, str] | None = None) -> FakeAPI:
        with FakeAPI(script) as api:
            session = claude.run(repo, home, api, prompt, env)
        assert session.result()["is_error"] is False
        return api

    return run


def bash(command: str) -> ToolUse:
    return ToolUse("Bash", {"command": command, "description": "Run the command"})


@pytest.mark.parametrize(
    "command", ["rm -rf .git", "bash -c 'rm -rf .git'", "sudo rm -fr .git", "find . -delete"]
)
def test_a_dangerous_command_is_denied_and_the_model_is_told_why(
    converse: Conversation, repo: Path, home: Path, command: str
) -> None:
    # The repository is temporary, so a failed guard costs nothing but the test. The CLI itself
    # refuses `rm -rf /` and `rm -rf ~` before any hook runs ("Dangerous rm operation
    # detected"), so those would not show anything about haios; these it runs when no hook
    # stops them, and the canary (.git/HEAD) shows that haios did.
    api = converse([bash(command), Text("Understood.")], "Clean up everything.")

    assert (home / "canary.txt").exists(), "the command ran"
    assert (repo / ".git" / "HEAD").exists(), "the command ran"
    result = api.conversation[1].tool_result()
    assert result.is_error
    assert result.text.startswith("haios:"), result.text


def test_a_harmless_command_runs(converse: Conversation, repo: Path) -> None:
    api = converse([bash("echo hello > out.txt"), Text("Wrote it.")], "Write hello to a file.")

    assert (repo / "out.txt").read_text() == "hello\n"
    result = api.conversation[1].tool_result()
    assert not result.is_error
    assert "haios:" not in result.text


def test_a_secret_read_through_bash_never_reaches_the_model(
    converse: Conversation, repo: Path
) -> None:
    canary = f"e2e-canary-{uuid.uuid4().hex}"
    (repo / ".env").write_text(f"API_TOKEN={canary}\n")

    api = converse([bash("cat .env"), Text("I will not read it.")], "Show me the config.")

    assert not [r for r in api.requests if canary in r.text], "the secret reached the model"
    result = api.conversation[1].tool_result()
    assert result.is_error
    assert result.text.startswith("haios:"), result.text


def test_the_session_starts_with_the_top_ready_work_item(
    converse: Conversation, repo: Path
) -> None:
    title = "Ship the e2e harness"
    item = json.loads(run_haios(repo, "work", "new", title, "--json"))["id"]

    api = converse([Text("Noted.")], "What should I do?")

    label = "SessionStart hook additional context: "  # how the pinned CLI passes it on
    contexts = [t.split(label, 1)[1] for t in api.conversation[0].texts() if label in t]
    assert len(contexts) == 1, api.conversation[0].text
    assert contexts[0].startswith("haios · session 1 · coldstart · tier full\n"), contexts[0]
    assert f"\n- {item} «{title}» (medium, backlog)\n" in contexts[0]


def test_a_stop_reminder_continues_the_session_once(converse: Conversation) -> None:
    api = converse(
        [Text("All done.")],
        "Say you are done.",
        env={"HAIOS_THRESHOLDS__CONTEXT__CHECKPOINT_LEFT_PCT": "100"},
    )

    # The script calls no tool, so every request after the first continues a blocked stop.
    continued = api.conversation[1:]
    assert len(continued) == 1, f"expected one continuation of the stop, got {len(continued)}"
    feedback = [b["text"] for b in continued[0].last_user_blocks() if b.get("type") == "text"]
    reminders = [text for text in feedback if "haios:" in text]
    assert len(reminders) == 1, feedback


def test_moving_an_item_past_a_failing_gate_is_refused_with_the_gate(
    converse: Conversation, repo: Path
) -> None:
    run_haios(repo, "work", "new", "Rate limits")
    run_haios(repo, "cycle", "start", "1", "plan-authoring")

    api = converse([bash("haios work move WORK-001 implement"), Text("I will fill it.")], "Go.")

    assert "current_node: plan" in (repo / "docs/work/active/WORK-001/WORK.md").read_text()
    result = api.conversation[1].tool_result()
    assert result.is_error
    assert "context_filled" in result.text and "haios cycle check WORK-001" in result.text
