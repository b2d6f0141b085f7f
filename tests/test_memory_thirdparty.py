"""MemoryBridge pointed at servers nobody here wrote: the npm reference knowledge-graph server
(`@modelcontextprotocol/server-memory`: store, search, get, link, and the roles it has no tool
for), and the MCP Inspector's command line as a client of `haios memory serve`. Skipped, saying
why, where npx is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from haios.config import Config
from haios.errors import MemoryRoleUnsupported
from haios.memory.client import ToolFailed
from haios.project import Project, compiled_config
from haios.runtime import Runtime, build

NPX = shutil.which("npx")
# pinned: a new release of either must not change what these tests mean
SERVER_MEMORY = "@modelcontextprotocol/server-memory@2026.8.31"
INSPECTOR = "@modelcontextprotocol/inspector@2.12.0"
needs_npx = pytest.mark.skipif(NPX is None, reason="npx (Node.js) is not installed here")


@pytest.fixture
def graph_rt(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Runtime]:
    """The runtime with MemoryBridge on the reference server, its graph in tmp_path/graph.jsonl."""
    graph = {"MEMORY_FILE_PATH": str(tmp_path / "graph.jsonl")}
    monkeypatch.setenv("HAIOS_MEMORY__SERVER__ENV", json.dumps(graph))
    monkeypatch.setenv("HAIOS_MEMORY__SERVER__COMMAND", json.dumps(["npx", "-y", SERVER_MEMORY]))
    monkeypatch.setenv("HAIOS_MEMORY__SERVER__ADAPTER", "knowledge-graph")
    monkeypatch.setenv("HAIOS_MEMORY__CLIENT__BACKGROUND", "false")
    monkeypatch.setenv("HAIOS_MEMORY__CLIENT__CONNECT_TIMEOUT", "120")
    with build(project, Config.model_validate(compiled_config(project))) as rt:
        yield rt


@needs_npx
def test_memory_bridge_works_with_the_reference_knowledge_graph_server(
    graph_rt: Runtime, tmp_path: Path
) -> None:
    item = graph_rt.work.create("Try the reference server")
    stored = graph_rt.memory.store(
        "Use npx -y to run the reference memory server", f"docs/work/active/{item.id}/notes.md"
    )
    again = graph_rt.memory.store("Use npx -y to run the reference memory server", "")
    found = graph_rt.memory.query("reference memory")

    assert graph_rt.work.get(item.id).memory_refs == stored.concept_ids
    assert (stored.degraded, stored.classification, stored.work_id) == (False, "techne", item.id)
    assert again.concept_ids == stored.concept_ids and again.duplicate is True
    assert [c["id"] for c in found.concepts] == list(stored.concept_ids)
    assert found.concepts[0]["work_id"] == item.id
    assert [s["content"] for s in found.strategies] == [
        "Use npx -y to run the reference memory server"
    ]
    graph = [json.loads(line) for line in (tmp_path / "graph.jsonl").read_text().splitlines()]
    assert [g["entityType"] for g in graph] == ["techne"]


@needs_npx
def test_get_and_link_are_open_nodes_and_create_relations_of_the_graph(
    graph_rt: Runtime, tmp_path: Path
) -> None:
    memory, item = graph_rt.memory, graph_rt.work.create("Link memories in a graph")
    how, why = memory.store_many(
        [
            ("Use npx -y to run the reference memory server", "docs/notes.md", item.id),
            ("The reference memory server keeps its graph in one JSONL file", "", None),
        ]
    )
    ids = (how.concept_ids[0], why.concept_ids[0])
    [found] = memory.query("JSONL").concepts
    linked = memory.link(ids[0], ids[1], "derived_from")
    again = memory.link(ids[0], found["name"], "derived_from")
    by_id, by_name = memory.get(ids[0]), memory.get(found["name"])
    with pytest.raises(ToolFailed) as missing:
        memory.get(1)
    first, second = (memory.query("reference memory server", limit=1, offset=n) for n in (0, 1))

    assert found["id"] == ids[1] and found["name"].startswith("haios-")
    assert (first.next_offset, second.next_offset) == (1, None)
    assert sorted(c["id"] for c in first.concepts + second.concepts) == sorted(ids)
    assert linked == {"linked": True, "src": ids[0], "dst": ids[1], "relation": "derived_from"}
    assert again["linked"] is False  # the same relation, reached by the entity's name
    edge = {"src": ids[0], "dst": ids[1], "relation": "derived_from"}
    assert {k: by_id[k] for k in ("id", "kind", "content", "source_path", "work_id")} == {
        "id": ids[0],
        "kind": "techne",
        "content": "Use npx -y to run the reference memory server",
        "source_path": "docs/notes.md",
        "work_id": item.id,
    }
    assert by_id["links"] == by_name["links"] == [edge]
    assert (by_name["id"], by_name["kind"]) == (ids[1], why.classification)
    assert str(missing.value) == "memory server: no memory 1; search for ids (or names) first"
    graph = [json.loads(line) for line in (tmp_path / "graph.jsonl").read_text().splitlines()]
    assert [g.get("relationType") for g in graph if g["type"] == "relation"] == ["derived_from"]


def test_a_role_the_graph_has_no_counterpart_of_is_refused_by_name(
    graph_rt: Runtime, tmp_path: Path
) -> None:
    with pytest.raises(MemoryRoleUnsupported) as sql:  # refused before the server starts
        graph_rt.memory.call("sql", {"sql": "SELECT 1"})
    with pytest.raises(MemoryRoleUnsupported) as unknown:
        graph_rt.memory.call("forget")

    assert str(sql.value) == (
        f"npx -y {SERVER_MEMORY}: the knowledge-graph memory server has no counterpart of the "
        "role 'sql' (haios' db_query); it answers: search, ingest, get, link, stats"
    )
    assert str(unknown.value) == (
        "unknown memory role 'forget'; roles are: search, ingest, get, link, stats, schema, sql"
    )
    assert not (tmp_path / "graph.jsonl").exists()


@needs_npx
def test_the_mcp_inspector_cli_lists_and_calls_the_tools(project: Project) -> None:
    inspector = [NPX or "npx", "-y", INSPECTOR, "--cli"]
    # the server first: --tool-arg takes every word after it
    server = [str(Path(sys.executable).with_name("haios")), "memory", "serve"]
    env = {**os.environ, "CLAUDE_PROJECT_DIR": str(project.root)}

    def run(*args: str) -> dict[str, object]:
        proc = subprocess.run(
            [*inspector, *server, *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=project.root,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        start = proc.stdout.index("{")
        document: dict[str, object] = json.loads(proc.stdout[start:])
        return document

    listed = run("--method", "tools/list")
    stored = run(
        "--method",
        "tools/call",
        "--tool-name",
        "ingester_ingest",
        "--tool-arg",
        "content=Use the inspector to check a server",
    )

    names = {t["name"] for t in listed["tools"]}  # type: ignore[attr-defined]
    assert "memory_search_with_experience" in names and len(names) == 7
    assert stored["isError"] is False
    assert json.loads(stored["content"][0]["text"])["ids"] == [1]  # type: ignore[index]
