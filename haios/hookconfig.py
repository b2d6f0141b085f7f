"""The models of `hook-handlers.yaml`: which hook handlers run, and what each does with a call
it must not simply allow (`deny`, `ask`, or `none` to let it run).

`haios.configload` loads this file like every other one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Action = Literal["deny", "ask", "none"]


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
