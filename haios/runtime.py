"""The one place that builds the five modules and wires them together."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

from haios.bootstrap import session_id
from haios.config import Config
from haios.configload import load_config
from haios.context.loader import ContextLoader
from haios.cycles.runner import CycleRunner
from haios.events import SIGNALS, CycleCompleted, MemoryStored, WorkClosed
from haios.governance.journal import Journal
from haios.governance.layer import GovernanceLayer
from haios.memory.bridge import MemoryBridge
from haios.project import Project, compiled_config
from haios.work.engine import WorkEngine


def journal_for(project: Project) -> Journal:
    return Journal(project.state_path("journal.jsonl"), project.state_path("journal.lock"))


@dataclass
class Runtime:
    """The wired modules of one project, for one process. Use as a context manager."""

    project: Project
    config: Config
    session: str
    governance: GovernanceLayer
    work: WorkEngine
    cycles: CycleRunner
    memory: MemoryBridge
    context: ContextLoader

    def __enter__(self) -> Runtime:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        for signal in SIGNALS.values():
            signal.disconnect(self.governance.record)
        SIGNALS[CycleCompleted].disconnect(self.work.cycle_completed)
        SIGNALS[MemoryStored].disconnect(self.work.link_memories)
        SIGNALS[WorkClosed].disconnect(self.memory.on_work_closed)
        self.work.close_index()


def build(project: Project, config: Config | None = None, session: str | None = None) -> Runtime:
    """Build and wire the modules; config defaults to the project's (compiled) effective config."""
    raw = compiled_config(project) if config is None else config.model_dump(mode="json")
    config = config or Config.model_validate(raw)
    session = session or session_id()
    governance = GovernanceLayer(config.node_bindings, journal_for(project), session, config.gates)
    work = WorkEngine(project, config, governance, session)
    cycles = CycleRunner(
        config.cycle_definitions, config.node_bindings, work, governance, str(project.root)
    )
    memory = MemoryBridge(project.state_dir, project.root, config.memory, session, work)
    for signal in SIGNALS.values():
        signal.connect(governance.record, sender=work)
        signal.connect(governance.record, sender=cycles)
        signal.connect(governance.record, sender=memory)
    SIGNALS[CycleCompleted].connect(work.cycle_completed, sender=cycles)
    SIGNALS[MemoryStored].connect(work.link_memories, sender=memory)  # memories → memory_refs
    SIGNALS[WorkClosed].connect(memory.on_work_closed, sender=work)  # learnings → memory
    context = ContextLoader(str(project.root), raw, work, memory, session)
    for signal in SIGNALS.values():
        signal.connect(governance.record, sender=context)
    return Runtime(project, config, session, governance, work, cycles, memory, context)


__all__ = ["Runtime", "build", "load_config", "session_id"]
