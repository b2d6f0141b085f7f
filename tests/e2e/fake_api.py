"""A scripted fake of the Anthropic Messages API on 127.0.0.1, for driving the real Claude Code CLI.

The main agent's conversation is answered from a script of turns, each a tool call or a final
text; once the script has run out, every answer is the text "Done.". Requests that offer no tools
(a title, a summary) get a short text and are not part of the conversation. Every request is
recorded so a test can read what the CLI sent: tool results, the system prompt, injected context.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ToolUse:
    """The model calls a tool, e.g. `ToolUse("Bash", {"command": "ls"})`."""

    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class Text:
    """The model answers with text and ends its turn."""

    text: str


Turn = ToolUse | Text
DONE = Text("Done.")


@dataclass(frozen=True)
class ToolResult:
    text: str
    is_error: bool


@dataclass(frozen=True)
class Request:
    """One POST /v1/messages as the CLI sent it."""

    body: dict[str, Any]

    @property
    def conversation(self) -> bool:
        """Part of the main agent's conversation (it offers tools), not a title or a summary."""
        return bool(self.body.get("tools"))

    @property
    def text(self) -> str:
        """The whole body as JSON text, for substring checks."""
        return json.dumps(self.body, ensure_ascii=False)

    def texts(self) -> list[str]:
        """Every text the model would read: the system prompt's, then each message's."""
        found = [b["text"] for b in _blocks(self.body.get("system", ""))]
        for message in self.body["messages"]:
            found += [b["text"] for b in _blocks(message["content"]) if b.get("type") == "text"]
        return found

    def last_user_blocks(self) -> list[dict[str, Any]]:
        """The content blocks of the last message, which the CLI sends as the user."""
        last = self.body["messages"][-1]
        assert last["role"] == "user", f"the last message is not the user's: {last}"
        return _blocks(last["content"])

    def tool_result(self) -> ToolResult:
        """The one tool_result this request answers the previous tool call with."""
        results = [b for b in self.last_user_blocks() if b.get("type") == "tool_result"]
        assert len(results) == 1, f"expected one tool_result, got {results}"
        return ToolResult(_flatten(results[0].get("content", "")), bool(results[0].get("is_error")))


@dataclass
class FakeAPI:
    """Run as a context manager and point ANTHROPIC_BASE_URL at `url`."""

    script: list[Turn]
    requests: list[Request] = field(default_factory=list)
    log: list[str] = field(default_factory=list)  # "METHOD /path" of every request, in order

    def __post_init__(self) -> None:
        self._turns = iter(self.script)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))  # a free port
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def conversation(self) -> list[Request]:
        return [r for r in self.requests if r.conversation]

    def __enter__(self) -> FakeAPI:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, body: dict[str, Any]) -> str:
        """Record one message request; the server-sent events of the answer."""
        request = Request(body)
        with self._lock:
            self.requests.append(request)
            turn = next(self._turns, DONE) if request.conversation else Text("haios e2e")
            n = next(self._ids)
        return "".join(_events(turn, n, str(body.get("model", "fake"))))

    def summary(self) -> str:
        """What the CLI asked, for a failing test's output."""
        lines = [*self.log, ""]
        for i, request in enumerate(self.requests):
            kind = "conversation" if request.conversation else "side request"
            users = [m for m in request.body.get("messages", []) if m.get("role") == "user"]
            lines.append(f"request {i} ({kind}), the last user message:")
            lines.append("  " + json.dumps(users[-1:], ensure_ascii=False)[:2000])
        return "\n".join(lines)


def _handler(api: FakeAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_HEAD(self) -> None:  # the CLI's connectivity probe
            api.log.append(f"HEAD {self.path}")
            self._reply(200, "text/plain", b"")

        def do_GET(self) -> None:
            api.log.append(f"GET {self.path}")
            self._reply(404, "application/json", b'{"type": "error"}')

        def do_POST(self) -> None:
            api.log.append(f"POST {self.path}")
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            route = self.path.split("?")[0]
            if route == "/v1/messages/count_tokens":
                self._reply(200, "application/json", b'{"input_tokens": 100}')
            elif route == "/v1/messages":
                stream = api.answer(json.loads(raw))
                self._reply(200, "text/event-stream", stream.encode())
            else:
                self._reply(404, "application/json", b'{"type": "error"}')

        def _reply(self, status: int, kind: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # `api.log` has it; a failing test prints `api.summary()`

    return Handler


def _events(turn: Turn, n: int, model: str) -> Iterator[str]:
    """The stream of one message answering with `turn`; `n` makes its ids unique (the CLI
    merges assistant messages that share an id)."""
    message: dict[str, Any] = {
        "id": f"msg_e2e_{n:04d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 100, "output_tokens": 1},
    }
    if isinstance(turn, ToolUse):
        block: dict[str, Any] = {"type": "tool_use", "id": f"toolu_e2e_{n:04d}", "name": turn.name}
        block["input"] = {}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(turn.input)}
        stop_reason = "tool_use"
    else:
        block = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": turn.text}
        stop_reason = "end_turn"
    yield _event("message_start", message=message)
    yield _event("content_block_start", index=0, content_block=block)
    yield _event("content_block_delta", index=0, delta=delta)
    yield _event("content_block_stop", index=0)
    yield _event(
        "message_delta",
        delta={"stop_reason": stop_reason, "stop_sequence": None},
        usage={"output_tokens": 10},
    )
    yield _event("message_stop")


def _event(kind: str, **data: Any) -> str:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"


def _flatten(content: Any) -> str:
    """A tool_result's content, a string or a list of text blocks, as one string."""
    return "".join(str(b.get("text", "")) for b in _blocks(content))


def _blocks(content: Any) -> list[dict[str, Any]]:
    """Message content, a string or a list of blocks, as a list of blocks."""
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)
