"""MemoryBridge's MCP client: start (or reach) the configured server, call its tools, stop.

`mcp` is imported inside `call` only (it costs ~0.8 s): nothing that merely imports
MemoryBridge pays for it. Every way of not reaching the server (no such command, refused
connection, a timeout, a server that dies) becomes MemoryUnavailable with the reason; a tool
that answers with an error becomes ToolFailed (the server was there and said no).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from haios.errors import HaiosError, MemoryUnavailable

T = TypeVar("T")
SERVER_LOG = "memory-server.log"


class ToolFailed(HaiosError):
    """The memory server answered a tool call with an error."""


@dataclass(frozen=True)
class Target:
    """Where the server is and how long to wait for it (seconds, as floats)."""

    command: tuple[str, ...] = ()
    url: str | None = None
    token: str | None = None
    cwd: str | None = None
    env: Mapping[str, str] | None = None
    timeout: float = 10.0
    connect_timeout: float = 20.0
    log: Path | None = None
    names: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return self.url or " ".join(self.command)


def embedded(root: Path, state_dir: Path, timeout: float = 10.0, connect: float = 20.0) -> Target:
    """haios' own server for the project at `root`, over stdio, as Claude Code starts it."""
    env = {**os.environ, "CLAUDE_PROJECT_DIR": str(root)}
    return Target(
        (sys.executable, "-m", "haios", "memory", "serve"),
        cwd=str(root),
        env=env,
        timeout=timeout,
        connect_timeout=connect,
        log=state_dir / SERVER_LOG,
    )


class Session:
    """One connected client; `call` returns a tool's structured answer."""

    def __init__(self, client: Any, target: Target) -> None:
        self._client = client
        self._target = target

    async def call(self, name: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        name = self._target.names.get(name, name)
        given = {k: v for k, v in arguments.items() if v is not None}
        result = await self._client.call_tool(
            name, given, read_timeout_seconds=self._target.timeout
        )
        text = "".join(getattr(c, "text", "") for c in result.content)
        if result.is_error:
            raise ToolFailed(
                f"memory server: {text.removeprefix(f'Error executing tool {name}: ')}"
            )
        if isinstance(result.structured_content, dict):
            return dict(result.structured_content)
        return _parsed(text)


def _parsed(text: str) -> dict[str, Any]:
    import json

    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"result": value}


def call(target: Target, work: Callable[[Session], Awaitable[T]]) -> T:
    """Connect to `target`, run `work` with the session, disconnect."""
    import anyio

    try:
        return anyio.run(_connected, target, work)
    except BaseException as exc:  # every failure to reach the server degrades
        inner = _innermost(exc)
        if isinstance(inner, ToolFailed | KeyboardInterrupt | SystemExit):
            raise inner from None
        raise MemoryUnavailable(f"{target.describe()}: {_reason(inner)}") from exc


async def _connected(target: Target, work: Callable[[Session], Awaitable[T]]) -> T:
    from mcp import Client

    # The handshake waits at most connect_timeout (the client's default read timeout); each
    # tool call passes its own. A cancel scope around the connection alone would not nest
    # with the task groups the client opens, so there is none.
    with _log(target) as errlog:
        transport = _transport(target, errlog)
        async with Client(transport, read_timeout_seconds=target.connect_timeout) as client:
            return await work(Session(client, target))


def _transport(target: Target, errlog: Any) -> Any:
    if target.url:
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        headers = {"Authorization": f"Bearer {target.token}"} if target.token else {}
        timeout = httpx2.Timeout(target.timeout, connect=target.connect_timeout)
        http = httpx2.AsyncClient(headers=headers, timeout=timeout)
        return streamable_http_client(target.url, http_client=http)
    from mcp import StdioServerParameters
    from mcp.client.stdio import stdio_client

    command, *args = target.command
    params = StdioServerParameters(
        command=command, args=args, cwd=target.cwd, env=dict(target.env) if target.env else None
    )
    return stdio_client(params, errlog=errlog)


class _log:
    """The server's stderr goes to a log file in the state folder, not over the user's output."""

    def __init__(self, target: Target) -> None:
        self._path = target.log
        self._file: Any = None

    def __enter__(self) -> Any:
        if self._path is None:
            return sys.stderr
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self._path.open("a", encoding="utf-8")
        return self._file

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()


def _innermost(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _reason(exc: BaseException) -> str:
    """One line: why the server could not be reached."""
    if isinstance(exc, TimeoutError):
        return "no answer in time (timeout); is the server running?"
    if isinstance(exc, FileNotFoundError):
        return f"command not found ({exc.filename or exc})"
    code = getattr(getattr(exc, "error", None), "code", None)
    if code == -32001:
        return "the call timed out"
    if code == -32000:
        return "the server closed the connection (did it crash? see its log)"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
