"""MemoryBridge pointed at servers nobody here wrote: the npm reference knowledge-graph server
(`@modelcontextprotocol/server-memory`), and the MCP Inspector's command line as a client of
`haios memory serve`. Skipped, saying why, where npx is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from haios.config import Config
from haios.project import Project, compiled_config
from haios.runtime import build

NPX = shutil.which("npx")
# pinned: a new release of either must not change what these tests mean
SERVER_MEMORY = "@modelcontextprotocol/server-memory@2026.8.31"
INSPECTOR = "@modelcontextprotocol/inspector@2.12.0"
needs_npx = pytest.mark.skipif(NPX is None, reason="npx (Node.js) is not installed here")


@needs_npx
def test_memory_bridge_works_with_the_reference_knowledge_graph_server(
    project: Project, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(
        "HAIOS_MEMORY__SERVER__ENV", json.dumps({"MEMORY_FILE_PATH": str(tmp_path / "graph.jsonl")})
    )
    monkeypatch.setenv("HAIOS_MEMORY__SERVER__COMMAND", json.dumps(["npx", "-y", SERVER_MEMORY]))
    monkeypatch.setenv("HAIOS_MEMORY__SERVER__ADAPTER", "knowledge-graph")
    monkeypatch.setenv("HAIOS_MEMORY__CLIENT__BACKGROUND", "false")
    monkeypatch.setenv("HAIOS_MEMORY__CLIENT__CONNECT_TIMEOUT", "120")
    with build(project, Config.model_validate(compiled_config(project))) as rt:
        item = rt.work.create("Try the reference server")
        stored = rt.memory.store(
            "Use npx -y to run the reference memory server",
            f"docs/work/active/{item.id}/notes.md",
        )
        again = rt.memory.store("Use npx -y to run the reference memory server", "")
        found = rt.memory.query("reference memory")
        assert rt.work.get(item.id).memory_refs == stored.concept_ids

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
