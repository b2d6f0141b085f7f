"""The checkpoint frontmatter contract (docs/checkpoints/*.md), legacy fields included."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

VERSION = 2  # 2: decisions and next_steps


class CheckpointFrontmatter(BaseModel):
    """YAML frontmatter of a session checkpoint; keys it does not name are allowed."""

    model_config = ConfigDict(extra="allow", title="Checkpoint frontmatter")

    session: int = Field(ge=0, description="The session number this checkpoint closes.")
    prior_session: int | None = None
    date: str | None = None
    title: str | None = None
    work_id: str | None = None
    plan_ref: str | None = None
    status: str | None = None
    author: str | None = None
    load_principles: list[str] | None = None
    load_memory_refs: list[int | str] | None = None
    pending: list[str] | None = None
    drift_observed: list[str] | None = None
    completed: list[str] | None = None
    backlog_ids: list[str] | None = None
    decisions: list[str] | None = None
    next_steps: list[str] | None = None
