"""`haios memory serve`: the embedded MCP memory server (stdio, or Streamable HTTP on loopback).

The tools are thin: `haios.memory.tools` holds what they answer. Every answer is one compact
JSON document, as text; a bad argument or a refused query comes back as a tool error whose
message says how to fix it. The whole tools/list stays small (it costs the agent's context on
every session): short descriptions, no output schemas (and so no structured content, which
would only send each answer twice).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from pydantic import Field

from haios import __version__
from haios.errors import MemoryStoreError
from haios.memory import tools
from haios.memory.provenance import MAX_CONTENT
from haios.memory.store import RELATIONS, MemoryStore

INSTRUCTIONS = (
    "Learnings of this project across sessions. Search before you start a task; store what "
    "you learned (one learning per call) when you finish."
)
Id = Annotated[int, Field(ge=1)]
TOKEN_FILE = "memory-token"


def _reply(answer: Callable[[], str | None], missing: str = "") -> CallToolResult:
    try:
        text = answer()
    except MemoryStoreError as exc:
        raise ToolError(str(exc)) from exc
    if text is None:
        raise ToolError(missing)
    return CallToolResult(content=[TextContent(type="text", text=text)])


def build(store: MemoryStore, default_session: str | None = None) -> MCPServer:
    """The server object with its seven tools, over `store`."""
    server: MCPServer = MCPServer(
        name="haios-memory", version=__version__, instructions=INSTRUCTIONS
    )

    @server.tool(
        description="Full-text search (stemmed, BM25) of learnings: concepts (snippets; "
        "memory_get for the whole text) and strategies (how-tos that worked, most used first)."
    )
    async def memory_search_with_experience(
        query: Annotated[str, Field(max_length=2000, description="words to look for")],
        limit: Annotated[int, Field(ge=1, le=50)] = 5,
        offset: Annotated[int, Field(ge=0, description="from next_offset")] = 0,
        include_superseded: bool = False,
    ) -> CallToolResult:
        return _reply(lambda: tools.search(store, query, limit, offset, include_superseded))

    @server.tool(
        description="Store one learning with its provenance; returns its id and class "
        "(episteme/techne/doxa). The same text twice returns the first id. A memory with the "
        "same subject (or a 'Subject: …' prefix) supersedes the older one."
    )
    async def ingester_ingest(
        content: Annotated[str, Field(min_length=1, max_length=MAX_CONTENT)],
        source_path: Annotated[str, Field(description="file it came from")] = "",
        work_id: Annotated[str | None, Field(description="default: from source_path")] = None,
        subject: str | None = None,
        supersedes: list[int] | None = None,
        outcome: Annotated[str | None, Field(pattern="^(worked|failed)$")] = None,
        session: str | None = None,
    ) -> CallToolResult:
        return _reply(
            lambda: tools.ingest(
                store,
                content,
                source_path=source_path or None,
                work_id=work_id,
                session=session or default_session,
                subject=subject,
                supersedes=supersedes or (),
                outcome=outcome,
            )
        )

    @server.tool(description="One memory in full, with provenance and links.")
    async def memory_get(id: Id) -> CallToolResult:
        return _reply(lambda: tools.get(store, id), f"no memory {id}; search for ids first")

    @server.tool(description=f"Link two memories. relation: {', '.join(RELATIONS)}.")
    async def memory_link(src: Id, dst: Id, relation: str = "related") -> CallToolResult:
        return _reply(lambda: tools.link(store, src, dst, relation))

    @server.tool(description="Counts by class, superseded, links, strategies, size.")
    async def memory_stats() -> CallToolResult:
        return _reply(lambda: tools.stats(store))

    @server.tool(description="Tables and columns of the memory database, for db_query.")
    async def schema_info() -> CallToolResult:
        return _reply(lambda: tools.schema_info(store))

    @server.tool(
        description="One read-only SELECT on the memory database (no writes/PRAGMA/ATTACH)."
    )
    async def db_query(
        sql: Annotated[str, Field(max_length=10_000)],
        limit: Annotated[int, Field(ge=1, le=200)] = 20,
    ) -> CallToolResult:
        return _reply(lambda: tools.db_query(store, sql, limit))

    _drop_titles(server)
    return server


def tool_schemas(server: MCPServer) -> dict[str, Any]:
    """The tools' input schemas as one JSON Schema (one `$defs` entry per tool, described by
    the tool's description): the contract `docs/contracts/memory-tools.vN.json`."""
    return {
        "description": "Inputs of the haios memory server's MCP tools, one definition per tool.",
        "$defs": {
            tool.name: {"description": tool.description, **tool.parameters}
            for tool in server._tool_manager.list_tools()
        },
    }


def _drop_titles(server: MCPServer) -> None:
    """pydantic titles every schema and property; they repeat the names and cost context."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: strip(v) for k, v in node.items() if not (k == "title" and isinstance(v, str))
            }
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    for tool in server._tool_manager.list_tools():
        tool.parameters = strip(tool.parameters)


class _BearerToken:
    """Accepts exactly one token (compared in constant time)."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()

    async def verify_token(self, token: str) -> Any:
        import hmac

        from mcp.server.auth.provider import AccessToken

        if hmac.compare_digest(token.encode(), self._token):
            return AccessToken(token=token, client_id="haios", scopes=[])
        return None


def serve_stdio(store: MemoryStore, session: str | None = None) -> None:
    build(store, session).run("stdio")


def serve_http(store: MemoryStore, port: int, token: str, session: str | None = None) -> None:
    """Streamable HTTP on 127.0.0.1 only, bearer token required, DNS-rebinding protection on
    (the SDK turns it on for a loopback host: a foreign Host gets 421, a foreign Origin 403)."""
    from mcp.server.auth.settings import AuthSettings

    server = build(store, session)
    server.settings.auth = AuthSettings(
        issuer_url=f"http://127.0.0.1:{port}",
        resource_server_url=None,
    )
    server._token_verifier = _BearerToken(token)
    server.run("streamable-http", host="127.0.0.1", port=port, streamable_http_path="/mcp")


def http_token(state_dir: Path, env_name: str = "HAIOS_MEMORY_TOKEN") -> str:
    """The bearer token: the environment variable, else `state/memory-token` (made on first
    use, readable by its owner only)."""
    token = os.environ.get(env_name, "").strip()
    if token:
        return token
    path = state_dir / TOKEN_FILE
    try:
        return path.read_text("utf-8").strip()
    except FileNotFoundError:
        pass
    state_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token + "\n")
    return token
