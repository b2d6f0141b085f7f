"""The WORK.md frontmatter contract as a typed model, for the versioned JSON Schema.

It describes what haios reads and writes, legacy spellings included; keys it does not name are
allowed (and kept). WorkEngine itself normalises through `haios.work.model`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from haios.work.model import PRIORITIES, STATUS_WORDS

VERSION = 2  # 2: cycle
_STATUSES: list[JsonValue] = [*sorted(STATUS_WORDS)]  # legacy spellings are read, see model.py
_PRIORITIES: list[JsonValue] = [*PRIORITIES, None]
Stamp = str | None


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class NodeStay(_Open):
    node: str
    entered: Stamp = None
    exited: Stamp = None


class QueueStay(_Open):
    position: str
    entered: Stamp = None
    exited: Stamp = None


class WorkFrontmatter(_Open):
    """YAML frontmatter of docs/work/{active,archive}/<id>/WORK.md."""

    model_config = ConfigDict(extra="allow", title="WORK.md frontmatter")

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*(-[A-Za-z0-9_]+)*$", max_length=64)
    title: str
    type: str | None = None
    category: str | None = Field(None, description="Legacy: read as `type` when type is absent.")
    status: str = Field("active", json_schema_extra={"enum": _STATUSES})
    priority: str | None = Field(None, json_schema_extra={"enum": _PRIORITIES})
    current_node: str | None = None
    queue_position: Literal["parked", "backlog", "ready", "working", "done"] | None = None
    cycle_phase: str | None = None
    cycle: str | None = Field(None, description="The cycle cycle_phase belongs to.")
    owner: str | None = None
    created: Stamp = None
    closed: Stamp = None
    closed_reason: str | None = None
    blocked_by: list[str] | None = None
    blocks: list[str] | None = None
    memory_refs: list[int | str] | None = None
    node_history: list[NodeStay] | None = None
    queue_history: list[QueueStay] | None = None
