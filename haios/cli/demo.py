"""`haios demo`: the main job, end to end, on embedded defaults in a throw-away folder."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from haios.config import Config
from haios.contracts import WorkState
from haios.errors import HaiosError
from haios.project import Project


def _say(step: str, detail: str = "") -> None:
    sys.stdout.write(f"\n== {step}\n" + (f"{detail}\n" if detail else ""))


def _ready_line(items: Sequence[WorkState]) -> str:
    return ", ".join(f"{i.id} ({i.priority})" for i in items) or "nothing"


def demo(args: argparse.Namespace) -> int:
    if args.dir:
        root = Path(args.dir).resolve()
        if root.exists() and any(root.iterdir()):
            raise HaiosError(f"{root}: not empty; give --dir a new or empty folder")
        root.mkdir(parents=True, exist_ok=True)
    else:
        root = Path(tempfile.mkdtemp(prefix="haios-demo-"))
    try:
        _run(root)
    finally:
        if not args.dir:
            shutil.rmtree(root, ignore_errors=True)
    if args.dir:
        sys.stdout.write(
            f"\ndone: the project is kept in {root}; try `haios -C {root} work list`\n"
        )
    else:
        sys.stdout.write("\ndone: the folder was removed; `haios demo --dir DIR` keeps it\n")
    return 0


def _run(root: Path) -> None:
    from haios.cli.setup import scaffold, work_folders
    from haios.configload import load_config
    from haios.runtime import build

    project = Project(root)
    config = load_config(project, environ={})  # the embedded defaults, whatever HAIOS_* says
    created = scaffold(project) + work_folders(project, config.haios.paths.work_dir)
    _say(f"1. init: a governed project in {root}", "".join(f"   + {c}\n" for c in created).rstrip())
    with build(project, config, session="demo") as rt:
        work = rt.work
        schema = work.create("Design the storage schema", type="design", priority="high")
        api = work.create("Build the HTTP API", priority="high", blocked_by=[schema.id])
        docs = work.create(
            "Write the user guide", type="chore", priority="low", blocked_by=[api.id]
        )
        spike = work.create("Spike: is SQLite fast enough?", type="investigation")
        _say(
            "2. four work items, each a WORK.md under docs/work/active/",
            "\n".join(
                f"   {s.id}  {s.title}"
                + (f"  (blocked by {', '.join(s.blocked_by)})" if s.blocked_by else "")
                for s in (schema, api, docs, spike)
            ),
        )
        _say(
            "3. ready: open items not blocked by open items, by priority then age",
            "   " + _ready_line(work.get_ready_items()),
        )
        claimed = work.claim_next("agent-1")
        assert claimed is not None
        _say(
            "4. an agent claims the top item in one step",
            f"   {claimed.id} → owner {claimed.owner}, queue {claimed.queue_position}",
        )
        for node in ("plan", "implement"):
            work.transition(schema.id, node)
        try:
            work.transition(spike.id, "implement")
        except HaiosError as exc:
            refused = str(exc)
        _say(
            "5. lifecycle moves are checked against the DAG",
            f"   {schema.id}: backlog → plan → implement\n   refused: {refused}",
        )
        closed = work.close(schema.id)
        _say(
            "6. close: implement → close → complete; what it blocked becomes ready",
            f"   {closed.id} is {closed.status}; history "
            + " → ".join(e.node for e in closed.node_history)
            + "\n   ready now: "
            + _ready_line(work.get_ready_items()),
        )
        dropped = work.close(spike.id, abandon_reason="answered by the schema work")
        _say(
            "7. abandon an item that will not be done",
            f"   {dropped.id} is {dropped.status}: {dropped.closed_reason}",
        )
    count, problem = _verify(project)
    _say(
        "8. audit verify: every event above is in a hash-chained journal",
        f"   {count} events, chain {'intact' if problem is None else 'BROKEN: ' + problem}",
    )
    _say(
        "9. hooks: what an agent's tool calls get (`haios hook PreToolUse`, on every call)",
        _hook_calls(project, config.model_dump(mode="json")),
    )
    _say(
        "10. cycles: WORK-002 through plan-authoring and implementation, gates checked by code",
        _cycles(project),
    )
    _say(
        "11. memory: a learning stored over MCP (`haios memory serve`), recalled by a search",
        _memory(project, config, schema.id),
    )
    _sessions(project, config.model_dump(mode="json"))


# (what the agent writes next, {section or file: text}) between two runs of a cycle
_WORK = {
    "## Context": "Clients need the schema over HTTP.",
    "## Deliverables": "- [ ] endpoints for items",
    "## Acceptance": "- [ ] every endpoint has a test",
}
_PLAN = "## Approach\n\nOne handler per resource.\n\n## Steps\n\n1. Items.\n"
_DONE = {"- [ ] endpoints": "- [x] endpoints", "- [ ] every": "- [x] every"}
_LEARNED = {"## Learnings\n": "## Learnings\n\nStart from the schema's tests.\n"}


def _cycles(project: Project) -> str:
    from haios.configload import load_config
    from haios.runtime import build

    (project.root / "tests.py").write_text("print('3 passed')\n", encoding="utf-8")
    tests = {"tests_pass": {"command": [sys.executable, "tests.py"]}}  # the project's tests
    (project.config_dir / "gates.yaml").write_text(json.dumps({"gates": tests}), "utf-8")
    lines: list[str] = []
    with build(project, load_config(project, environ={}), session="demo") as rt:
        path = Path(rt.work.get("WORK-002").path)
        steps: tuple[tuple[str, str, dict[str, str] | None], ...] = (
            ("plan-authoring", "wrote ## Context, ## Deliverables, ## Acceptance", _WORK),
            ("plan-authoring", "wrote PLAN.md (## Approach, ## Steps)", None),
            ("plan-authoring", "", {}),
            ("implementation", "ticked the deliverable and the criterion, wrote ## Learnings",
             {**_DONE, **_LEARNED}),
            ("implementation", "", {}),
        )  # fmt: skip
        for cycle, wrote, edits in steps:
            result = rt.cycles.run(cycle, rt.work.get("WORK-002"))
            state = rt.work.get("WORK-002")
            if result.outcome == "blocked":
                first = result.failed[0]
                lines.append(f"   {cycle}: held at {result.final_phase} by {first.gate_id}")
                lines.append(f"      {first.reason}")
            else:
                ran = any(g.gate_id == "tests_pass" for g in result.gate_results)
                tail = "; the tests gate ran `python tests.py`: it passed" if ran else ""
                lines.append(
                    f"   {cycle}: {result.outcome} → {result.next_cycle}, "
                    f"node now {state.current_node}{tail}"
                )
            if wrote:
                _edit(path, edits)
                lines.append(f"   + {wrote}")
    return "\n".join(lines)


def _edit(work_md: Path, edits: dict[str, str] | None) -> None:
    """Play the agent between two runs: fill sections of the item's body (which people and
    agents own; the frontmatter stays WorkEngine's), or write the plan."""
    if edits is None:
        (work_md.parent / "PLAN.md").write_text(_PLAN, encoding="utf-8")
        return
    text = work_md.read_text("utf-8")
    for old, new in edits.items():
        if old.startswith("## ") and not old.endswith("\n"):
            text = text.replace(f"{old}\n", f"{old}\n\n{new}\n", 1)
        else:
            text = text.replace(old, new, 1)
    work_md.write_text(text, encoding="utf-8")


def _sessions(project: Project, config: dict[str, Any]) -> None:
    """A coldstart, a checkpoint, and the next coldstart, as the SessionStart hook gives them."""
    from haios import bootstrap
    from haios.context import checkpoints
    from haios.context.sessions import SessionStore
    from haios.runtime import build

    root = str(project.root)
    with build(project, session="demo-session-1") as rt:
        rt.work.claim("WORK-002", "demo-session-1")
    first = bootstrap.session_start(root, config, "demo-session-1", "startup")
    _say("12. a session starts: the context `haios hook SessionStart` injects", _indent(first))
    folder = str(project.root / config["haios"]["paths"]["checkpoints_dir"])
    path = checkpoints.write(
        folder,
        1,
        None,
        "HTTP API started",
        work_id="WORK-002",
        lists={
            "completed": ["WORK-001: storage schema"],
            "next_steps": ["finish the HTTP API (WORK-002)"],
            "pending": ["WORK-003: the user guide waits for the API"],
            "drift_observed": ["README still describes the old schema"],
        },
    )
    SessionStore(str(project.state_dir), folder).set_checkpoint("demo-session-1", path)
    second = bootstrap.session_start(root, config, "demo-session-2", "startup")
    _say(
        f"13. it writes a checkpoint ({path[len(root) + 1 :]}); the next session starts from it",
        _indent(second),
    )


def _indent(text: str) -> str:
    return "\n".join(f"   {line}" for line in text.rstrip("\n").split("\n"))


def _memory(project: Project, config: Config, work_id: str) -> str:
    from haios.config import MemoryClient, MemoryFile
    from haios.runtime import build

    quiet = MemoryFile(client=MemoryClient(background=False))  # the folder goes away at the end
    with build(project, config.model_copy(update={"memory": quiet}), session="demo") as rt:
        stored = rt.memory.store(
            "Use SQLite in WAL mode so that readers never wait for the writer",
            f"{config.haios.paths.work_dir}/active/{work_id}/WORK.md",
        )
        found = rt.memory.query("do readers wait for a writer?")
        refs = rt.work.get(work_id).memory_refs
        # what the session-end flush does in a session: the next session start reads it
        unrefreshed = rt.memory.refresh_digest()
    if stored.degraded:
        return f"   memory unavailable: {stored.degraded_reason}"
    lines = [
        f"   stored memory {stored.concept_ids[0]}: {stored.classification} ({stored.reason})",
        f"   linked to {work_id}: memory_refs {list(refs)}",
        "   search 'do readers wait for a writer?':",
    ]
    lines += [f"      {c['id']}. [{c['kind']}] {c.get('snippet')}" for c in found.concepts]
    if unrefreshed is None:
        lines.append("   the memory digest a session start reads now holds it as a strategy")
    return "\n".join(lines)


# (what the agent does, tool, input); {root} is the project folder
_CALLS = (
    ("runs the tests", "Bash", {"command": "python -m pytest -q"}),
    ("echoes a scary string", "Bash", {"command": 'echo "rm -rf /"'}),
    ("deletes everything via bash -c", "Bash", {"command": "bash -c 'rm -rf /'"}),
    ("reads a secret through Bash", "Bash", {"command": "cat .env"}),
    ("force-pushes to main", "Bash", {"command": "git push --force origin main"}),
    (
        "edits a work item's node by hand",
        "Edit",
        {
            "file_path": "{root}/docs/work/active/WORK-002/WORK.md",
            "old_string": "current_node: backlog",
            "new_string": "current_node: implement",
        },
    ),
)


def _hook_calls(project: Project, config: dict[str, Any]) -> str:
    from haios.governance.hookevent import normalise
    from haios.governance.policy import context_for, decide

    root = str(project.root)
    context = context_for(root, config)
    lines = []
    for what, tool, data in _CALLS:
        data = {k: v.replace("{root}", root) for k, v in data.items()}
        payload = {"session_id": "demo", "cwd": root, "tool_name": tool, "tool_input": data}
        decision = decide(normalise("PreToolUse", payload), context)
        verdict = "no opinion (runs)" if decision is None else decision.action
        lines.append(f"   {what}: {verdict}")
        if decision is not None:
            lines.append(f"      {decision.reason}")
    return "\n".join(lines)


def _verify(project: Project) -> tuple[int, str | None]:
    from haios.runtime import journal_for

    count, problem = journal_for(project).verify()
    return count, None if problem is None else problem.reason
