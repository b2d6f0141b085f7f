"""Effective config: packaged defaults, project overrides, HAIOS_* variables, the compiled cache."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from haios.configload import load_config
from haios.errors import ConfigError
from haios.project import Project, compiled_config
from haios.runtime import build

WORK_KEYS = (
    "archive_on_close, cycle_phases, default_priority, default_type, id_digits, id_prefix, "
    "ready_limit, types"
)

NOT_AN_INTEGER = "Input should be a valid integer, unable to parse string as an integer"


def override(project: Project, text: str, name: str = "haios.yaml") -> Path:
    path = project.config_dir / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(project: Project) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(project)
    message = str(info.value)
    assert "\n" not in message
    return message


# -- loading --------------------------------------------------------------------------------------


def test_defaults_load(tmp_path: Path) -> None:
    config = load_config(Project(tmp_path))  # no .claude/haios at all: the packaged defaults
    assert config.haios.paths.work_dir == "docs/work"
    assert config.haios.paths.checkpoints_dir == "docs/checkpoints"
    work = config.haios.work
    assert (work.id_prefix, work.id_digits, work.default_type, work.default_priority) == (
        "WORK-",
        3,
        "feature",
        "medium",
    )
    assert work.types == ("feature", "bug", "chore", "investigation", "implementation", "design")
    assert (work.archive_on_close, work.ready_limit) == (False, 20)
    bindings = config.node_bindings
    assert (bindings.initial, bindings.terminal) == ("backlog", "complete")
    assert {name: rule.next for name, rule in bindings.nodes.items()} == {
        "backlog": ("discovery", "plan"),
        "discovery": ("backlog", "plan"),
        "plan": ("backlog", "implement"),
        "implement": ("plan", "close"),
        "close": ("implement", "complete"),
        "complete": (),
    }


def test_the_commented_override_file_of_init_changes_nothing(project: Project) -> None:
    assert (project.config_dir / "haios.yaml").read_text().startswith("# Project overrides")
    assert load_config(project) == load_config(Project(project.root / "elsewhere"))


def test_a_project_override_applies_and_keeps_the_other_defaults(project: Project) -> None:
    override(project, "work:\n  id_prefix: TASK-\n  ready_limit: 5\npaths:\n  work_dir: work\n")
    config = load_config(project)
    assert (config.haios.work.id_prefix, config.haios.work.ready_limit) == ("TASK-", 5)
    assert (config.haios.work.id_digits, config.haios.work.default_type) == (3, "feature")
    assert config.haios.paths.work_dir == "work"
    assert config.haios.paths.checkpoints_dir == "docs/checkpoints"


def test_a_project_override_of_the_lifecycle(project: Project) -> None:
    override(
        project,
        "nodes:\n"
        "  implement: {next: [plan, close, review]}\n"
        "  review: {next: [implement, close]}\n",
        "node-bindings.yaml",
    )
    with build(project) as rt:
        assert rt.config.node_bindings.nodes["implement"].next == ("plan", "close", "review")
        assert rt.config.node_bindings.nodes["implement"].cycle == "implementation"
        rt.work.create("reviewed")
        for node in ("plan", "implement", "review", "close"):
            rt.work.transition("WORK-001", node)
        assert [e.node for e in rt.work.get("WORK-001").node_history] == [
            "backlog", "plan", "implement", "review", "close",
        ]  # fmt: skip


def test_the_environment_overrides_the_project_file(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    override(project, "work:\n  id_prefix: FILE-\n  id_digits: 2\n")
    monkeypatch.setenv("HAIOS_WORK__ID_PREFIX", "ENV-")
    monkeypatch.setenv("HAIOS_WORK__ARCHIVE_ON_CLOSE", "true")
    monkeypatch.setenv("HAIOS_WORK__TYPES", "[feature, spike]")
    monkeypatch.setenv("HAIOS_SESSION", "not a setting")  # no `__`: not config
    work = load_config(project).haios.work
    assert (work.id_prefix, work.id_digits, work.archive_on_close) == ("ENV-", 2, True)
    assert work.types == ("feature", "spike")


def test_the_environment_reaches_the_cli(haios: Any) -> None:
    result = haios("work", "new", "from env", env={"HAIOS_WORK__ID_PREFIX": "TASK-"})
    assert result.code == 0, result.err
    assert result.out.startswith("created TASK-001: from env (backlog)\n")
    assert haios("work", "list").out.splitlines()[1].startswith("TASK-001 ")


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("work:\n  bogus: 1\n", f"unknown key 'work.bogus'; known keys here: {WORK_KEYS}"),
        ("wrk:\n  id_prefix: X-\n", "unknown key 'wrk'; known keys here: paths, work"),
        (
            "paths:\n  work_dir: docs\n  archive: x\n",
            "unknown key 'paths.archive'; known keys here: checkpoints_dir, work_dir",
        ),
        (
            "work:\n  id_digits: 0\n",
            "work.id_digits = 0: Input should be greater than or equal to 1",
        ),
        (
            "work:\n  id_digits: three\n",
            f"work.id_digits = 'three': {NOT_AN_INTEGER}",
        ),
        (
            "work:\n  default_priority: urgent\n",
            "work.default_priority = 'urgent': "
            "Input should be 'critical', 'high', 'medium' or 'low'",
        ),
        (
            "work:\n  id_prefix: 'WORK/'\n",
            "work.id_prefix = 'WORK/': String should match pattern '^[A-Za-z][A-Za-z0-9]*-?$'",
        ),
        (
            "paths:\n  work_dir: ../elsewhere\n",
            "paths.work_dir = '../elsewhere': must be a relative path inside the project",
        ),
        (
            "paths:\n  work_dir: /abs\n",
            "paths.work_dir = '/abs': must be a relative path inside the project",
        ),
        (
            "paths: docs\n",
            "paths = 'docs': Input should be a valid dictionary or instance of Paths",
        ),
        (
            "work:\n  default_type: epic\n",
            "work: default_type 'epic' is not one of types "
            "(feature, bug, chore, investigation, implementation, design)",
        ),
    ],
)
def test_a_bad_override_names_the_file_the_key_and_what_is_allowed(
    project: Project, text: str, message: str
) -> None:
    path = override(project, text)
    assert config_error(project) == f"{path}: {message}"


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (
            "work:\n  id_prefix: X-\n bad: indentation\n",
            3,
            "expected <block end>, but found '<block mapping start>'",
        ),
        ("work:\n  types: [a, b\n  default_type: a\n", 3, "expected ',' or ']', but got ':'"),
        ("# comment\n\nwork: {\n", 4, "expected the node content, but found '<stream end>'"),
    ],
)
def test_broken_yaml_names_the_file_and_line(
    project: Project, text: str, line: int, problem: str
) -> None:
    path = override(project, text)
    assert config_error(project) == f"{path}:{line}: {problem}; fix the YAML syntax"


@pytest.mark.parametrize(
    ("text", "kind"), [("- a\n- b\n", "list"), ("just words\n", "str"), ("42\n", "int")]
)
def test_a_file_that_is_not_a_mapping(project: Project, text: str, kind: str) -> None:
    path = override(project, text)
    assert config_error(project) == f"{path}: expected a mapping of keys at the top, got {kind}"


def test_an_empty_file_is_no_override(project: Project) -> None:
    override(project, "")
    assert load_config(project).haios.work.id_prefix == "WORK-"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "HAIOS_WORK__ID_DIGITS",
            "abc",
            f"work.id_digits = 'abc': {NOT_AN_INTEGER}",
        ),
        ("HAIOS_WORK__BOGUS", "1", f"unknown key 'work.bogus'; known keys here: {WORK_KEYS}"),
        ("HAIOS_NOPE__X", "1", "unknown key 'nope'; known keys here: paths, work"),
        (
            "HAIOS_PATHS__WORK_DIR",
            "/tmp",
            "paths.work_dir = '/tmp': must be a relative path inside the project",
        ),
        (
            "HAIOS_WORK__TYPES",
            "[bug]",
            "work: default_type 'feature' is not one of types (bug)",
        ),
    ],
)
def test_a_bad_environment_variable_is_named(
    project: Project, monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    assert config_error(project) == f"environment variable {name}: {message}"


def test_the_file_is_blamed_for_what_it_set_and_the_variable_for_what_it_set(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = override(project, "work:\n  types: [bug, chore]\n")
    monkeypatch.setenv("HAIOS_WORK__DEFAULT_TYPE", "bug")
    assert load_config(project).haios.work.default_type == "bug"
    monkeypatch.delenv("HAIOS_WORK__DEFAULT_TYPE")
    assert config_error(project) == (
        f"{path}: work: default_type 'feature' is not one of types (bug, chore)"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "nodes:\n  backlog: {next: [discovery, nowhere]}\n",
            "nodes.backlog.next names unknown node 'nowhere'; "
            "declared nodes: backlog, discovery, plan, implement, close, complete",
        ),
        ("initial: start\n", "node 'start' is not declared under nodes"),
        (
            "nodes:\n  complete: {next: [backlog]}\n",
            "terminal node 'complete' must have no next nodes",
        ),
        (
            "nodes:\n  plan: {next: [implement], gate: x}\n",
            "unknown key 'nodes.plan.gate'; known keys here: cycle, next, then",
        ),
    ],
)
def test_bad_node_bindings_are_refused(project: Project, text: str, message: str) -> None:
    path = override(project, text, "node-bindings.yaml")
    assert config_error(project) == f"{path}: {message}"


def test_the_cli_reports_config_errors_in_one_line(haios: Any, project: Project) -> None:
    path = override(project, "work:\n  bogus: 1\n")
    expected = f"haios: error: {path}: unknown key 'work.bogus'; known keys here: {WORK_KEYS}\n"
    for args in (("work", "list"), ("work", "ready", "--json"), ("work", "new", "x"), ("init",)):
        result = haios(*args)
        assert (result.code, result.out, result.err) == (1, "", expected), args
    path.write_text("work: [\n")
    result = haios("work", "show", "1")
    assert (result.code, result.out) == (1, "")
    assert result.err.startswith(f"haios: error: {path}:2: ")
    assert result.err.endswith("; fix the YAML syntax\n") and result.err.count("\n") == 1
    bindings = override(project, "nodes:\n  plan: {next: [nowhere]}\n", "node-bindings.yaml")
    path.write_text("")
    result = haios("work", "ready")
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"haios: error: {bindings}: nodes.plan.next names unknown node 'nowhere'; "
        "declared nodes: backlog, discovery, plan, implement, close, complete\n"
    )
    bindings.unlink()
    assert haios("work", "ready").code == 0


def test_a_bad_environment_variable_through_the_cli(haios: Any) -> None:
    result = haios("work", "list", env={"HAIOS_WORK__READY_LIMIT": "0"})
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        "haios: error: environment variable HAIOS_WORK__READY_LIMIT: "
        "work.ready_limit = 0: Input should be greater than or equal to 1\n"
    )


# -- the compiled cache ---------------------------------------------------------------------------


def cache(project: Project) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project.state_dir / "config.json").read_text())
    return data


def test_the_compiled_config_is_cached_and_used(project: Project) -> None:
    data = compiled_config(project)
    assert data == load_config(project).model_dump(mode="json")
    stored = cache(project)
    assert stored["config"] == data
    # while nothing changed, the cache is what is read
    stored["config"]["haios"]["work"]["id_prefix"] = "CACHED-"
    (project.state_dir / "config.json").write_text(json.dumps(stored))
    assert compiled_config(project)["haios"]["work"]["id_prefix"] == "CACHED-"


def test_the_cache_is_rebuilt_when_a_config_file_changes(project: Project) -> None:
    path = override(project, "work:\n  id_prefix: ONE-\n")
    assert compiled_config(project)["haios"]["work"]["id_prefix"] == "ONE-"
    path.write_text("work:\n  id_prefix: TWO-\n")  # same size: the mtime tells
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert compiled_config(project)["haios"]["work"]["id_prefix"] == "TWO-"
    assert cache(project)["config"]["haios"]["work"]["id_prefix"] == "TWO-"
    path.unlink()
    assert compiled_config(project)["haios"]["work"]["id_prefix"] == "WORK-"
    override(project, "nodes:\n  plan: {next: [backlog, implement, close]}\n", "node-bindings.yaml")
    assert compiled_config(project)["node_bindings"]["nodes"]["plan"]["next"] == [
        "backlog",
        "implement",
        "close",
    ]


def test_the_cache_is_rebuilt_when_the_environment_changes(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert compiled_config(project)["haios"]["work"]["id_digits"] == 3
    monkeypatch.setenv("HAIOS_WORK__ID_DIGITS", "5")
    assert compiled_config(project)["haios"]["work"]["id_digits"] == 5
    monkeypatch.delenv("HAIOS_WORK__ID_DIGITS")
    assert compiled_config(project)["haios"]["work"]["id_digits"] == 3


@pytest.mark.parametrize("junk", ["", "{not json", "[]", '{"fingerprint": 1}'])
def test_a_damaged_cache_is_rebuilt(project: Project, junk: str) -> None:
    project.state_path("config.json").write_text(junk)
    assert compiled_config(project)["haios"]["work"]["id_prefix"] == "WORK-"
    assert cache(project)["config"]["haios"]["work"]["id_prefix"] == "WORK-"


def test_a_bad_config_is_never_cached(project: Project) -> None:
    compiled_config(project)
    path = override(project, "work:\n  id_digits: 0\n")
    for _ in range(2):
        with pytest.raises(ConfigError):
            compiled_config(project)
    path.write_text("work:\n  id_digits: 4\n")
    assert compiled_config(project)["haios"]["work"]["id_digits"] == 4


def test_the_cli_sees_a_config_change_at_once(haios: Any, project: Project) -> None:
    assert haios("work", "new", "one").out.startswith("created WORK-001")
    override(project, "work:\n  id_prefix: T-\n  id_digits: 2\n")
    assert haios("work", "new", "two").out.startswith("created T-01")
    assert cache(project)["config"]["haios"]["work"]["id_prefix"] == "T-"
