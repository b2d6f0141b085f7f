"""Run the pinned Claude Code CLI headless (`claude -p`) against a FakeAPI, in a given project."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.e2e.fake_api import FakeAPI

HERE = Path(__file__).parent
CLAUDE = HERE / "node_modules" / ".bin" / "claude"
INSTALL = "npm ci --prefix tests/e2e"


def pinned_version() -> str:
    package = json.loads((HERE / "package.json").read_text("utf-8"))
    return str(package["dependencies"]["@anthropic-ai/claude-code"])


def missing() -> str | None:
    """Why the CLI cannot run here (not installed), or None."""
    if CLAUDE.exists():
        return None
    if shutil.which("npm") is None or shutil.which("node") is None:
        return f"no Node.js or npm on PATH, so the Claude Code CLI is not installed ({INSTALL})"
    return f"the Claude Code CLI is not installed: run `{INSTALL}`"


def installed_version(home: Path) -> str:
    """The version the installed CLI reports, e.g. "2.1.197"."""
    proc = subprocess.run(
        [str(CLAUDE), "--version"],
        env={"PATH": os.environ["PATH"], "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stdout.split(), (
        f"`{CLAUDE} --version` failed ({proc.returncode}): {proc.stderr.strip()}; run `{INSTALL}`"
    )
    return proc.stdout.split()[0]


@dataclass(frozen=True)
class Session:
    """One finished `claude -p` run."""

    code: int
    stdout: str
    stderr: str
    seconds: float

    def result(self) -> dict[str, Any]:
        """The `--output-format json` result; fails the test when the run did not produce one."""
        assert self.code == 0, f"claude exited {self.code}"
        value = json.loads(self.stdout)
        assert isinstance(value, dict), value
        return value


def run(
    project: Path,
    home: Path,
    api: FakeAPI,
    prompt: str,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> Session:
    """`claude -p PROMPT` in `project`, talking only to `api`, with nothing from the caller's
    environment but PATH (no real API key, no developer settings). Prints everything, so a
    failing test shows it."""
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "ANTHROPIC_BASE_URL": api.url,
        "ANTHROPIC_API_KEY": "sk-ant-e2e-not-a-key",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
        "IS_SANDBOX": "1",  # lets bypassPermissions run as root (CI containers)
        **(env or {}),
    }
    command = [str(CLAUDE), "-p", prompt, "--output-format", "json"]
    command += ["--permission-mode", "bypassPermissions"]
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        cwd=project,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # on a timeout, its hooks go down with it
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        _show(" ".join(command), proc.returncode, stdout, stderr, api)
        raise AssertionError(f"claude -p did not finish within {timeout:.0f} s") from None
    session = Session(proc.returncode, stdout, stderr, time.monotonic() - started)
    _show(" ".join(command), session.code, stdout, stderr, api)
    print(f"took {session.seconds:.1f} s")
    return session


def _show(command: str, code: int, stdout: str, stderr: str, api: FakeAPI) -> None:
    print(f"$ {command}\nexit {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}")
    print(f"--- requests to the fake API\n{api.summary()}")


def cli(home: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`claude ARGS` with HOME in `home` and nothing else from the caller but PATH (offline)."""
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
    }
    return subprocess.run(
        [str(CLAUDE), *args],
        cwd=cwd or home,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def plugin_source(files: dict[str, str], folder: Path) -> Path:
    """A marketplace folder holding just the plugin's files (not the whole checkout)."""
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return folder


def install_plugin(source: Path, home: Path, name: str = "haios") -> str:
    """Add `source` as a marketplace, install `name@name` from it; `claude plugin details`."""
    for args in (("marketplace", "add", str(source)), ("install", f"{name}@{name}")):
        proc = cli(home, "plugin", *args)
        assert proc.returncode == 0, f"claude plugin {' '.join(args)}: {proc.stdout}{proc.stderr}"
    proc = cli(home, "plugin", "details", f"{name}@{name}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def always_on_tokens(details: str) -> int:
    """The projected always-on token cost `claude plugin details` prints."""
    match = re.search(r"Always-on:\s+~?(\d[\d,]*) tok", details)
    assert match, details
    return int(match.group(1).replace(",", ""))
