"""Effective config: packaged defaults, then the project's files, then HAIOS_* variables.

Parsed and validated once, at the edge, into one frozen `Config`. An error names the file (or
variable), the key, the value and what is allowed, in one line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from haios.cycleconfig import CycleDefinitions, GatesFile, cross_problem
from haios.errors import ConfigError
from haios.log import log
from haios.packs import FILES as PACK_FILES
from haios.packs import PROJECT_PACKS, Pack, Refused, discover
from haios.project import CONFIG_FILES, Project, packaged_defaults

ENV_PREFIX = "HAIOS_"
PRIORITIES = ("critical", "high", "medium", "low")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Paths(_Strict):
    """Where work items live, relative to the project root."""

    work_dir: str = Field("docs/work", description="Folder holding active/ and archive/.")
    checkpoints_dir: str = Field("docs/checkpoints", description="Folder of session checkpoints.")

    @field_validator("work_dir", "checkpoints_dir")
    @classmethod
    def _relative(cls, value: str) -> str:
        if os.path.isabs(value) or ".." in Path(value).parts or not value.strip():
            raise ValueError("must be a relative path inside the project")
        return value


class WorkSettings(_Strict):
    """How work items are named, typed and ordered."""

    id_prefix: str = Field("WORK-", pattern=r"^[A-Za-z][A-Za-z0-9]*-?$")
    id_digits: int = Field(3, ge=1, le=9)
    types: tuple[str, ...] = (
        "feature",
        "bug",
        "chore",
        "investigation",
        "implementation",
        "design",
    )
    default_type: str = "feature"
    default_priority: Literal["critical", "high", "medium", "low"] = "medium"
    archive_on_close: bool = False
    ready_limit: int = Field(20, ge=1)
    cycle_phases: tuple[str, ...] = (
        "explore",
        "design",
        "plan",
        "do",
        "check",
        "done",
        "hypothesize",
        "conclude",
        "chain",
        "validate",
        "observe",
        "archive",
        "memory",
        "verify",
        "populate",
        "ready",
        "scaffold",
        "fill",
        "capture",
        "commit",
        "gather",
        "draft",
        "scan",
        "triage",
        "promote",
    )

    @model_validator(mode="after")
    def _default_type_known(self) -> WorkSettings:
        if self.default_type not in self.types:
            raise ValueError(
                f"default_type {self.default_type!r} is not one of types ({', '.join(self.types)})"
            )
        return self


class HaiosFile(_Strict):
    """`haios.yaml`: project-wide settings."""

    paths: Paths = Paths()
    work: WorkSettings = WorkSettings()


class NodeRule(_Strict):
    """One lifecycle node: where it may go next, the cycle bound to it, and where the item
    moves when that cycle completes."""

    next: tuple[str, ...] = ()
    cycle: str | None = None
    then: str | None = Field(
        None, description="The node the item moves to when the bound cycle completes."
    )


class NodeBindings(_Strict):
    """`node-bindings.yaml`: the work item lifecycle DAG."""

    initial: str = "backlog"
    terminal: str = "complete"
    closable: tuple[str, ...] = Field(
        ("implement", "close"), description="Nodes from which `haios work close` completes."
    )
    nodes: dict[str, NodeRule]

    def route(self, start: str, goal: str) -> list[str]:
        """The fewest moves from `start` to `goal` (the nodes entered), [] when unreachable."""
        paths: dict[str, list[str]] = {start: []}
        queue = [start]
        for node in queue:
            for nxt in self.nodes[node].next if node in self.nodes else ():
                if nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    queue.append(nxt)
        return paths.get(goal, []) if goal != start else []

    @model_validator(mode="after")
    def _closed_graph(self) -> NodeBindings:
        names = set(self.nodes)
        for end in (self.initial, self.terminal, *self.closable):
            if end not in names:
                raise ValueError(f"node {end!r} is not declared under nodes")
        for name, rule in self.nodes.items():
            unknown = [n for n in rule.next if n not in names]
            if unknown:
                raise ValueError(
                    f"nodes.{name}.next names unknown node {unknown[0]!r}; "
                    f"declared nodes: {', '.join(self.nodes)}"
                )
            if rule.then is not None and rule.then not in rule.next:
                allowed = ", ".join(rule.next) or "none"
                raise ValueError(
                    f"nodes.{name}.then = {rule.then!r} is not one of its next nodes ({allowed})"
                )
        if self.nodes[self.terminal].next:
            raise ValueError(f"terminal node {self.terminal!r} must have no next nodes")
        for node in self.closable:
            if node != self.terminal and not self.route(node, self.terminal):
                raise ValueError(f"closable node {node!r} has no path to {self.terminal!r}")
        return self


Action = Literal["deny", "ask", "none"]


class Guards(_Strict):
    """How the hook guards behave when they cannot decide."""

    on_error: Literal["deny", "allow"] = Field(
        "deny", description="A guard that crashes or overruns: block the call, or let it run."
    )
    deadline_ms: int = Field(
        2000, ge=50, le=60000, description="A PreToolUse decision slower than this is a deny."
    )


class GovernanceToggles(_Strict):
    """`governance-toggles.yaml`: switches that change how governance behaves."""

    guards: Guards = Guards()


class PathGovernance(_Strict):
    """Secrets, `.git/` and paths outside the project, for every file tool."""

    enabled: bool = True
    secrets: tuple[str, ...] = Field(
        (
            ".env",
            ".env.*",
            "*.pem",
            "*.key",
            "*.p12",
            "*.pfx",
            "id_rsa*",
            "id_dsa*",
            "id_ecdsa*",
            "id_ed25519*",
            ".netrc",
            ".pgpass",
            "~/.ssh/**",
            "~/.aws/**",
            "~/.gnupg/**",
            "~/.config/gcloud/**",
        ),
        description="Globs of secret files: a bare name matches the file name anywhere.",
    )
    not_secrets: tuple[str, ...] = (".env.example", ".env.sample", ".env.template")
    outside_allowed: tuple[str, ...] = Field(
        ("/tmp/**",), description="Globs outside the project that tools may use freely."
    )
    on_secret: Action = "deny"
    on_git_write: Action = "deny"
    on_outside_read: Action = "ask"
    on_outside_write: Action = "deny"


class SingleWriter(_Strict):
    """Agents change WorkEngine's WORK.md keys only through `haios work …`."""

    enabled: bool = True
    keys: tuple[str, ...] = (
        "id",
        "status",
        "current_node",
        "node_history",
        "queue_position",
        "queue_history",
        "owner",
        "blocked_by",
        "blocks",
        "closed",
        "closed_reason",
        "created",
        "cycle_phase",
        "cycle",
        "memory_refs",
    )


class Switch(_Strict):
    """A handler with no settings but its switch."""

    enabled: bool = True


class ScopeGuard(_Strict):
    """Writes outside the `scope:` globs of the item the session holds."""

    enabled: bool = True
    on_outside: Action = "ask"


class ExitGateCheck(_Strict):
    """Moving an item on while an exit gate of its cycle phase fails."""

    enabled: bool = True
    on_failed_gate: Action = "deny"


class DestructiveCommand(_Strict):
    """Bash commands that destroy what cannot be restored."""

    enabled: bool = True
    protected_branches: tuple[str, ...] = Field(
        ("main", "master"), description="Branches no push may force or delete (globs)."
    )
    on_delete: Action = "deny"
    on_force_push: Action = "deny"
    on_discard: Action = "ask"
    on_chmod: Action = "deny"
    on_pipe_to_shell: Action = "ask"
    on_disk: Action = "deny"
    on_unknown: Action = "ask"


class SqlBlocking(_Strict):
    """Destructive SQL through sqlite3, psql, mysql, mariadb and duckdb command lines."""

    enabled: bool = True
    on_destructive: Action = "deny"


class PowershellBlocking(_Strict):
    """PowerShell started from Bash, where no Bash rule can follow it."""

    enabled: bool = True
    on_powershell: Action = "deny"


class HookHandlers(_Strict):
    """`hook-handlers.yaml`: which hook handlers run, and their settings."""

    path_governance: PathGovernance = PathGovernance()
    single_writer: SingleWriter = SingleWriter()
    destructive_command: DestructiveCommand = DestructiveCommand()
    sql_blocking: SqlBlocking = SqlBlocking()
    powershell_blocking: PowershellBlocking = PowershellBlocking()
    activity_matrix: Switch = Switch()
    scope_guard: ScopeGuard = ScopeGuard()
    exit_gate_check: ExitGateCheck = ExitGateCheck()
    session_brief: Switch = Switch()
    date_time_inject: Switch = Switch()
    context_percentage: Switch = Switch()
    slim_status_refresh: Switch = Switch()
    vitals_inject: Switch = Switch()
    checkpoint_reminder: Switch = Switch()
    error_capture: Switch = Switch()
    template_validation: Switch = Switch()
    artifact_refresh: Switch = Switch()
    cascade_trigger: Switch = Switch()


class ContextThresholds(_Strict):
    window_tokens: int = Field(200_000, ge=1000)
    warn_left_pct: int = Field(20, ge=0, le=100)
    checkpoint_left_pct: int = Field(15, ge=0, le=100)
    stop_left_pct: int = Field(10, ge=0, le=100)


class PromptThresholds(_Strict):
    max_chars: int = Field(300, ge=0)


class HookThresholds(_Strict):
    latency_budget_ms: int = Field(250, ge=1)


class LevelBudget(_Strict):
    """Tokens each level of the session context may take (estimated at 4 characters a token)."""

    l0: int = Field(200, ge=0, description="L0: the north star.")
    l1: int = Field(200, ge=0, description="L1: the invariants.")
    l2: int = Field(350, ge=0, description="L2: ready work, claimed items, the roadmap.")
    l3: int = Field(550, ge=0, description="L3: warnings, the session, memory strategies.")


class ColdstartThresholds(_Strict):
    """How the session context is budgeted, shortened and degraded."""

    budget_tokens: LevelBudget = LevelBudget()
    max_chars: int = Field(9000, ge=500, le=9999, description="Hard cap on the whole text.")
    essentials_chars: int = Field(2000, ge=200, le=9999)
    ready_items: int = Field(5, ge=0, le=50)
    strategies: int = Field(3, ge=0, le=50)
    recent_checkpoint_hours: int = Field(48, ge=0)
    orphan_after_minutes: int = Field(60, ge=0)
    memory_timeout_ms: int = Field(1500, ge=10, le=8000)
    max_file_bytes: int = Field(65536, ge=1024)


class Thresholds(_Strict):
    """`thresholds.yaml`: the numbers the hooks act on."""

    context: ContextThresholds = ContextThresholds()
    prompt: PromptThresholds = PromptThresholds()
    hooks: HookThresholds = HookThresholds()
    coldstart: ColdstartThresholds = ColdstartThresholds()


Verdict = Literal["allow", "warn", "ask", "deny"]


class ActivityMatrix(_Strict):
    """`activity-matrix.yaml`: what each tool primitive may do in each cycle phase."""

    primitives: dict[str, tuple[str, ...]] = {}
    write_exempt: tuple[str, ...] = ()
    phases: dict[str, dict[str, Verdict]] = {}

    @model_validator(mode="after")
    def _known_primitives(self) -> ActivityMatrix:
        for phase, rules in self.phases.items():
            unknown = sorted(set(rules) - set(self.primitives))
            if unknown:
                raise ValueError(
                    f"phases.{phase} names unknown primitives {unknown}; "
                    f"known: {', '.join(sorted(self.primitives))}"
                )
        return self


class PackInfo(_Strict):
    """A pack whose files were overlaid on the packaged defaults (see haios.packs)."""

    name: str
    version: str
    origin: str
    files: tuple[str, ...] = ()


class MemoryServer(_Strict):
    """Which MCP memory server MemoryBridge talks to."""

    command: tuple[str, ...] = Field(
        (), description="Command and arguments of a stdio server; empty: `haios memory serve`."
    )
    url: str | None = Field(None, description="A Streamable HTTP server's URL instead.")
    env: dict[str, str] = Field(
        {}, description="Environment variables for the command (beside PATH, HOME and the like)."
    )
    token_env: str = Field(
        "HAIOS_MEMORY_TOKEN", description="Environment variable holding the HTTP bearer token."
    )
    adapter: Literal["haios", "knowledge-graph"] = Field(
        "haios", description="The server's tool set: haios', or the reference knowledge graph."
    )
    tools: dict[str, str] = Field(
        {}, description="Tool names to use instead of the adapter's (search, ingest, ...)."
    )

    @model_validator(mode="after")
    def _one_server(self) -> MemoryServer:
        if self.command and self.url:
            raise ValueError("give either command or url, not both")
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ValueError(f"url {self.url!r} must start with http:// or https://")
        return self


class MemoryClient(_Strict):
    """How MemoryBridge calls the server."""

    timeout: float = Field(10.0, gt=0, description="Seconds one tool call may take.")
    connect_timeout: float = Field(20.0, gt=0, description="Seconds to start or reach the server.")
    background: bool = Field(
        True, description="Refresh the digest and replay the outbox in a detached process."
    )
    digest_strategies: int = Field(10, ge=0, le=100)


class MemoryFile(_Strict):
    """`memory.yaml`: MemoryBridge and its server."""

    server: MemoryServer = MemoryServer()
    client: MemoryClient = MemoryClient()


class Config(_Strict):
    """The effective configuration, one object passed down from the edge."""

    haios: HaiosFile
    node_bindings: NodeBindings
    governance_toggles: GovernanceToggles
    hook_handlers: HookHandlers
    thresholds: Thresholds
    activity_matrix: ActivityMatrix
    cycle_definitions: CycleDefinitions
    gates: GatesFile
    memory: MemoryFile = MemoryFile()
    packs: tuple[PackInfo, ...] = ()  # not a file: the packs overlaid on the defaults


# file name -> field of Config
_FIELDS = {
    "haios.yaml": "haios",
    "node-bindings.yaml": "node_bindings",
    "governance-toggles.yaml": "governance_toggles",
    "hook-handlers.yaml": "hook_handlers",
    "thresholds.yaml": "thresholds",
    "activity-matrix.yaml": "activity_matrix",
    "cycle-definitions.yaml": "cycle_definitions",
    "gates.yaml": "gates",
    "memory.yaml": "memory",
}
assert set(_FIELDS) == set(CONFIG_FILES)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: {problem}; fix the YAML syntax") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping of keys at the top, got {type(data).__name__}"
        )
    return data


def _overlay(
    base: dict[str, Any],
    top: dict[str, Any],
    source: str,
    origin: dict[tuple[str, ...], str],
    prefix: tuple[str, ...] = (),
) -> None:
    for key, value in top.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _overlay(base[key], value, source, origin, path)
        else:
            base[key] = value
            origin[path] = source


def _env_layers(environ: Mapping[str, str]) -> dict[str, dict[str, dict[str, Any]]]:
    """file name -> {variable: layer}. HAIOS_SECTION__KEY=value sets haios.yaml `section.key`;
    a first part naming another file (HAIOS_THRESHOLDS__CONTEXT__WARN_LEFT_PCT) sets a key
    of that file. Values are parsed as YAML."""
    files = {name.removesuffix(".yaml").replace("-", "_"): name for name in _FIELDS}
    layers: dict[str, dict[str, dict[str, Any]]] = {}
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        keys = [k.lower() for k in name[len(ENV_PREFIX) :].split("__")]
        target = files.get(keys[0], "haios.yaml") if len(keys) > 2 else "haios.yaml"
        if target != "haios.yaml":
            keys = keys[1:]
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        node = layers.setdefault(target, {}).setdefault(name, {})
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return layers


def _describe(error: Any, keys: tuple[str, ...], fields: dict[tuple[str, ...], Any]) -> str:
    dotted = ".".join(keys) or "(top)"
    if error["type"] == "extra_forbidden":
        parent: list[str] = next((v for k, v in fields.items() if _fits(k, keys[:-1])), [])
        known = ", ".join(sorted(parent)) or "none"
        return f"unknown key {dotted!r}; known keys here: {known}"
    value = error.get("input")
    message = str(error["msg"]).removeprefix("Value error, ")
    if isinstance(value, dict):  # a check across keys: the message names them, not the dump
        return f"{dotted}: {message}" if keys else message
    return f"{dotted} = {value!r}: {message}"


def _fits(pattern: tuple[str, ...], keys: tuple[str, ...]) -> bool:
    """Whether `keys` is the path `pattern`, where `*` stands for any mapping key."""
    return len(pattern) == len(keys) and all(
        p in ("*", k) for p, k in zip(pattern, keys, strict=True)
    )


def _known_keys(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    known: dict[tuple[str, ...], Any] = {prefix: list(model.model_fields)}
    for name, field in model.model_fields.items():
        sub, path = field.annotation, (*prefix, name)
        if get_origin(sub) is dict:  # a mapping of models, e.g. nodes: {name: NodeRule}
            sub, path = get_args(sub)[-1], (*path, "*")
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            known.update(_known_keys(sub, path))
    return known


def _validate(
    model: type[BaseModel], data: dict[str, Any], file: str, origin: dict[tuple[str, ...], str]
) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        keys = tuple(str(k) for k in error["loc"])
        source = _blame(keys, origin, file)
        raise ConfigError(f"{source}: {_describe(error, keys, _known_keys(model))}") from None


def _blame(keys: tuple[str, ...], origin: dict[tuple[str, ...], str], file: str) -> str:
    """Which user layer to name for an error at `keys` (the packaged defaults are valid)."""
    for n in range(len(keys), 0, -1):  # the layer that set this key or a parent of it
        if keys[:n] in origin:
            return origin[keys[:n]]
    # a check across keys: a layer that set a key under it, an environment variable first
    below = [source for path, source in origin.items() if path[: len(keys)] == keys]
    return max(below, key=lambda s: s.startswith("environment variable"), default=file)


def load_config(project: Project, environ: Mapping[str, str] | None = None) -> Config:
    """Read, overlay and validate every config file once (`environ` defaults to os.environ):
    the packaged defaults, then the packs, then the project's files, then HAIOS_* variables."""
    defaults = packaged_defaults()
    env = _env_layers(os.environ if environ is None else environ)
    packs = _packs(project)
    parts: dict[str, BaseModel] = {}
    for name, field in _FIELDS.items():
        data: dict[str, Any] = {}
        origin: dict[tuple[str, ...], str] = {}
        _overlay(data, _read_yaml(defaults / name), str(defaults / name), {})
        for pack in packs:
            if (pack.folder / name).is_file() and name in PACK_FILES:
                _overlay(data, _read_yaml(pack.folder / name), str(pack.folder / name), origin)
        override = project.config_dir / name
        if override.is_file():
            _overlay(data, _read_yaml(override), str(override), origin)
        for var, layer in env.get(name, {}).items():
            _overlay(data, layer, f"environment variable {var}", origin)
        model = Config.model_fields[field].annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        parts[field] = _validate(model, data, str(override), origin)
    info = [PackInfo(name=p.name, version=p.version, origin=p.origin,
                     files=tuple(str(f) for f in p.files())) for p in packs]  # fmt: skip
    config = Config.model_validate({**{k: v.model_dump() for k, v in parts.items()}, "packs": info})
    _check_across_files(config, project)
    return config


def _packs(project: Project) -> list[Pack]:
    """The packs that fit this haios; a refused one is logged and left out."""
    packs, refused = find_packs(project)
    for pack in refused:
        log("warning", "pack refused", pack=pack.where, reason=pack.reason)
    return packs


def find_packs(project: Project) -> tuple[list[Pack], list[Refused]]:
    """The project's and the installed packs: those that fit, and those refused (why)."""
    from haios.schemas import CONTRACTS  # it imports this module

    versions = {name: version for name, (version, _) in CONTRACTS.items()}
    return discover(project.haios_dir / PROJECT_PACKS, versions)


def _check_across_files(config: Config, project: Project) -> None:
    """Names one file uses and another defines: phases, gates, bound cycles."""
    bound = {node: rule.cycle for node, rule in config.node_bindings.nodes.items()}
    problem = cross_problem(
        config.cycle_definitions, config.gates, config.haios.work.cycle_phases, bound
    )
    if problem:
        name, message = problem
        file = project.config_dir / name
        source = file if file.is_file() else packaged_defaults() / name
        raise ConfigError(f"{source}: {message}")


def priority_rank(priority: str) -> int:
    """Sort key for priorities: critical first, unknown values after low."""
    return PRIORITIES.index(priority) if priority in PRIORITIES else len(PRIORITIES)
