"""`haios memory serve` as Claude Code starts it (a subprocess over stdio), driven by the SDK's
own client; bad input; two servers on one database; a server killed mid-write; HTTP with a
bearer token and DNS-rebinding protection."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from haios.project import Project

TOOLS = {
    "memory_search_with_experience",
    "ingester_ingest",
    "schema_info",
    "db_query",
    "memory_get",
    "memory_link",
    "memory_stats",
}


def _params(project: Project, *args: str) -> StdioServerParameters:
    """The server as .mcp.json starts it: `haios memory serve`, no arguments, in the project."""
    env = {**os.environ, "CLAUDE_PROJECT_DIR": str(project.root)}
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "haios", "memory", "serve", *args],
        env=env,
        cwd=str(project.root),
    )


def _run(project: Project, work: Callable[[Client], Awaitable[Any]], *args: str) -> Any:
    async def main() -> Any:
        async with Client(_params(project, *args), read_timeout_seconds=30.0) as client:
            return await work(client)

    return anyio.run(main)


async def _call(client: Client, tool: str, **arguments: Any) -> tuple[bool, Any]:
    result = await client.call_tool(tool, arguments, read_timeout_seconds=30.0)
    text = "".join(getattr(c, "text", "") for c in result.content)
    return result.is_error, (text if result.is_error else json.loads(text))


def test_claude_code_can_list_and_call_every_tool(project: Project) -> None:
    async def session(client: Client) -> dict[str, Any]:
        listed = await client.list_tools()
        out: dict[str, Any] = {
            "tools": [
                t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools
            ]
        }
        out["ingest"] = await _call(
            client,
            "ingester_ingest",
            content="Use pytest -q for quiet runs",
            source_path="docs/work/active/WORK-007/WORK.md",
        )
        out["again"] = await _call(
            client, "ingester_ingest", content="use pytest -q for QUIET runs"
        )
        await _call(
            client, "ingester_ingest", content="The index is a derived cache of WORK.md files"
        )
        out["link"] = await _call(client, "memory_link", src=1, dst=2, relation="related")
        out["search"] = await _call(
            client, "memory_search_with_experience", query="running pytest quietly"
        )
        out["get"] = await _call(client, "memory_get", id=1)
        out["stats"] = await _call(client, "memory_stats")
        out["schema"] = await _call(client, "schema_info")
        out["query"] = await _call(
            client, "db_query", sql="SELECT id, kind FROM memories ORDER BY id"
        )
        return out

    out = _run(project, session)

    assert {t["name"] for t in out["tools"]} == TOOLS
    assert all(t["inputSchema"]["type"] == "object" for t in out["tools"])
    assert len(json.dumps(out["tools"])) / 4 < 3000  # the context every session pays for
    assert out["ingest"] == (
        False,
        {
            "ids": [1],
            "classification": "techne",
            "reason": "an instruction (starts with 'use')",
            "duplicate": False,
            "superseded": [],
            "work_id": "WORK-007",
            "subject": None,
        },
    )
    assert out["again"][1]["ids"] == [1] and out["again"][1]["duplicate"] is True
    assert out["link"] == (False, {"linked": True, "src": 1, "dst": 2, "relation": "related"})
    search = out["search"][1]
    assert [c["id"] for c in search["concepts"]] == [1, 2]  # 2 comes through the link
    assert search["concepts"][1]["via"] == "related"
    assert [s["id"] for s in search["strategies"]] == [1]
    assert out["get"][1]["work_id"] == "WORK-007" and out["get"][1]["source_path"] == (
        "docs/work/active/WORK-007/WORK.md"
    )
    assert out["stats"][1]["memories"] == 2
    tables = {"links", "memories", "memories_fts", "memories_vocab", "migrations"}
    assert set(out["schema"][1]["tables"]) == tables
    assert out["query"] == (
        False,
        {"columns": ["id", "kind"], "rows": [[1, "techne"], [2, "episteme"]], "truncated": False},
    )


def test_bad_input_gets_a_clear_tool_error_and_the_server_keeps_going(project: Project) -> None:
    async def session(client: Client) -> list[tuple[bool, Any]]:
        calls = [
            ("ingester_ingest", {}),
            ("ingester_ingest", {"content": 42}),
            ("ingester_ingest", {"content": "x" * (10 * 1024 * 1024)}),
            ("ingester_ingest", {"content": "new", "supersedes": [99]}),
            ("memory_search_with_experience", {"query": "x", "limit": 500}),
            ("memory_get", {"id": 12345}),
            ("memory_get", {"id": "one"}),
            ("memory_link", {"src": 1, "dst": 1}),
            ("db_query", {"sql": "DELETE FROM memories"}),
            ("db_query", {"sql": "ATTACH DATABASE '/tmp/x.db' AS x"}),
            ("db_query", {"sql": "PRAGMA writable_schema = ON"}),
            ("no_such_tool", {}),
        ]
        answers = [await _call(client, name, **args) for name, args in calls]
        answers.append(
            await _call(client, "memory_search_with_experience", query="'; DROP TABLE memories; --")
        )
        answers.append(await _call(client, "memory_stats"))
        return answers

    answers = _run(project, session)

    errors = [text for failed, text in answers[:-2] if failed]
    assert len(errors) == 12
    assert "content\n  Field required" in errors[0]
    assert "content\n  Input should be a valid string" in errors[1]
    assert "String should have at most 32000 characters" in errors[2]
    assert len(errors[2]) < 1000  # the 10 MB are not echoed back
    assert errors[3] == (
        "Error executing tool ingester_ingest: cannot supersede memory 99: no such memory "
        "(see memory_search_with_experience for ids)"
    )
    assert "less than or equal to 50" in errors[4]
    assert errors[5] == "Error executing tool memory_get: no memory 12345; search for ids first"
    assert "valid integer" in errors[6]
    assert errors[7] == "Error executing tool memory_link: memory 1 cannot be linked to itself"
    assert errors[8].endswith("refused: db_query only reads, and this query needs delete memories")
    assert errors[9].endswith("this query needs attach /tmp/x.db")
    assert errors[10].endswith("this query needs pragma writable_schema")
    assert errors[11] == "Unknown tool: no_such_tool"
    assert answers[-2] == (False, {"concepts": [], "strategies": [], "next_offset": None})
    assert answers[-1][1]["memories"] == 0


def test_invalid_utf8_bytes_on_stdin_do_not_kill_the_server(project: Project) -> None:
    """A line of bytes that are not UTF-8 between valid requests: the server answers the
    requests that follow."""
    env = {**os.environ, "CLAUDE_PROJECT_DIR": str(project.root)}
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"},
        },
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "haios", "memory", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=project.root,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        _send(proc, json.dumps(initialize).encode())
        assert _answer(proc, 1)["result"]["serverInfo"]["name"] == "haios-memory"
        _send(proc, json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode())
        _send(proc, b'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"\xff\xfe"}}')
        _send(proc, json.dumps({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}).encode())
        assert {t["name"] for t in _answer(proc, 3)["result"]["tools"]} == TOOLS
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def _send(proc: subprocess.Popen[bytes], line: bytes) -> None:
    assert proc.stdin is not None
    proc.stdin.write(line + b"\n")
    proc.stdin.flush()


def _answer(proc: subprocess.Popen[bytes], wanted: int) -> dict[str, Any]:
    """The server's answer to request `wanted` (other lines skipped), within a minute. Reads
    the pipe unbuffered: a buffered reader could hold the answer while select() waits."""
    import selectors

    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    pending = b""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                message = json.loads(line)
                if message.get("id") == wanted:
                    return dict(message)
            if selector.select(timeout=1.0):
                chunk = os.read(fd, 65536)
                assert chunk, "the server closed its output"
                pending += chunk
    raise AssertionError(f"no answer to request {wanted} within a minute")


def test_two_servers_on_one_database_store_everything_once(project: Project) -> None:
    async def writer(n: int) -> list[int]:
        async with Client(_params(project), read_timeout_seconds=30.0) as client:
            ids = []
            for i in range(25):
                _, answer = await _call(
                    client, "ingester_ingest", content=f"Use shared fact {i} everywhere"
                )
                ids.append(answer["ids"][0])
            return ids

    async def both() -> list[list[int]]:
        results: list[list[int]] = [[], []]

        async def one(k: int) -> None:
            results[k] = await writer(k)

        async with anyio.create_task_group() as group:
            group.start_soon(one, 0)
            group.start_soon(one, 1)
        return results

    first, second = anyio.run(both)

    assert first == second  # the same learning got the same id in both servers
    db = sqlite3.connect(project.state_dir / "memory.db")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT count(*) FROM memories").fetchone() == (25,)
    assert db.execute(
        "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH 'shared'"
    ).fetchone() == (25,)


def test_a_server_killed_mid_write_leaves_a_consistent_database(project: Project) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from haios.memory.store import MemoryStore\n"
        "s = MemoryStore(Path(sys.argv[1]))\n"
        "print('ready', flush=True)\n"
        "i = 0\n"
        "while True:\n"
        "    s.ingest(f'Use write number {i} ' + 'x' * 2000)\n"
        "    i += 1\n"
    )
    db = project.state_dir / "memory.db"
    proc = subprocess.Popen([sys.executable, "-c", script, str(db)], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    async def after(client: Client) -> tuple[Any, Any]:
        stats = await _call(client, "memory_stats")
        found = await _call(client, "memory_search_with_experience", query="write number")
        return stats, found

    stats, found = _run(project, after)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    count = conn.execute("SELECT count(*) FROM memories").fetchone()[0]
    assert count > 0 and stats[1]["memories"] == count
    indexed = "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH 'number'"
    assert conn.execute(indexed).fetchone()[0] == count
    assert found[0] is False and found[1]["concepts"]


def test_serve_outside_a_project_says_so(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "haios", "memory", "serve"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        env={**os.environ, "CLAUDE_PROJECT_DIR": str(tmp_path)},
    )
    assert proc.returncode == 1
    assert proc.stderr == (
        f"haios: error: {tmp_path.resolve()}: not a haios project (no .claude/haios here or "
        "above); run `haios init` first\n"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_http_needs_the_bearer_token_and_a_loopback_host(project: Project) -> None:
    import httpx2

    port = _free_port()
    env = {**os.environ, "HAIOS_MEMORY_TOKEN": "s3cret-token-for-tests"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "haios", "memory", "serve", "--http", "--port", str(port)],
        cwd=project.root,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        _wait_for(port)
        init = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "0"},
            },
        }
        accept = {"Accept": "application/json, text/event-stream"}
        bearer = {"Authorization": "Bearer s3cret-token-for-tests"}
        with httpx2.Client(timeout=10.0) as http:
            assert http.post(url, json=init, headers=accept).status_code == 401
            wrong = {**accept, "Authorization": "Bearer nope"}
            assert http.post(url, json=init, headers=wrong).status_code == 401
            rebound = {**accept, **bearer, "Host": "evil.example:80"}
            assert http.post(url, json=init, headers=rebound).status_code == 421
            foreign = {**accept, **bearer, "Origin": "http://evil.example"}
            assert http.post(url, json=init, headers=foreign).status_code == 403

        async def session() -> Any:
            from mcp.client.streamable_http import streamable_http_client

            async with httpx2.AsyncClient(headers=bearer, timeout=10.0) as http_client:
                transport = streamable_http_client(url, http_client=http_client)
                async with Client(transport, read_timeout_seconds=10.0) as client:
                    return await _call(client, "ingester_ingest", content="Use the HTTP transport")

        assert anyio.run(session)[1]["ids"] == [1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.stderr is not None
    assert f"serving http://127.0.0.1:{port}/mcp (bearer token in $HAIOS_MEMORY_TOKEN)" in (
        proc.stderr.read().decode()
    )


def _wait_for(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"the server did not listen on {port}")


def test_the_tool_contract_is_the_servers_and_checks_arguments() -> None:
    import jsonschema

    contract = json.loads(
        (Path(__file__).parents[1] / "docs" / "contracts" / "memory-tools.v1.json").read_text()
    )
    assert set(contract["$defs"]) == TOOLS  # and test_contracts holds it equal to the server's

    def valid(tool: str, arguments: dict[str, Any]) -> bool:
        schema = {**contract, "$ref": f"#/$defs/{tool}"}
        return jsonschema.Draft202012Validator(schema).is_valid(arguments)

    assert valid("ingester_ingest", {"content": "Use x", "work_id": "WORK-001"})
    assert not valid("ingester_ingest", {"source_path": "a.md"})
    assert not valid("memory_search_with_experience", {"query": "x", "limit": 51})
    assert valid("db_query", {"sql": "SELECT 1"})
