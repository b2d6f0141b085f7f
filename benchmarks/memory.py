"""The memory server's speed and size: ingest throughput, search latency in process and over MCP
stdio (beside a no-op tool's round trip on the same transport), database size against the raw
text, the server's resident memory, and what tools/list costs the agent's context.

Run: `.venv/bin/python benchmarks/memory.py [--sizes 10000,100000] [--queries 200] [--json]`
(`just bench` runs it after bench.py). Targets print PASS/OVER and never fail the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from haios.memory import tools
from haios.memory.store import MemoryStore

VERBS = ("Use", "Avoid", "Run", "Keep", "Prefer", "Check", "The", "A")
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "te",
    "vi",
    "po",
    "da",
    "fe",
    "gu",
    "hi",
    "jo",
    "ba",
    "ce",
]


def vocabulary(size: int = 5000) -> list[str]:
    """Pseudo-words; the generator draws them with Zipf's law, like words in real notes."""
    rng = random.Random(3)
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    return list(words)


WORDS = vocabulary()
WEIGHTS = [1 / (rank + 1) for rank in range(len(WORDS))]


NOOP_SERVER = """
from mcp.server.mcpserver import MCPServer
server = MCPServer(name="noop")

@server.tool()
async def noop() -> str:
    return "ok"

server.run()
"""


def learning(rng: random.Random, n: int) -> str:
    """A note of 15 to 40 words (about 100 to 300 bytes)."""
    words = " ".join(rng.choices(WORDS, WEIGHTS, k=rng.randint(15, 40)))
    return f"{rng.choice(VERBS)} {words} (note {n})"


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    ]


def fill(path: Path, count: int) -> tuple[float, int]:
    """Ingest `count` learnings; (per second, raw text bytes)."""
    rng = random.Random(7)
    store = MemoryStore(path)
    raw = 0
    start = time.perf_counter()
    for n in range(count):
        text = learning(rng, n)
        raw += len(text.encode())
        store.ingest(text, f"docs/notes/{n % 500}.md")
    elapsed = time.perf_counter() - start
    store.close()
    return count / elapsed, raw


def queries(count: int) -> list[str]:
    rng = random.Random(11)
    return [" ".join(rng.choices(WORDS, WEIGHTS, k=rng.randint(1, 3))) for _ in range(count)]


def in_process(path: Path, texts: list[str]) -> list[float]:
    store = MemoryStore(path)
    times = []
    for text in texts:
        start = time.perf_counter()
        tools.search(store, text)  # what the tool answers, without MCP
        times.append((time.perf_counter() - start) * 1000)
    store.close()
    return times


async def _timed(call: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await call()
    return (time.perf_counter() - start) * 1000


def _search(client: Client, text: str) -> Callable[[], Awaitable[Any]]:
    return lambda: client.call_tool("memory_search_with_experience", {"query": text})


def _nothing(client: Client) -> Callable[[], Awaitable[Any]]:
    return lambda: client.call_tool("noop", {})


async def _call_after_call(
    haios: StdioServerParameters, noop: StdioServerParameters, texts: list[str]
) -> tuple[dict[str, list[float]], Any, int]:
    """A search on the haios server, then the no-op tool on the other, text after text: each
    server idle between its calls, as in a session, and a busy machine slows both alike.
    (ms by kind, haios' tools/list, haios' peak RSS, the larger of the two servers')."""
    async with (
        Client(haios, read_timeout_seconds=60.0) as memory,
        Client(noop, read_timeout_seconds=60.0) as bare,
    ):
        listed = await memory.list_tools()
        times: dict[str, list[float]] = {"search": [], "noop": []}
        for n, text in enumerate([*texts[:5], *texts]):  # the first five warm both up
            search, nothing = await _timed(_search(memory, text)), await _timed(_nothing(bare))
            if n >= 5:
                times["search"].append(search)
                times["noop"].append(nothing)
        return times, listed, _server_rss()


async def _run_alone(params: StdioServerParameters, texts: list[str], noop: bool) -> list[float]:
    """One server alone, called back to back (kept busy), with no other client open."""
    async with Client(params, read_timeout_seconds=60.0) as client:
        calls = [_nothing(client) if noop else _search(client, t) for t in [*texts[:5], *texts]]
        return [await _timed(call) for call in calls][5:]


def _server_rss() -> int:
    """Peak resident memory (kB) of this process's child servers."""
    peak = 0
    for pid in os.listdir("/proc"):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(os.getpid()):
            peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]))
    return peak


def over_stdio(path: Path, runs: int) -> tuple[dict[str, list[float]], int, int]:
    """(ms by kind: call after call, and each server alone, tools/list tokens, RSS kB), from a
    client in a fresh process, as a session's would be: not this one, which holds what filling
    the database and searching in process left behind."""
    argv = [sys.executable, __file__, "--client", str(path), "--queries", str(runs)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    return found["times"], found["tokens"], found["rss"]


def client(path: Path, texts: list[str]) -> dict[str, Any]:
    """What over_stdio reports, measured in this process."""
    haios = StdioServerParameters(
        command=sys.executable,
        args=["-m", "haios", "memory", "serve", "--db", str(path)],
        cwd=str(path.parent),
        env={**os.environ, "CLAUDE_PROJECT_DIR": str(path.parent)},
    )
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(NOOP_SERVER)
    try:
        noop = StdioServerParameters(command=sys.executable, args=[script.name])
        times, listed, rss = anyio.run(_call_after_call, haios, noop, texts)
        times["search_run"] = anyio.run(_run_alone, haios, texts, False)
        times["noop_run"] = anyio.run(_run_alone, noop, texts, True)
    finally:
        os.unlink(script.name)
    tools = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in listed.tools]
    return {"times": times, "tokens": len(json.dumps(tools)) // 4, "rss": rss}


def _mark(ok: bool) -> str:
    return "PASS" if ok else "OVER"


def run(sizes: list[int], runs: int) -> list[dict[str, Any]]:
    rows = []
    texts = queries(runs)
    with tempfile.TemporaryDirectory(prefix="haios-membench-") as tmp:
        for size in sizes:
            root = Path(tmp) / str(size)
            (root / ".claude" / "haios").mkdir(parents=True)
            db = root / "memory.db"
            rate, raw = fill(db, size)
            local = percentiles(in_process(db, texts))
            times, tokens, rss = over_stdio(db, len(texts))
            size_bytes = sum(p.stat().st_size for p in root.glob("memory.db*"))
            rows.append(
                {
                    "memories": size,
                    "ingest_per_s": round(rate),
                    "search_ms_median": round(local[0], 3),
                    "search_ms_p95": round(local[1], 3),
                    "stdio_search_ms_median": round(percentiles(times["search"])[0], 3),
                    "stdio_search_ms_p95": round(percentiles(times["search"])[1], 3),
                    "stdio_noop_ms_median": round(percentiles(times["noop"])[0], 3),
                    "stdio_run_search_ms_median": round(percentiles(times["search_run"])[0], 3),
                    "stdio_run_noop_ms_median": round(percentiles(times["noop_run"])[0], 3),
                    "db_over_raw": round(size_bytes / raw, 2),
                    "server_rss_mb": round(rss / 1024, 1),
                    "tools_list_tokens": tokens,
                }
            )
    return rows


def render(rows: list[dict[str, Any]]) -> str:
    lines = [
        "memory server (in process: MemoryStore; stdio: `haios memory serve` via the SDK client)"
    ]
    for r in rows:
        ratio = r["stdio_search_ms_median"] / r["stdio_noop_ms_median"]
        busy = r["stdio_run_search_ms_median"] / r["stdio_run_noop_ms_median"]
        lines += [
            f"  {r['memories']:>7,} memories",
            f"    ingest            {r['ingest_per_s']:>8,} / s",
            f"    search in process median {r['search_ms_median']:.2f} ms, p95 "
            f"{r['search_ms_p95']:.2f} ms  [{_mark(r['search_ms_median'] < 10)} < 10 ms]",
            f"    search over stdio median {r['stdio_search_ms_median']:.2f} ms, p95 "
            f"{r['stdio_search_ms_p95']:.2f} ms; no-op tool {r['stdio_noop_ms_median']:.2f} ms "
            f"= {ratio:.2f}× no-op  [{_mark(ratio < 2)} < 2×]  (call after call)",
            f"      each server alone, kept busy: search {r['stdio_run_search_ms_median']:.2f} ms, "
            f"no-op {r['stdio_run_noop_ms_median']:.2f} ms = {busy:.2f}× no-op  "
            f"[{_mark(busy < 2)} < 2×]",
            f"    database / raw text {r['db_over_raw']:.2f}×  "
            f"[{_mark(r['db_over_raw'] < 3)} < 3×]",
            f"    server peak RSS   {r['server_rss_mb']:.0f} MB  "
            f"[{_mark(r['server_rss_mb'] < 200)} < 200 MB]",
            f"    tools/list        {r['tools_list_tokens']} tokens (chars/4)  "
            f"[{_mark(r['tools_list_tokens'] < 3000)} < 3,000]",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="memories per run (comma list)")
    parser.add_argument("--queries", type=int, default=200, help="timed searches per row")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.add_argument("--client", metavar="DB", help=argparse.SUPPRESS)  # over_stdio's child
    args = parser.parse_args(argv)
    if args.client:
        sys.stdout.write(json.dumps(client(Path(args.client), queries(args.queries))) + "\n")
        return 0
    rows = run([int(s) for s in args.sizes.split(",")], args.queries)
    sys.stdout.write(json.dumps({"memory": rows}, indent=2) + "\n" if args.json else render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
