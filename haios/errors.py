"""One base error; subclasses carry the offending id or path and say how to fix it."""

from __future__ import annotations


class HaiosError(Exception):
    """An expected failure: the CLI prints its message on one line and exits 1."""

    exit_code = 1


class UsageError(HaiosError):
    """The command line itself was wrong (exit 2)."""

    exit_code = 2


class ConfigError(HaiosError):
    """A config file or value is invalid; the message names file, key and what is allowed."""


class ProjectNotFound(HaiosError):
    """No governed project around the working directory."""


class InvalidId(HaiosError):
    """A work id that is not safe to use as a folder name."""


class WorkNotFound(HaiosError):
    """No work item with this id."""


class InvalidTransition(HaiosError):
    """A lifecycle move the DAG does not allow."""


class WorkConflict(HaiosError):
    """Somebody else holds the item, or it changed under us in a way we cannot re-apply."""


class CycleError(HaiosError):
    """A cycle or phase that does not exist, or that the work item is not in."""


class DependencyCycle(HaiosError):
    """A `blocked_by` edge that would close a cycle."""


class WorkFileError(HaiosError):
    """A WORK.md that cannot be parsed; it is never rewritten."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


class MemoryStoreError(HaiosError):
    """The memory database cannot be opened, migrated or queried as asked."""


class MemoryUnavailable(HaiosError):
    """The memory server cannot be reached (the reason says why); reads degrade, writes queue."""


class MemoryRoleUnsupported(HaiosError):
    """The configured memory server has no tool for what was asked (say, `db_query` of a
    knowledge graph); the message names the server and the role."""
