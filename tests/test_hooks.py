"""`haios hook EVENT` and `haios policy check`: Claude Code's hook protocol, failing closed, and
the two PreToolUse guards (path_governance, single_writer).

The protocol runs as Claude Code runs it: a new process, one JSON object on stdin,
CLAUDE_PROJECT_DIR set and the cwd somewhere else. The tables of cases, the garbage property and
the injected failing or slow handlers run in this process (`haios.cli.hook.run` with stdin and
stdout replaced, or `decide`). No opinion is always an empty stdout, never `allow`.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haios.cli import hook as hook_cli
from haios.configload import load_config
from haios.errors import ConfigError
from haios.governance import policy
from haios.governance.hookevent import Context, Decision, HookEvent, normalise
from haios.project import Project, compiled_config
from haios.runtime import Runtime

from .conftest import FIXTURES, Result

HOOKS = FIXTURES / "hooks"
ACME = "/home/dev/acme-api"  # the project root in the fixtures, rewritten to the test project
SECRET = "sk-test-secret"  # a fake ANTHROPIC_API_KEY that must never reach a log
MAX_INPUT = 16 * 1024 * 1024
FIXTURE_NAMES = sorted(p.relative_to(HOOKS).as_posix() for p in HOOKS.rglob("*.json"))
NON_GUARD_EVENTS = ("PostToolUse", "UserPromptSubmit", "SessionStart", "Stop", "NoSuchEvent")
ON_ERROR_HINT = (
    "To let calls run when haios cannot decide, set guards.on_error: allow in "
    ".claude/haios/config/governance-toggles.yaml."
)
DOTENV_REASON = (
    "haios: writing .env is blocked: it holds secrets (matches .env). Do not work around this "
    "through another tool; ask the user if the task needs it."
)
MOVE_042_REASON = (
    "haios: `current_node` belongs to haios in WORK-042's WORK.md (one writer keeps it "
    "consistent): use `haios work move WORK-042 implement` instead. Edits to the body and to "
    "other keys are fine."
)
WORK_042 = (
    "---\nid: WORK-042\ntitle: Retry with backoff\ntype: feature\nstatus: active\n"
    "current_node: {node}\n---\n# WORK-042: Retry with backoff\n\nThe plan.\n"
)
WRITERS = ("Write", "Edit", "MultiEdit", "NotebookEdit")
READERS = ("Read", "Grep", "Glob")
TOOLS = WRITERS + READERS


def pre_tool_use(reason: str, action: str = "deny") -> str:
    """The one stdout line of a PreToolUse decision."""
    output = {"hookEventName": "PreToolUse", "permissionDecision": action}
    return json.dumps({"hookSpecificOutput": {**output, "permissionDecisionReason": reason}}) + "\n"


# fixture file -> exact stdout; every other fixture gets no output
HEADER = (
    "Work items change only through `haios work \u2026` (never by editing WORK.md keys); "
    "`haios status` shows where things stand.\n"
)
STARTUP = (
    "haios \u00b7 session 1 \u00b7 coldstart \u00b7 tier full\n" + HEADER + "Note: memory: "
    "degraded (no memory digest yet)\nYou hold no work item; `haios work next --claim` takes "
    "the top ready one.\nReady (1); take the next with `haios work next --claim`:\n"
    "- WORK-042 \u00abRetry with backoff\u00bb (medium, plan)\nNo item is claimed.\n"
)
COMPACT = (  # a compaction in a session haios has not seen start: it is numbered all the same
    "haios \u00b7 session 1 \u00b7 session_recovery \u00b7 tier minimal\n" + HEADER + "You "
    "hold no work item; `haios work next --claim` takes the top ready one.\n"
)
EXPECTED = {
    "pre_tool_use__write_dotenv.json": pre_tool_use(DOTENV_REASON),
    "pre_tool_use__edit_node_transition.json": pre_tool_use(MOVE_042_REASON),
    **{
        name: json.dumps(
            {"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": text}}
        )
        + "\n"
        for name, text in (
            ("session_start__startup.json", STARTUP),
            ("session_start__compact.json", COMPACT),
            ("recorded/session_start__compact.json", COMPACT),
        )
    },
}


def never_allow(out: str) -> None:
    """haios has no `allow`: it would skip the user's permission prompt. Every runner below
    checks every output with this (reasons may use the word, as in `guards.on_error: allow`)."""
    assert '"allow"' not in out
    assert not out.startswith("allow")


def answer(out: str) -> tuple[str, str] | None:
    """(decision, reason) of a PreToolUse answer, checking its shape; None for no output."""
    never_allow(out)
    if out == "":
        return None
    assert out.endswith("\n") and out.count("\n") == 1, out
    doc = json.loads(out)
    assert list(doc) == ["hookSpecificOutput"]
    spec = doc["hookSpecificOutput"]
    assert set(spec) == {"hookEventName", "permissionDecision", "permissionDecisionReason"}
    assert spec["hookEventName"] == "PreToolUse"
    assert spec["permissionDecision"] in ("deny", "ask")
    return spec["permissionDecision"], spec["permissionDecisionReason"]


def error_log(project: Project) -> Path:
    return Path(os.path.realpath(project.root)) / ".claude" / "haios" / "state" / "haios-error.log"


def failed_closed(result: Result, project: Project, why: str = "") -> str:
    """One deny saying haios could not check the call, its traceback logged without the env."""
    assert (result.code, result.err) == (0, "")
    decided = answer(result.out)
    assert decided is not None and decided[0] == "deny", result.out
    reason = decided[1]
    log = error_log(project)
    assert reason.startswith("haios could not check this call ("), reason
    assert reason.endswith(f"), so it is blocked. Details: {log}. {ON_ERROR_HINT}"), reason
    assert why in reason
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert SECRET not in text
    return reason


def payload(name: str, root: Path) -> str:
    return (HOOKS / name).read_text(encoding="utf-8").replace(ACME, str(root))


def dotenv(root: Path, **changes: Any) -> dict[str, Any]:
    """The write_dotenv fixture as a dict; a change to None drops the field."""
    data = json.loads(payload("pre_tool_use__write_dotenv.json", root))
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def override(project: Project, name: str, text: str) -> None:
    """An override file in .claude/haios/config/ (the compiled cache notices the change)."""
    project.config_dir.mkdir(parents=True, exist_ok=True)
    (project.config_dir / name).write_text(text, encoding="utf-8")


def write_work_042(project: Project, node: str) -> Path:
    path = project.root / "docs" / "work" / "active" / "WORK-042" / "WORK.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(WORK_042.format(node=node), encoding="utf-8")
    return path


def tool_input(tool: str, path: str) -> dict[str, Any]:
    return {
        "Write": {"file_path": path, "content": "x = 1\n"},
        "Edit": {"file_path": path, "old_string": "a", "new_string": "b"},
        "MultiEdit": {"file_path": path, "edits": [{"old_string": "a", "new_string": "b"}]},
        "NotebookEdit": {"notebook_path": path, "new_source": "x = 1"},
        "Read": {"file_path": path},
        "Grep": {"pattern": "KEY", "path": path},
        "Glob": {"pattern": "*", "path": path},
    }[tool]


def decide(project: Project, tool: str, data: dict[str, Any], cwd: str = "") -> Decision | None:
    """What the evaluator says about one PreToolUse call, in this process."""
    event = normalise(
        "PreToolUse",
        {
            "session_id": "s",
            "cwd": cwd or str(project.root),
            "hook_event_name": "PreToolUse",
            "tool_name": tool,
            "tool_input": data,
        },
    )
    return policy.decide(event, policy.context_for(str(project.root), compiled_config(project)))


@pytest.fixture(autouse=True)
def home(_isolated_env: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary home folder, through no symlink (~ globs compare resolved paths)."""
    real = Path(os.path.realpath(os.environ["HOME"]))
    monkeypatch.setenv("HOME", str(real))
    monkeypatch.setenv("HAIOS_HOOK_HANDLERS__DATE_TIME_INJECT__ENABLED", "false")  # exact outputs
    return real


@pytest.fixture
def hook(haios: Any, project: Project, tmp_path: Path) -> Callable[..., Result]:
    """`haios hook EVENT` as Claude Code runs it: a new process in another cwd, the project in
    CLAUDE_PROJECT_DIR, an API key in the environment."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def run(
        event: str, stdin: str | bytes, env: dict[str, str] | None = None, project_dir: str = ""
    ) -> Result:
        env = {
            "CLAUDE_PROJECT_DIR": project_dir or str(project.root),
            "ANTHROPIC_API_KEY": SECRET,
            **(env or {}),
        }
        if isinstance(stdin, str):
            result: Result = haios("hook", event, cwd=elsewhere, stdin=stdin, env=env)
        else:  # bytes that are not UTF-8 text
            proc = subprocess.run(
                [sys.executable, "-m", "haios", "hook", event],
                cwd=elsewhere,
                input=stdin,
                capture_output=True,
                env={**os.environ, **env},
                timeout=120,
            )
            out, err = proc.stdout.decode(), proc.stderr.decode(errors="replace")
            result = Result(proc.returncode, out, err)
        never_allow(result.out)
        return result

    return run


@pytest.fixture
def inproc(project: Project, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    """`haios.cli.hook.run` in this process, stdin, stdout and stderr replaced."""
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", str(project.root))
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    compiled_config(project)  # compile the config once, outside any deadline
    alarm = signal.getsignal(signal.SIGALRM)

    def run(event: str, data: bytes | str) -> Result:
        raw = data.encode() if isinstance(data, str) else data
        out, err = io.StringIO(), io.StringIO()
        with monkeypatch.context() as m:
            m.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
            m.setattr(sys, "stdout", out)
            m.setattr(sys, "stderr", err)
            code = hook_cli.run([event])
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no deadline left armed
        never_allow(out.getvalue())
        return Result(code, out.getvalue(), err.getvalue())

    yield run
    signal.signal(signal.SIGALRM, alarm)


def inject(monkeypatch: pytest.MonkeyPatch, handler: Callable[[HookEvent, Context], Any]) -> None:
    """Run `handler` in place of single_writer (an enabled handler) on PreToolUse."""
    monkeypatch.setitem(policy.HANDLERS, "single_writer", (frozenset({"PreToolUse"}), handler))


# --- 1. every fixture through the real protocol --------------------------------------------------


def test_the_fixtures_are_all_here() -> None:
    assert len(FIXTURE_NAMES) == 20
    assert set(EXPECTED) < set(FIXTURE_NAMES)
    assert "recorded/pre_tool_use__bash.json" in FIXTURE_NAMES


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_every_fixture_gets_its_exact_answer(
    name: str, hook: Callable[..., Result], project: Project
) -> None:
    write_work_042(project, "plan")  # so that the node-transition Edit applies
    text = payload(name, project.root)
    result = hook(json.loads(text)["hook_event_name"], text)
    assert result == Result(0, EXPECTED.get(name, ""), "")


@pytest.mark.parametrize("node", ["implement", None])
def test_a_node_edit_that_would_not_apply_has_no_opinion(
    node: str | None, hook: Callable[..., Result], project: Project
) -> None:
    """The Edit's old_string `current_node: plan` is not in the file (or there is no file)."""
    if node is not None:
        write_work_042(project, node)
    text = payload("pre_tool_use__edit_node_transition.json", project.root)
    assert hook("PreToolUse", text) == Result(0, "", "")


def test_the_project_comes_from_claude_project_dir_not_the_payload_cwd(
    hook: Callable[..., Result], project: Project
) -> None:
    text = json.dumps(dotenv(project.root, cwd="/"))
    assert hook("PreToolUse", text) == Result(0, pre_tool_use(DOTENV_REASON), "")


def test_unknown_and_missing_optional_fields_do_not_change_the_answer(
    inproc: Callable[..., Result], project: Project
) -> None:
    newer = dotenv(project.root, prompt_id="p", effort={"level": "high"}, agent_id="a1", x=[1])
    assert inproc("PreToolUse", json.dumps(newer)) == Result(0, pre_tool_use(DOTENV_REASON), "")
    for field in ("session_id", "transcript_path", "cwd", "permission_mode", "tool_use_id"):
        data = dotenv(project.root, **{field: None})
        assert inproc("PreToolUse", json.dumps(data)).out == pre_tool_use(DOTENV_REASON), field


# --- 3. garbage in: PreToolUse fails closed, other events stay quiet -----------------------------


def _garbage(name: str, root: Path) -> bytes:
    """The garbage called `name`, built only when asked for (some of it is big)."""
    write = {"tool_name": "Write", "tool_input": {"file_path": f"{root}/src/app.py"}}
    text = payload("pre_tool_use__write_new_file.json", root)
    build: dict[str, Callable[[], Any]] = {
        "not json": lambda: b"this is not json",
        "empty": lambda: b"",
        "truncated": lambda: text[: len(text) // 2],
        "array": lambda: [write],
        "number": lambda: 42,
        "string": lambda: "PreToolUse",
        "null": lambda: None,
        "tool_input a list": lambda: {**write, "tool_input": [write["tool_input"]]},
        "tool_input a string": lambda: {**write, "tool_input": "src/app.py"},
        "session_id a number": lambda: {**write, "session_id": 42},
        "tool_name an object": lambda: {**write, "tool_name": {"name": "Write"}},
        "invalid utf-8": lambda: b'{"tool_name": "Write", "tool_input": {"file_path": "\xff.py"}}',
        "over 16 MiB": lambda: b'{"pad": "' + b"x" * MAX_INPUT + b'"}',
        "deep nesting": lambda: b'{"tool_input": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001,
        "deep array": lambda: b"[" * 100_000 + b"]" * 100_000,
    }
    value = build[name]()
    if isinstance(value, bytes):
        return value
    return value.encode() if name == "truncated" else json.dumps(value).encode()


GARBAGE = {  # name -> a fragment of the reason
    "not json": "the hook input was not valid: Expecting value",
    "empty": "the hook input was not valid: Expecting value",
    "truncated": "the hook input was not valid: ",
    "array": "the hook input should be a JSON object, not list",
    "number": "the hook input should be a JSON object, not int",
    "string": "the hook input should be a JSON object, not str",
    "null": "the hook input should be a JSON object, not NoneType",
    "tool_input a list": "tool_input should be an object, not list",
    "tool_input a string": "tool_input should be an object, not str",
    "session_id a number": "session_id should be a string, not int",
    "tool_name an object": "tool_name should be a string, not dict",
    "invalid utf-8": "the hook input was not valid: 'utf-8' codec can't decode",
    "over 16 MiB": "the hook input was not valid: the hook input is larger than 16 MiB",
    "deep nesting": "(RecursionError)",
    "deep array": "(RecursionError)",
}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_garbage_is_denied_through_the_real_protocol(
    name: str, hook: Callable[..., Result], project: Project
) -> None:
    failed_closed(hook("PreToolUse", _garbage(name, project.root)), project, GARBAGE[name])


@pytest.mark.parametrize("event", NON_GUARD_EVENTS)
def test_garbage_on_other_events_is_quiet_through_the_real_protocol(
    event: str, hook: Callable[..., Result], project: Project
) -> None:
    for name in ("not json", "invalid utf-8", "array"):
        assert hook(event, _garbage(name, project.root)) == Result(0, "", ""), name


@pytest.mark.parametrize("event", NON_GUARD_EVENTS)
@pytest.mark.parametrize("name", list(GARBAGE))
def test_garbage_on_other_events_is_quiet(
    name: str, event: str, inproc: Callable[..., Result], project: Project
) -> None:
    assert inproc(event, _garbage(name, project.root)) == Result(0, "", "")
    log = error_log(project)  # an unknown event is not even read
    assert (event == "NoSuchEvent") != log.exists()
    assert not log.exists() or SECRET not in log.read_text(encoding="utf-8")


def test_the_size_limit_is_16_mib_exactly(inproc: Callable[..., Result], project: Project) -> None:
    head = json.dumps(dotenv(project.root))[:-1] + ', "pad": "'
    fits = head.encode() + b"x" * (MAX_INPUT - len(head) - 2) + b'"}'
    assert len(fits) == MAX_INPUT
    assert inproc("PreToolUse", fits) == Result(0, pre_tool_use(DOTENV_REASON), "")
    over = inproc("PreToolUse", fits[:-2] + b'x"}')
    failed_closed(over, project, "larger than 16 MiB")


def test_moderate_nesting_is_still_decided(inproc: Callable[..., Result], project: Project) -> None:
    nested: Any = "leaf"
    for _ in range(200):
        nested = {"a": [nested]}
    data = dotenv(project.root, extra=nested)
    assert inproc("PreToolUse", json.dumps(data)) == Result(0, pre_tool_use(DOTENV_REASON), "")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"tool_input": {"file_path": ".env"}},
        {"tool_name": "Write"},
        {"tool_name": "Write", "tool_input": []},
        {"tool_name": "Write", "tool_input": ""},
        {"tool_name": "Write", "tool_input": False},
    ],
    ids=["empty object", "no tool_name", "no tool_input", "[]", "''", "false"],
)
def test_a_pre_tool_use_without_a_tool_fails_closed(
    data: dict[str, Any], inproc: Callable[..., Result], project: Project
) -> None:
    failed_closed(inproc("PreToolUse", json.dumps(data)), project)


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
ROOT = "@ROOT@"  # replaced by the project root before the call
_PATHS = st.sampled_from(
    [
        *(".env", "src/app.py", "/etc/passwd", "a\x00b", "", "~/.ssh/id_rsa"),
        *(f"{ROOT}/.git/config", f"{ROOT}/docs/work/active/WORK-042/WORK.md"),
        f"{ROOT}/docs/work/active/WORK-9/WORK.md",
    ]
)
_INPUTS = st.one_of(
    _JSON,
    st.fixed_dictionaries(
        {"file_path": _PATHS | _JSON},
        optional={
            "content": _JSON,
            "old_string": st.sampled_from(["current_node: plan", "The plan.", ""]) | _JSON,
            "new_string": st.sampled_from(["current_node: done", "Plan B.", "---"]) | _JSON,
            "edits": _JSON,
            "replace_all": _JSON,
        },
    ),
)
_PAYLOADS = st.fixed_dictionaries(
    {},
    optional={
        "session_id": st.text(max_size=10) | _JSON,
        "cwd": st.sampled_from(["", "/", "/etc", ROOT, f"{ROOT}/src"]) | _JSON,
        "hook_event_name": _JSON,
        "tool_name": st.sampled_from([*TOOLS, "Bash", "mcp__x__y"]) | _JSON,
        "tool_input": _INPUTS,
        "agent_id": _JSON,
        "source": _JSON,
        "prompt": _JSON,
        "junk": _JSON,
    },
)
_OLD = st.sampled_from(["current_node: plan", "The plan.", "", "---\n"]) | st.text(max_size=8)
_NEW = st.sampled_from(["current_node: done", "Plan B.", "---"]) | st.text(max_size=8)
_CONTENT = st.sampled_from(
    [WORK_042.format(node="plan"), WORK_042.format(node="done"), "---\nid: WORK-9\n---\n", "# x\n"]
)
_PLAUSIBLE = st.fixed_dictionaries(  # a hook call that normalises, more or less sensible
    {
        "tool_name": st.sampled_from([*TOOLS, "Bash"]),
        "tool_input": st.fixed_dictionaries(
            {"file_path": _PATHS},
            optional={
                "content": _CONTENT | st.text(max_size=20),
                "old_string": _OLD,
                "new_string": _NEW,
                "edits": st.lists(
                    st.fixed_dictionaries({"old_string": _OLD, "new_string": _NEW}) | _JSON,
                    max_size=3,
                ),
                "replace_all": st.booleans(),
            },
        ),
    },
    optional={
        "session_id": st.text(max_size=10),
        "cwd": st.sampled_from(["", "/", "/etc", ROOT, f"{ROOT}/src"]),
        "junk": _JSON,
    },
)
GARBAGE_BYTES = st.one_of(
    st.binary(max_size=120),
    _JSON.map(lambda v: json.dumps(v).encode()),
    _PAYLOADS.map(lambda v: json.dumps(v).encode()),
    _PAYLOADS.map(lambda v: json.dumps(v).encode()[:-1]),  # cut short
    _PLAUSIBLE.map(lambda v: json.dumps(v).encode()),
    _PLAUSIBLE.map(lambda v: json.dumps(v).encode()),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=GARBAGE_BYTES, event=st.sampled_from(["PreToolUse"] * 5 + list(NON_GUARD_EVENTS)))
def test_any_input_gets_a_well_formed_answer(
    data: bytes, event: str, inproc: Callable[..., Result], project: Project
) -> None:
    """Exit 0 and no stderr, whatever comes in; on PreToolUse, input that does not normalise is
    denied and logged, input that does gets exactly the evaluator's answer."""
    write_work_042(project, "plan")
    error_log(project).unlink(missing_ok=True)
    data = data.replace(ROOT.encode(), str(project.root).encode())
    result = inproc(event, data)
    assert (result.code, result.err) == (0, "")
    if event != "PreToolUse":  # no opinion, context for the event, or a block with a reason
        never_allow(result.out)
        doc = json.loads(result.out) if result.out else {}
        assert (
            doc == {}
            or doc.get("decision") == "block"
            or (doc["hookSpecificOutput"]["hookEventName"] == event)
        )
        return
    try:
        call = normalise(event, json.loads(data.decode("utf-8")))
    except (ValueError, RecursionError):
        hypothesis.event("not a hook call: denied")
        failed_closed(result, project)
        return
    try:
        expected = policy.decide(
            call, policy.context_for(str(project.root), compiled_config(project))
        )
    except Exception:
        hypothesis.event("a hook call that cannot be decided: denied")
        failed_closed(result, project)
        return
    hypothesis.event(f"decided: {expected and expected.action}")
    assert result.out == (
        "" if expected is None else pre_tool_use(expected.reason, expected.action)
    )
    assert not error_log(project).exists()


# --- 4. fail closed: a broken or slow handler, a config that does not validate -------------------


def _boom(event: HookEvent, context: Context) -> Decision | None:
    raise RuntimeError("a guard with a bug")


def _slow(event: HookEvent, context: Context) -> Decision | None:
    time.sleep(30)  # interrupted by the deadline
    return None


def test_a_handler_that_raises_denies_the_call(
    inproc: Callable[..., Result], project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    inject(monkeypatch, _boom)
    text = payload("pre_tool_use__write_new_file.json", project.root)
    reason = failed_closed(
        inproc("PreToolUse", text), project, "(an internal error (RuntimeError))"
    )
    assert str(error_log(project)) in reason and "guards.on_error" in reason
    assert "RuntimeError: a guard with a bug" in error_log(project).read_text(encoding="utf-8")


def test_a_handler_that_raises_on_another_event_is_quiet(
    inproc: Callable[..., Result], project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(policy.HANDLERS, "single_writer", (frozenset({"Stop"}), _boom))
    assert inproc("Stop", payload("stop__first.json", project.root)) == Result(0, "", "")
    assert "a guard with a bug" in error_log(project).read_text(encoding="utf-8")


def test_on_error_allow_lets_a_broken_handler_through_silently(
    inproc: Callable[..., Result], project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    override(project, "governance-toggles.yaml", "guards:\n  on_error: allow\n")
    compiled_config(project)
    inject(monkeypatch, _boom)
    text = payload("pre_tool_use__write_new_file.json", project.root)
    assert inproc("PreToolUse", text) == Result(0, "", "")  # no opinion, not `allow`
    assert "a guard with a bug" in error_log(project).read_text(encoding="utf-8")
    assert inproc("PreToolUse", b"not json") == Result(0, "", "")


def test_a_handler_past_the_deadline_denies_the_call(
    inproc: Callable[..., Result], project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    override(project, "governance-toggles.yaml", "guards:\n  deadline_ms: 100\n")
    compiled_config(project)
    inject(monkeypatch, _slow)
    text = payload("pre_tool_use__write_new_file.json", project.root)
    failed_closed(inproc("PreToolUse", text), project, "(it took longer than 100 ms)")


def test_on_error_allow_lets_a_slow_handler_through_silently(
    inproc: Callable[..., Result], project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    override(project, "governance-toggles.yaml", "guards:\n  on_error: allow\n  deadline_ms: 100\n")
    compiled_config(project)
    inject(monkeypatch, _slow)
    text = payload("pre_tool_use__write_new_file.json", project.root)
    assert inproc("PreToolUse", text) == Result(0, "", "")


def test_the_strongest_decision_wins(
    inproc: Callable[..., Result], project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ask from one handler does not weaken another's deny, in either order."""
    ask = Decision("ask", "haios: ask me", "single_writer")
    inject(monkeypatch, lambda event, context: ask)
    text = json.dumps(dotenv(project.root))
    assert inproc("PreToolUse", text).out == pre_tool_use(DOTENV_REASON)
    src = payload("pre_tool_use__write_new_file.json", project.root)
    assert inproc("PreToolUse", src).out == pre_tool_use("haios: ask me", "ask")
    monkeypatch.setattr(policy, "HANDLERS", dict(reversed(policy.HANDLERS.items())))
    assert inproc("PreToolUse", text).out == pre_tool_use(DOTENV_REASON)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("governance-toggles.yaml", "guards:\n  deadline_ms: 5\n"),
        ("governance-toggles.yaml", "guards:\n  on_error: maybe\n"),
        ("hook-handlers.yaml", "path_governance:\n  on_secrets: ask\n"),
        ("hook-handlers.yaml", "single_writer: [unclosed\n"),
    ],
    ids=["deadline too low", "on_error unknown", "unknown key", "bad yaml"],
)
def test_a_config_that_does_not_validate_denies_with_the_error(
    name: str, text: str, hook: Callable[..., Result], project: Project
) -> None:
    override(project, name, text)
    with pytest.raises(ConfigError) as error:
        load_config(project)
    assert str(project.config_dir / name) in str(error.value)
    call = payload("pre_tool_use__write_new_file.json", project.root)
    failed_closed(hook("PreToolUse", call), project, f"({error.value})")
    for event in NON_GUARD_EVENTS:
        assert hook(event, call) == Result(0, "", "")


def test_a_work_md_that_is_not_utf8_is_still_judged_by_its_keys(
    inproc: Callable[..., Result], project: Project
) -> None:
    path = write_work_042(project, "plan")
    path.write_bytes(path.read_bytes() + b"\xff\xfe\n")  # in the body: the keys still read
    result = inproc("PreToolUse", payload("pre_tool_use__edit_node_transition.json", project.root))
    assert "haios work move WORK-042 implement" in result.out


# --- 5. outside a haios project ------------------------------------------------------------------


def test_a_folder_that_is_not_a_haios_project_gets_no_answer(
    hook: Callable[..., Result], tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    text = json.dumps(dotenv(plain))
    for event, stdin in [("PreToolUse", text), ("PreToolUse", "not json"), ("Stop", "[]")]:
        assert hook(event, stdin, project_dir=str(plain)) == Result(0, "", "")
    assert list(plain.iterdir()) == []


# --- 6. path_governance --------------------------------------------------------------------------


def place(project: Project, home: Path, spec: str) -> str:
    """An absolute path from `~/…`, an absolute path, or a path in the project."""
    if spec.startswith("~/"):
        return str(home / spec[2:])
    return spec if spec.startswith("/") else str(project.root / spec)


def shown(project: Project, path: str) -> str:
    root = os.path.realpath(project.root)
    return os.path.relpath(path, root) if path.startswith(root + os.sep) else path


SECRETS = [
    (".env", ".env"),
    (".env.local", ".env.*"),
    ("config/.env.production", ".env.*"),
    ("server.pem", "*.pem"),
    ("deploy/id_rsa", "id_rsa*"),
    ("~/.ssh/config", "~/.ssh/**"),
    ("~/.aws/credentials", "~/.aws/**"),
]


def secret_reason(verb: str, where: str, glob: str) -> str:
    return (
        f"haios: {verb} {where} is blocked: it holds secrets (matches {glob}). Do not work "
        "around this through another tool; ask the user if the task needs it."
    )


def outside_reason(verb: str, path: str, project: Project) -> str:
    return (
        f"haios: {verb} {path} is outside the project ({os.path.realpath(project.root)}). "
        "Work inside the project, or ask the user to allow this path."
    )


GIT_REASON = (
    "haios: writing .git/config is blocked: files inside .git/ belong to git. "
    "Use git commands instead."
)


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize(("spec", "glob"), SECRETS)
def test_secrets_are_off_limits_to_every_file_tool(
    spec: str, glob: str, tool: str, project: Project, home: Path
) -> None:
    path = place(project, home, spec)
    verb = "writing" if tool in WRITERS else "reading"
    expected = Decision("deny", secret_reason(verb, shown(project, path), glob), "path_governance")
    assert decide(project, tool, tool_input(tool, path)) == expected


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize(
    "spec", [".env.example", "config/.env.sample", "src/app.py", ".gitignore", "/tmp/x"]
)
def test_ordinary_files_get_no_opinion(spec: str, tool: str, project: Project, home: Path) -> None:
    path = place(project, home, spec)
    assert decide(project, tool, tool_input(tool, path)) is None


@pytest.mark.parametrize("tool", TOOLS)
def test_git_internals_are_readable_not_writable(tool: str, project: Project) -> None:
    path = str(project.root / ".git" / "config")
    expected = Decision("deny", GIT_REASON, "path_governance") if tool in WRITERS else None
    assert decide(project, tool, tool_input(tool, path)) == expected


@pytest.mark.parametrize("tool", TOOLS)
def test_outside_the_project_reads_ask_and_writes_deny(tool: str, project: Project) -> None:
    if tool in WRITERS:
        expected = Decision(
            "deny", outside_reason("writing", "/etc/passwd", project), "path_governance"
        )
    else:
        expected = Decision(
            "ask", outside_reason("reading", "/etc/passwd", project), "path_governance"
        )
    assert decide(project, tool, tool_input(tool, "/etc/passwd")) == expected


@pytest.mark.parametrize(
    ("tool", "path", "cwd", "expected"),
    [
        (
            "Read",
            ".env.production",
            "config",
            ("deny", "reading", "config/.env.production", ".env.*"),
        ),
        ("Write", "../.env", "src", ("deny", "writing", ".env", ".env")),
        ("Edit", "./.env", "", ("deny", "writing", ".env", ".env")),
        ("Read", "passwd", "/etc", ("ask", "reading", "/etc/passwd", "")),
        ("Write", "../etc/passwd", "/tmp", ("deny", "writing", "/etc/passwd", "")),
        ("Write", "app.py", "src", None),
    ],
)
def test_relative_paths_resolve_against_the_payload_cwd(
    tool: str, path: str, cwd: str, expected: tuple[str, ...] | None, project: Project
) -> None:
    got = decide(project, tool, tool_input(tool, path), cwd=str(project.root / cwd))
    if expected is None:
        assert got is None
        return
    action, verb, where, glob = expected
    why = secret_reason(verb, where, glob) if glob else outside_reason(verb, where, project)
    assert got == Decision(action, why, "path_governance")


def test_a_tilde_path_is_the_home_folder(project: Project, home: Path) -> None:
    expected = secret_reason("reading", str(home / ".ssh" / "config"), "~/.ssh/**")
    assert decide(project, "Read", {"file_path": "~/.ssh/config"}) == Decision(
        "deny", expected, "path_governance"
    )


@pytest.mark.parametrize("tool", ["Read", "Write"])
def test_a_symlink_is_judged_by_what_it_points_at(tool: str, project: Project, home: Path) -> None:
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text("[default]\n", encoding="utf-8")
    (home / "keys").mkdir()
    (project.root / "docs" / "creds.txt").symlink_to(home / ".aws" / "credentials")
    (project.root / "vendor").symlink_to(home / "keys")
    (home / "keys" / "server.key").write_text("k", encoding="utf-8")
    verb = "writing" if tool in WRITERS else "reading"
    for link, real, glob in [
        ("docs/creds.txt", home / ".aws" / "credentials", "~/.aws/**"),
        ("vendor/server.key", home / "keys" / "server.key", "*.key"),
    ]:
        got = decide(project, tool, tool_input(tool, str(project.root / link)))
        assert got == Decision("deny", secret_reason(verb, str(real), glob), "path_governance")


def test_secrets_in_a_symlinked_home_are_still_secrets(
    project: Project, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / "real" / ".ssh").mkdir(parents=True)
    (home / "real" / ".ssh" / "config").write_text("Host *\n", encoding="utf-8")
    (home / "link").symlink_to(home / "real")
    monkeypatch.setenv("HOME", str(home / "link"))
    got = decide(project, "Read", {"file_path": str(home / "link" / ".ssh" / "config")})
    assert got is not None and got.action == "deny"


@pytest.mark.parametrize("tool", ["Grep", "Glob"])
def test_searching_a_secret_folder_is_reading_its_secrets(
    tool: str, project: Project, home: Path
) -> None:
    (home / ".ssh").mkdir()
    got = decide(project, tool, tool_input(tool, str(home / ".ssh")))
    assert got is not None and got.action == "deny"


@pytest.mark.parametrize(
    ("setting", "action", "tool", "spec"),
    [
        ("on_secret", "ask", "Read", ".env"),
        ("on_secret", "ask", "Write", ".env"),
        ("on_secret", "none", "Edit", "server.pem"),
        ("on_git_write", "ask", "Write", ".git/config"),
        ("on_git_write", "none", "Edit", ".git/config"),
        ("on_outside_read", "deny", "Grep", "/etc/passwd"),
        ("on_outside_read", "none", "Read", "/etc/passwd"),
        ("on_outside_write", "ask", "Write", "/etc/passwd"),
        ("on_outside_write", "none", "NotebookEdit", "/etc/passwd"),
    ],
)
def test_each_action_is_configurable(
    setting: str, action: str, tool: str, spec: str, project: Project, home: Path
) -> None:
    path = place(project, home, spec)
    default = decide(project, tool, tool_input(tool, path))
    assert default is not None and default.action != action
    override(project, "hook-handlers.yaml", f"path_governance:\n  {setting}: {action}\n")
    got = decide(project, tool, tool_input(tool, path))
    assert got == (None if action == "none" else default._replace(action=action))


def test_the_lists_are_configurable(project: Project) -> None:
    override(
        project,
        "hook-handlers.yaml",
        "path_governance:\n  secrets: ['*.secret']\n  outside_allowed: [/etc/**]\n",
    )
    assert decide(project, "Read", {"file_path": str(project.root / ".env")}) is None
    assert decide(project, "Read", {"file_path": "/etc/passwd"}) is None
    got = decide(project, "Read", {"file_path": str(project.root / "db.secret")})
    assert got is not None and got.action == "deny" and "(matches *.secret)" in got.reason


def test_path_governance_can_be_switched_off(project: Project) -> None:
    override(project, "hook-handlers.yaml", "path_governance:\n  enabled: false\n")
    assert decide(project, "Write", {"file_path": str(project.root / ".env")}) is None


def test_tools_without_a_path_get_no_opinion(project: Project) -> None:
    """Bash commands and MCP calls that name files: tests/test_shell_corpus.py."""
    assert decide(project, "Bash", {"description": "no command"}) is None
    assert decide(project, "Glob", {"pattern": "**/*.py"}) is None
    assert decide(project, "Write", {"file_path": 42}) is None
    assert decide(project, "mcp__fs__search", {"query": str(project.root / ".env")}) is None


# --- 7. single_writer ----------------------------------------------------------------------------


@pytest.fixture
def item(rt: Runtime, project: Project) -> Path:
    """WORK-001 as WorkEngine writes it."""
    rt.work.create("Alpha")
    return project.root / "docs" / "work" / "active" / "WORK-001" / "WORK.md"


def edit(path: Path | str, old: str, new: str) -> dict[str, Any]:
    return {"file_path": str(path), "old_string": old, "new_string": new}


BODY_OLD = "What problem this solves and why now."
BODY_NEW = "Retries with exponential backoff."


def owned(keys: str, how: str, work_id: str = "WORK-001") -> str:
    verb = "belongs" if "," not in keys else "belong"
    return (
        f"haios: {keys} {verb} to haios in {work_id}'s WORK.md (one writer keeps it consistent): "
        f"use {how} instead. Edits to the body and to other keys are fine."
    )


def test_an_edit_of_the_body_passes(project: Project, item: Path) -> None:
    assert BODY_OLD in item.read_text(encoding="utf-8")
    assert decide(project, "Edit", edit(item, BODY_OLD, BODY_NEW)) is None


def test_an_edit_of_status_is_denied_with_work_close(project: Project, item: Path) -> None:
    reason = owned("`status`", "`haios work close WORK-001` (or `--abandon --reason …`)")
    got = decide(project, "Edit", edit(item, "status: active", "status: complete"))
    assert got == Decision("deny", reason, "single_writer")


def test_an_edit_of_current_node_is_denied_with_work_move(project: Project, item: Path) -> None:
    got = decide(project, "Edit", edit(item, "current_node: backlog", "current_node: plan"))
    reason = owned("`current_node`", "`haios work move WORK-001 plan`")
    assert got == Decision("deny", reason, "single_writer")


def test_a_write_that_only_changes_the_body_passes(project: Project, item: Path) -> None:
    text = item.read_text(encoding="utf-8").replace(BODY_OLD, BODY_NEW)
    assert decide(project, "Write", {"file_path": str(item), "content": text}) is None


def test_a_write_that_drops_the_frontmatter_is_denied(project: Project, item: Path) -> None:
    body = item.read_text(encoding="utf-8").split("---\n", 2)[2]
    got = decide(project, "Write", {"file_path": str(item), "content": body})
    reason = (
        "haios: this would remove WORK-001's frontmatter, which haios keeps: change the body "
        "with Edit, and the item's state with `haios work …`"
    )
    assert got == Decision("deny", reason, "single_writer")


@pytest.mark.parametrize("area", ["active", "archive"])
def test_writing_a_new_work_md_is_denied_with_work_new(
    area: str, project: Project, item: Path
) -> None:
    new = project.root / "docs" / "work" / area / "WORK-777" / "WORK.md"
    content = item.read_text(encoding="utf-8").replace("WORK-001", "WORK-777")
    got = decide(project, "Write", {"file_path": str(new), "content": content})
    reason = 'haios: create work items with `haios work new "TITLE"`, not by writing WORK.md'
    assert got == Decision("deny", reason, "single_writer")


def test_writing_a_new_work_md_without_frontmatter_is_denied(project: Project, item: Path) -> None:
    new = project.root / "docs" / "work" / "active" / "WORK-777" / "WORK.md"
    got = decide(project, "Write", {"file_path": str(new), "content": "# WORK-777: notes\n"})
    assert got is not None and got.action == "deny" and "haios work new" in got.reason


def test_a_multi_edit_that_touches_owner_is_denied_with_claim_or_release(
    project: Project, item: Path
) -> None:
    edits = [edit(item, BODY_OLD, BODY_NEW), edit(item, "owner: null", "owner: alice")]
    got = decide(project, "MultiEdit", {"file_path": str(item), "edits": edits})
    how = "`haios work claim WORK-001` or `haios work release WORK-001`"
    assert got == Decision("deny", owned("`owner`", how), "single_writer")


def test_a_multi_edit_of_two_owned_keys_names_both(project: Project, item: Path) -> None:
    edits = [edit(item, "owner: null", "owner: alice"), edit(item, "status: active", "status: x")]
    got = decide(project, "MultiEdit", {"file_path": str(item), "edits": edits})
    how = "`haios work close WORK-001` (or `--abandon --reason …`)"
    assert got == Decision("deny", owned("`status`, `owner`", how), "single_writer")


def test_an_edit_of_a_key_haios_does_not_own_passes(project: Project, item: Path) -> None:
    assert decide(project, "Edit", edit(item, "title: Alpha", "title: Alpha, retried")) is None
    assert decide(project, "Edit", edit(item, "priority: medium", "priority: high")) is None


def test_an_edit_that_would_not_apply_passes(project: Project, item: Path) -> None:
    assert decide(project, "Edit", edit(item, "status: archived", "status: active")) is None


def test_relative_paths_and_symlinks_reach_the_real_work_md(project: Project, item: Path) -> None:
    change = ("status: active", "status: complete")
    reason = owned("`status`", "`haios work close WORK-001` (or `--abandon --reason …`)")
    relative = edit("active/WORK-001/WORK.md", *change)
    got = decide(project, "Edit", relative, cwd=str(project.root / "docs" / "work"))
    assert got == Decision("deny", reason, "single_writer")
    (project.root / "shortcut.md").symlink_to(item)
    got = decide(project, "Edit", edit(project.root / "shortcut.md", *change))
    assert got == Decision("deny", reason, "single_writer")


def test_an_archived_item_is_guarded_too(project: Project, item: Path) -> None:
    archived = project.root / "docs" / "work" / "archive" / "WORK-009" / "WORK.md"
    archived.parent.mkdir(parents=True)
    archived.write_text(
        item.read_text(encoding="utf-8").replace("WORK-001", "WORK-009"), encoding="utf-8"
    )
    got = decide(project, "Edit", edit(archived, "status: active", "status: complete"))
    assert got is not None and got.action == "deny" and "`haios work close WORK-009`" in got.reason


@pytest.mark.parametrize(
    "where", ["notes/WORK.md", "docs/work/WORK.md", "docs/work/active/WORK-001/sub/WORK.md"]
)
def test_a_work_md_outside_the_work_folders_is_not_guarded(
    where: str, project: Project, item: Path
) -> None:
    other = project.root / where
    other.parent.mkdir(parents=True, exist_ok=True)
    other.write_text(item.read_text(encoding="utf-8"), encoding="utf-8")
    assert decide(project, "Edit", edit(other, "status: active", "status: complete")) is None


def test_single_writer_can_be_switched_off(project: Project, item: Path) -> None:
    override(project, "hook-handlers.yaml", "single_writer:\n  enabled: false\n")
    assert decide(project, "Edit", edit(item, "status: active", "status: complete")) is None


def test_the_owned_keys_are_configurable(project: Project, item: Path) -> None:
    override(project, "hook-handlers.yaml", "single_writer:\n  keys: [title]\n")
    assert decide(project, "Edit", edit(item, "status: active", "status: complete")) is None
    got = decide(project, "Edit", edit(item, "title: Alpha", "title: Beta"))
    how = "the `haios work` commands (haios keeps it itself)"
    assert got == Decision("deny", owned("`title`", how), "single_writer")


def test_a_single_writer_deny_through_the_real_protocol(
    hook: Callable[..., Result], project: Project, item: Path
) -> None:
    call = json.dumps(
        {
            "session_id": "s",
            "cwd": str(project.root),
            "hook_event_name": "PreToolUse",
            "tool_name": "Edit",
            "tool_input": edit(item, "status: active", "status: complete"),
        }
    )
    reason = owned("`status`", "`haios work close WORK-001` (or `--abandon --reason …`)")
    assert hook("PreToolUse", call) == Result(0, pre_tool_use(reason), "")


# --- 8. haios policy check -----------------------------------------------------------------------

NO_OPINION = "no opinion: Claude Code's own permission rules apply\n"
ONE_INPUT = (
    "haios: error: give exactly one of: a payload file, --write PATH, --read PATH, --bash CMD\n"
)


def checked(result: Result) -> Result:
    assert (result.code, result.err) == (0, ""), result.err
    never_allow(result.out)
    return result


def test_policy_check_write_of_a_secret(haios: Any) -> None:
    result = checked(haios("policy", "check", "--write", ".env"))
    assert result.out == f"deny (path_governance): {DOTENV_REASON}\n"


def test_policy_check_read_of_ordinary_code(haios: Any) -> None:
    assert checked(haios("policy", "check", "--read", "src/x.py")).out == NO_OPINION


def test_policy_check_paths_are_relative_to_the_cwd(haios: Any, project: Project) -> None:
    (project.root / "config").mkdir()
    result = checked(haios("policy", "check", "--read", ".env.prod", cwd=project.root / "config"))
    assert result.out.startswith("deny (path_governance): haios: reading config/.env.prod is ")


def test_policy_check_json(haios: Any, project: Project) -> None:
    result = checked(haios("policy", "check", "--json", "--write", ".env"))
    assert result.json() == {
        "action": "deny",
        "reason": DOTENV_REASON,
        "handler": "path_governance",
    }
    assert checked(haios("policy", "check", "--json", "--read", "src/x.py")).json() is None
    asked = checked(haios("policy", "check", "--json", "--read", "/etc/passwd")).json()
    assert asked["action"] == "ask" and asked["handler"] == "path_governance"
    assert checked(haios("policy", "check", "--json", "--bash", "ls src")).json() is None
    denied = checked(haios("policy", "check", "--json", "--bash", "cat .env")).json()
    reason = DOTENV_REASON.replace("writing", "reading")
    assert denied == {"action": "deny", "reason": reason, "handler": "path_governance"}


@pytest.mark.parametrize("name", [n for n in FIXTURE_NAMES if "pre_tool_use" in n])
def test_policy_check_of_a_payload_file_agrees_with_the_hook(
    name: str, haios: Any, project: Project, tmp_path: Path
) -> None:
    write_work_042(project, "plan")
    file = tmp_path / "payload.json"
    file.write_text(payload(name, project.root), encoding="utf-8")
    got = checked(haios("policy", "check", "--json", str(file))).json()
    expected = EXPECTED.get(name)
    if expected is None:
        assert got is None
    else:
        spec = json.loads(expected)["hookSpecificOutput"]
        assert got["action"] == spec["permissionDecision"]
        assert got["reason"] == spec["permissionDecisionReason"]
        assert got["handler"] == ("path_governance" if "dotenv" in name else "single_writer")
    text = checked(haios("policy", "check", str(file))).out
    assert text == (NO_OPINION if got is None else f"deny ({got['handler']}): {got['reason']}\n")


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--write", ".env", "--read", "x.py"),
        ("--read", "x", "--bash", "ls"),
        ("FILE", "--write", ".env"),
    ],
    ids=["none", "write and read", "read and bash", "file and write"],
)
def test_policy_check_takes_exactly_one_input(
    args: tuple[str, ...], haios: Any, tmp_path: Path
) -> None:
    file = tmp_path / "payload.json"
    file.write_text("{}", encoding="utf-8")
    result = haios("policy", "check", *(str(file) if a == "FILE" else a for a in args))
    assert result == Result(2, "", ONE_INPUT)


@pytest.mark.parametrize(
    "content", [b"not json", b"\xff\xfe", b'{"tool_name": "Write",'], ids=["text", "bytes", "cut"]
)
def test_policy_check_of_a_payload_that_is_not_json_is_a_usage_error(
    content: bytes, haios: Any, tmp_path: Path
) -> None:
    file = tmp_path / "payload.json"
    file.write_bytes(content)
    result = haios("policy", "check", str(file))
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith(f"haios: error: {file}: not a readable JSON payload (")
    missing = haios("policy", "check", str(tmp_path / "missing.json"))
    assert (missing.code, missing.out) == (2, "")


def test_policy_check_of_a_malformed_payload_is_a_usage_error(haios: Any, tmp_path: Path) -> None:
    file = tmp_path / "payload.json"
    file.write_text(json.dumps({"tool_name": "Write", "tool_input": [1]}), encoding="utf-8")
    result = haios("policy", "check", str(file))
    assert result == Result(
        2, "", "haios: error: not a hook payload: tool_input should be an object, not list\n"
    )


@pytest.mark.parametrize("content", ["[]", "42", '"PreToolUse"', "null"])
def test_policy_check_of_a_payload_that_is_not_an_object_is_a_usage_error(
    content: str, haios: Any, tmp_path: Path
) -> None:
    file = tmp_path / "payload.json"
    file.write_text(content, encoding="utf-8")
    result = haios("policy", "check", str(file))
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("haios: error: not a hook payload: ")
