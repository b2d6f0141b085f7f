"""A session start stays cheap: `haios hook SessionStart` and a bare `haios coldstart` run in real
processes, and their `-X importtime` traces must not name the modules they can do without. The
values they pass around are named tuples declared twice (for the type checker, and made at run
time without typing): both must give the same fields and defaults.

A hook is a new process, and most of what it costs is what it imports: typing and dataclasses
(~18 ms together), filelock (logging, inspect, typing: ~20 ms), blinker (inspect, typing), tempfile
(shutil, random, the compressors), argparse, socket, pathlib (~5 ms: urllib.parse and ipaddress),
contextlib and signal. benchmarks/README.md gives the figures.
"""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest

from haios import contracts
from haios.events import SessionStarted, payload_dict
from haios.governance import hookevent, journal
from haios.memory import digest
from haios.project import Project
from haios.runtime import Runtime

# Whatever the path, none of these: each costs milliseconds the session start does not need.
NOT_ON_THE_PATH = {
    "typing",
    "dataclasses",
    "inspect",
    "filelock",
    "blinker",
    "logging",
    "tempfile",
    "shutil",
    "argparse",
    "socket",
    "pathlib",
    "contextlib",
    "signal",
    "pydantic",
    "yaml",
    "mcp",
    "haios.events",
    "haios.config",
    "haios.configload",
    "haios.runtime",
}
CHECKPOINT = """---
session: 41
date: 2026-03-10
pending:
  - WORK-001
---
# Session 41
"""


def imported(trace: str) -> set[str]:
    """Every module named in `python -X importtime` output."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in trace.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }


def grounded(rt: Runtime, project: Project) -> None:
    """What a session start reads: work items (one held), a checkpoint, L0, a memory digest."""
    rt.work.create("Ship the retry policy")
    held = rt.work.create("Write the changelog")
    rt.work.claim(held.id, "someone-else")
    folder = project.root / "docs" / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "2026-03-10-01-SESSION-41-retry.md").write_text(CHECKPOINT, "utf-8")
    context = project.root / ".claude" / "config"
    context.mkdir(parents=True, exist_ok=True)
    (context / "north-star.md").write_text("# Mission\n\nShip small, safe changes.\n", "utf-8")
    digest.write(project.state_dir, [{"id": "1", "content": "Run the tests first.", "uses": 2}])


CONSOLE_SCRIPT = "import sys; from haios.cli.main import main; sys.exit(main())"


def traced(project: Project, args: list[str], stdin: str = "") -> tuple[str, set[str]]:
    proc = subprocess.run(  # as the console script runs it (`-m` would add runpy's imports)
        [sys.executable, "-X", "importtime", "-c", CONSOLE_SCRIPT, *args],
        cwd=project.root,
        input=stdin,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, imported(proc.stderr)


def test_a_session_start_imports_nothing_it_can_do_without(
    rt: Runtime, project: Project, haios: Any
) -> None:
    grounded(rt, project)
    assert haios("coldstart").code == 0  # the compiled config is now current, as in a session
    payload = {"session_id": "fresh-session", "cwd": str(project.root), "source": "startup"}

    out, modules = traced(project, ["hook", "SessionStart"], json.dumps(payload))

    text = json.loads(out)["hookSpecificOutput"]["additionalContext"]
    assert text.startswith("haios · session 42 (prior 41) · coldstart · tier light\n")
    assert "- Run the tests first." in text  # the digest was read
    last = rt.governance._journal.tail(1)[0]  # the session was journalled, under the lock
    assert (last["event"], last["payload"], last["session"]) == (
        "SessionStarted",
        payload_dict(SessionStarted(42, 41)),  # what the runtime journals, without blinker
        "fresh-session",
    )
    assert {"haios.context.loader", "haios.governance.journal", "haios.memory.digest"} <= modules
    assert modules & NOT_ON_THE_PATH == set()


def test_a_bare_coldstart_imports_nothing_it_can_do_without(
    rt: Runtime, project: Project, haios: Any
) -> None:
    grounded(rt, project)
    warm = haios("coldstart")

    out, modules = traced(project, ["coldstart"])

    assert out == warm.out and out.startswith("haios · session 42 (prior 41) · coldstart")
    assert {"haios.context.loader", "haios.memory.digest", "haios.work.reader"} <= modules
    assert modules & NOT_ON_THE_PATH == set()


def declared_tuples(module: ModuleType) -> dict[str, tuple[list[str], dict[str, Any]]]:
    """name -> (fields, defaults) of each NamedTuple class `module` declares for the type
    checker (under `if TYPE_CHECKING:`), read from its source."""
    tree = ast.parse(inspect.getsource(module))
    found = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef) or "NamedTuple" not in map(ast.unparse, node.bases):
            continue
        fields, defaults = [], {}
        for statement in node.body:
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                fields.append(statement.target.id)
                if isinstance(statement.value, ast.Name):  # a module-level function
                    defaults[statement.target.id] = getattr(module, statement.value.id)
                elif statement.value is not None:
                    defaults[statement.target.id] = ast.literal_eval(statement.value)
        found[node.name] = (fields, defaults)
    return found


@pytest.mark.parametrize("module", [contracts, hookevent, journal], ids=lambda m: m.__name__)
def test_each_value_is_made_with_the_fields_and_defaults_it_is_declared_with(
    module: ModuleType,
) -> None:
    declared = declared_tuples(module)
    assert declared  # the source was read
    for name, (fields, defaults) in declared.items():
        made = getattr(module, name)
        assert (name, list(made._fields), made._field_defaults) == (name, fields, defaults)
