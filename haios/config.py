"""The models of each config file and the effective `Config` they make together.

Frozen and strict: an unknown key is an error. `haios.configload` reads the files, overlays them
and validates the result into a `Config` once, at the edge.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from haios.cycleconfig import CycleDefinitions, GatesFile
from haios.hookconfig import HookHandlers


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
