"""Wall time and peak memory of haios' everyday commands, side by side with the bare interpreter.

Run it with the project's own interpreter: `.venv/bin/python benchmarks/bench.py
[--sizes 1000,10000] [--runs 15] [--json]`. The floor is `sys.executable -I -c pass`, never a
shim such as pyenv's `python3`: a shim adds ~75 ms to every call and so flatters every ratio.
haios runs the way users run it, as the console script next to sys.executable (`-m haios` only
if there is none).

Each call is a fresh process on a throwaway project (`haios init` plus N generated WORK.md files);
the calls are interleaved round-robin so the noise of a shared machine hits all of them alike.
Targets are marked PASS/OVER but never fail the run: exit 0, or 1 if a command itself failed.
Standard library only; POSIX only (os.fork, os.wait4).
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TIME_TARGETS = {"ready": 4.0, "list": 6.0, "hook": 2.5, "hook-bash-parsed": 2.5}  # median, × floor
TIME_TARGETS |= {"hook-session": 5.0, "coldstart": 5.0}
P95_TARGETS = {"hook": 3.5, "hook-bash-parsed": 3.5}  # 95th percentile wall time, × floor median
RSS_TARGETS = {"hook": 2.0, "hook-bash-parsed": 2.0, "hook-other": 2.0}  # peak RSS × floor; else 3
RSS_TARGET = 3.0
COLDSTART_TOKENS = 1500  # the default coldstart text, estimated at 4 characters a token
_WORD_TEXT = """add cache index journal hook guard cycle plan export parse report config queue
session audit memory context retry lock schema docs claim release archive renumber migrate"""
WORDS = _WORD_TEXT.split()
BODY = """## Context

The {} path is slow when the {} grows; users notice it at every session start, so this comes
before the next release.

## Deliverables

- [x] Measure the current behaviour
- [ ] Change it

## Acceptance

- [ ] Tests cover the new path

## Learnings

"""
OPEN_NODES = ("backlog", "discovery", "plan", "implement")
ORDER = (
    "floor",
    "hook",
    "hook-bash-parsed",
    "hook-other",
    "hook-session",
    "coldstart",
    "ready",
    "list",
    "new",
    "edit",
    "cold",
)  # rows of the table, per size


class BenchError(Exception):
    """A measured command failed; the message carries its argv and the end of its stderr."""


@dataclass
class Case:
    """One measured command; `prepare` runs (untimed) right before each timed call."""

    label: str
    kind: str  # floor, ready, list, new, edit, cold
    items: int | None
    argv: list[str]
    cwd: Path
    prepare: Callable[[int], None] | None = None
    stdin: Path | None = None  # fed to the command (hook payloads)
    times: list[float] = field(default_factory=list)  # ms
    rss: list[int] = field(default_factory=list)  # KiB


# -- running one child ---------------------------------------------------------------------------

# Runs in `python -I -S`: reads one JSON job a line, forks and execs it, replies
# [wall ns, ru_maxrss, exit code]. Commands are forked from this small process, not from the
# benchmark and not by subprocess.Popen: Linux charges the pages of the forking process (with
# vfork, its whole peak) to the child's ru_maxrss, which would hide the floor's real footprint.
LAUNCHER = r"""
import json, os, sys, time
while line := sys.stdin.readline():
    job = json.loads(line)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    out, err = os.open(job["out"], flags, 0o600), os.open(job["err"], flags, 0o600)
    start = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        try:
            os.chdir(job["cwd"])
            os.dup2(os.open(job["in"], os.O_RDONLY), 0)
            os.dup2(out, 1)
            os.dup2(err, 2)
            os.execv(job["argv"][0], job["argv"])
        except BaseException as exc:
            os.write(err, f"cannot run {job['argv'][0]}: {exc}\n".encode())
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter_ns() - start
    os.close(out)
    os.close(err)
    print(json.dumps([wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status)]), flush=True)
"""


class Launcher:
    """A small resident process that runs each command and reports its wall time and peak RSS."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.out, self.err = tmp / "stdout", tmp / "stderr"
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", LAUNCHER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )

    def run(
        self, argv: Sequence[str], cwd: Path, keep: bool = False, stdin: Path | None = None
    ) -> tuple[float, int, str]:
        """(wall ms, peak RSS KiB, stdout if `keep`) of one call; BenchError if it fails."""
        out = str(self.out) if keep else os.devnull
        job = {
            "argv": list(argv),
            "cwd": str(cwd),
            "out": out,
            "err": str(self.err),
            "in": str(stdin or os.devnull),
        }
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise BenchError("the launcher process stopped (see its traceback above)")
        wall_ns, rss, code = json.loads(reply)
        if code != 0:
            tail = self.err.read_text("utf-8", "replace")[-800:]
            raise BenchError(f"`{' '.join(argv)}` exited {code}:\n{tail}")
        kib = rss // 1024 if sys.platform == "darwin" else rss
        return wall_ns / 1e6, kib, self.out.read_text("utf-8") if keep else ""

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


# -- the test project ----------------------------------------------------------------------------


def _ts(when: dt.datetime) -> str:
    return "'" + when.isoformat() + "'"


def _list(key: str, values: Sequence[object]) -> str:
    return f"{key}:\n" + "".join(f"- {v}\n" for v in values) if values else f"{key}: []\n"


def _history(key: str, field_name: str, steps: Sequence[str], start: dt.datetime) -> str:
    lines, when = [f"{key}:\n"], start
    for n, step in enumerate(steps):
        later = when + dt.timedelta(hours=3 + 7 * n)
        exited = "null" if n == len(steps) - 1 else _ts(later)
        lines.append(f"- {field_name}: {step}\n  entered: {_ts(when)}\n  exited: {exited}\n")
        when = later
    return "".join(lines)


def _pick(rng: random.Random, weighted: dict[str, int]) -> str:
    return rng.choices(list(weighted), list(weighted.values()))[0]


def item_text(num: int, rng: random.Random, blocked_by: list[int], blocks: list[int]) -> str:
    """One WORK.md laid out the way haios writes it; about a third are complete."""
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).capitalize()
    created = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=97 * num)
    done = rng.random() < 1 / 3
    node = (
        "complete"
        if done
        else _pick(rng, {"backlog": 50, "discovery": 10, "plan": 20, "implement": 20})
    )
    queue = (
        "done" if done else _pick(rng, {"backlog": 55, "ready": 25, "parked": 10, "working": 10})
    )
    steps = (
        ("backlog", "plan", "implement", "close", "complete")
        if done
        else OPEN_NODES[: OPEN_NODES.index(node) + 1]
    )
    fields = {
        "id": f"WORK-{num:03d}",
        "title": title,
        "type": _pick(rng, {"feature": 6, "bug": 3, "chore": 1}),
        "status": "complete" if done else "active",
        "priority": _pick(rng, {"critical": 1, "high": 4, "medium": 10, "low": 5}),
        "created": _ts(created),
        "owner": "alice@devbox" if queue == "working" else "null",
        "queue_position": queue,
        "current_node": node,
        "cycle_phase": "do" if node == "implement" else "null",
    }
    refs = [rng.randint(10_000, 90_000) for _ in range(rng.choice((0, 0, 1, 2)))]
    head = "".join(f"{k}: {v}\n" for k, v in fields.items()) + "".join(
        (
            _list("blocked_by", [f"WORK-{n:03d}" for n in blocked_by]),
            _list("blocks", [f"WORK-{n:03d}" for n in blocks]),
            _list("memory_refs", refs),
            _history("node_history", "node", steps, created),
            f"closed: {_ts(created + dt.timedelta(days=9))}\n" if done else "",
            _history("queue_history", "position", ("backlog", "done"), created) if done else "",
        )
    )
    return f"---\n{head}---\n# WORK-{num:03d}: {title}\n\n" + BODY.format(
        rng.choice(WORDS), rng.choice(WORDS)
    )


def populate(work_dir: Path, count: int, seed: int = 7) -> None:
    """Write `count` items: ~a third complete (half of those archived), ~1 in 6 blocked."""
    rng = random.Random(seed)
    blocked = {
        n: sorted(rng.sample(range(1, n), rng.choice((1, 1, 2))))
        for n in range(12, count + 1)
        if rng.random() < 0.18
    }
    blocks: dict[int, list[int]] = {}
    for n, deps in blocked.items():
        for dep in deps:
            blocks.setdefault(dep, []).append(n)
    for num in range(1, count + 1):
        text = item_text(num, rng, blocked.get(num, []), blocks.get(num, []))
        area = "archive" if "\nstatus: complete\n" in text and num % 2 else "active"
        folder = work_dir / area / f"WORK-{num:03d}"
        folder.mkdir()
        (folder / "WORK.md").write_text(text, encoding="utf-8")


def make_project(root: Path, count: int, haios: list[str], launcher: Launcher) -> list[Path]:
    """`haios init` in root plus `count` items; returns some open WORK.md files to edit by hand."""
    root.mkdir()
    launcher.run([*haios, "init"], root)
    populate(root / "docs" / "work", count)
    for stale in (root / ".claude" / "haios" / "state").glob("index.sqlite*"):
        stale.unlink()  # the cold call must build the index
    active = sorted((root / "docs" / "work" / "active").iterdir())[:200]
    return [
        p / "WORK.md" for p in active if "\nstatus: active\n" in (p / "WORK.md").read_text("utf-8")
    ][:32]


# -- the cases -----------------------------------------------------------------------------------


def haios_command() -> tuple[list[str], str]:
    script = Path(sys.executable).parent / "haios"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)], f"{script} (the installed console script)"
    return [sys.executable, "-m", "haios"], f"{sys.executable} -m haios (no console script found)"


def _hand_edit(paths: list[Path]) -> Callable[[int], None]:
    def edit(run: int) -> None:
        with open(paths[run % len(paths)], "a", encoding="utf-8") as fh:
            fh.write(f"- edited by hand, run {run}\n")

    return edit


# name -> (event, payload): what Claude Code sends, with {root} for the project folder
HOOK_CALLS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "PreToolUse: Bash, no opinion": (
        "PreToolUse",
        "hook",
        {"tool_name": "Bash", "tool_input": {"command": "python -m pytest -q", "timeout": 120000}},
    ),
    # not plain words: the shell guards load tree-sitter to parse it
    "PreToolUse: Bash, parsed": (
        "PreToolUse",
        "hook-bash-parsed",
        {
            "tool_name": "Bash",
            "tool_input": {"command": 'git log --oneline | head -5 && echo "done"'},
        },
    ),
    "PreToolUse: Write .env, deny": (
        "PreToolUse",
        "hook",
        {"tool_name": "Write", "tool_input": {"file_path": "{root}/.env", "content": "K=v\n"}},
    ),
    "PostToolUse: Bash": (
        "PostToolUse",
        "hook-other",
        {
            "tool_name": "Bash",
            "tool_input": {"command": "ls"},
            "tool_response": {"stdout": "a\nb\n", "stderr": "", "interrupted": False},
        },
    ),
    "UserPromptSubmit": ("UserPromptSubmit", "hook-other", {"prompt": "add a test for it"}),
}


def hook_cases(root: Path, haios: list[str]) -> list[Case]:
    """`haios hook EVENT` with a payload on stdin, run in the project as Claude Code runs it."""
    cases = []
    for n, (label, (event, kind, fields)) in enumerate(HOOK_CALLS.items()):
        payload = {
            "session_id": "bench",
            "transcript_path": "/dev/null",
            "cwd": str(root),
            "hook_event_name": event,
            "permission_mode": "default",
            **fields,
        }
        path = root.parent / f"hook-{n}.json"
        path.write_text(json.dumps(payload).replace("{root}", str(root)), "utf-8")
        cases.append(Case(f"hook {label}", kind, None, [*haios, "hook", event], root, stdin=path))
    return cases


CHECKPOINTS = 200
STRATEGIES = 20  # what MemoryBridge's digest keeps for a session start
MEMORIES = 10_000  # in the memory server's database, which a session start must not touch


def checkpoint_text(number: int, rng: random.Random) -> str:
    """A checkpoint in the original HAIOS's format, as a long-lived project has hundreds of."""
    refs = "".join(f"  - {rng.randint(80_000, 90_000)}\n" for _ in range(rng.randint(0, 12)))
    pending = "".join(f"  - WORK-{rng.randint(1, 999):03d}\n" for _ in range(rng.randint(0, 3)))
    words = " ".join(rng.choice(WORDS) for _ in range(8))
    return (
        f"---\ntemplate: checkpoint\nsession: {number}\nprior_session: {number - 1}\n"
        f"date: 2026-03-10\nwork_id: WORK-{number % 999 + 1:03d}\nload_memory_refs:\n{refs}"
        f'pending:\n{pending}drift_observed:\n  - "{words}"\ncompleted:\n  - "{words}"\n'
        f"---\n\n# Session {number}\n\n{BODY.format(words, words)}"
    )


def ground(root: Path, seed: int = 11) -> None:
    """The files a session start reads: checkpoints, L0-L2 files, the memory digest; and a
    memory database of MEMORIES learnings beside them, which it must not need to read."""
    rng = random.Random(seed)
    folder = root / "docs" / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, CHECKPOINTS + 1):
        name = f"2026-03-10-{n % 90 + 1:02d}-SESSION-{n}-{rng.choice(WORDS)}.md"
        (folder / name).write_text(checkpoint_text(n, rng), encoding="utf-8")
    context = root / ".claude" / "config"
    context.mkdir(parents=True, exist_ok=True)
    for name, head in (("north-star", "Mission"), ("invariants", "Rules"), ("roadmap", "Next")):
        lines = [f"- {' '.join(rng.choice(WORDS) for _ in range(10))}" for _ in range(40)]
        text = f"# {head}\n\n" + " ".join(rng.choice(WORDS) for _ in range(40)) + "\n\n"
        (context / f"{name}.md").write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
    strategies = [
        {"id": str(n), "content": " ".join(rng.choice(WORDS) for _ in range(20)), "uses": n}
        for n in range(STRATEGIES)
    ]
    digest = {"version": 1, "updated": "2026-12-03T08:00:00Z", "strategies": strategies}
    state = root / ".claude" / "haios" / "state"
    (state / "memory-digest.json").write_text(json.dumps({**digest, "degraded": None}), "utf-8")
    from memory import fill  # benchmarks/memory.py: the memory server's own benchmark

    fill(state / "memory.db", MEMORIES)


def session_cases(root: Path, haios: list[str]) -> list[Case]:
    """SessionStart as Claude Code sends it at startup (a new session id each call: each is
    numbered, journalled and gets the full context), and `haios coldstart`."""
    path = root.parent / "hook-session-start.json"

    def new_session(run: int) -> None:
        payload = {"session_id": f"bench-{run}-{time.monotonic_ns()}", "source": "startup"}
        payload |= {"transcript_path": "/dev/null", "cwd": str(root)}
        path.write_text(json.dumps({**payload, "hook_event_name": "SessionStart"}), "utf-8")

    new_session(-2)
    return [
        Case(
            "hook SessionStart: startup",
            "hook-session",
            None,
            [*haios, "hook", "SessionStart"],
            root,
            new_session,
            stdin=path,
        ),
        Case("haios coldstart", "coldstart", None, [*haios, "coldstart"], root),
    ]


def coldstart_size(root: Path, haios: list[str], launcher: Launcher) -> dict[str, int]:
    """Characters and estimated tokens of the default coldstart text."""
    _, _, out = launcher.run([*haios, "coldstart", "--json"], root, keep=True)
    doc = json.loads(out)
    return {"chars": doc["chars"], "tokens": doc["tokens"], "session": doc["session"]}


def size_cases(root: Path, count: int, haios: list[str], edits: list[Path]) -> list[Case]:
    return [
        Case("haios work ready --json", "ready", count, [*haios, "work", "ready", "--json"], root),
        Case("haios work list --json", "list", count, [*haios, "work", "list", "--json"], root),
        Case("haios work new TITLE", "new", count, [*haios, "work", "new", "Benchmark item"], root),
        Case(
            "ready --json after a hand edit",
            "edit",
            count,
            [*haios, "work", "ready", "--json"],
            root,
            _hand_edit(edits),
        ),
    ]


def cold_and_check(case: Case, launcher: Launcher, log: Callable[[str], None]) -> Case:
    """The first call builds the index (timed once); one more of each command checks the output."""
    cold = Case("ready --json, cold (builds index)", "cold", case.items, case.argv, case.cwd)
    wall, kib, out = launcher.run(case.argv, case.cwd, keep=True)
    cold.times.append(wall)
    cold.rss.append(kib)
    doc = json.loads(out)
    if doc["errors"]:
        raise BenchError(f"generated items do not parse: {doc['errors'][:3]}")
    log(f"  {case.items:,} items: cold ready {wall:,.0f} ms, {doc['total']:,} ready")
    return cold


def warm_up(cases: list[Case], launcher: Launcher) -> None:
    for case in cases:
        if case.prepare:
            case.prepare(-1)
        _, _, out = launcher.run(case.argv, case.cwd, keep=True, stdin=case.stdin)
        if case.kind == "list" and len(json.loads(out)["items"]) < (case.items or 0):
            raise BenchError(f"list shows fewer than {case.items} items")


def measure(cases: list[Case], runs: int, launcher: Launcher, log: Callable[[str], None]) -> None:
    """Round-robin: every run times each entry of `cases` once, starting one later each run."""
    for run in range(runs):
        for k in range(len(cases)):
            case = cases[(run + k) % len(cases)]
            if case.prepare:
                case.prepare(run)
            wall, kib, _ = launcher.run(case.argv, case.cwd, stdin=case.stdin)
            case.times.append(wall)
            case.rss.append(kib)
        log(f"  run {run + 1}/{runs}")


# -- the report ----------------------------------------------------------------------------------


def _verdict(ratio: float, target: float | None) -> str | None:
    return None if target is None else ("PASS" if ratio <= target else "OVER")


def summarise(case: Case, floor: Case) -> dict[str, Any]:
    times = sorted(case.times)
    median = statistics.median(times)
    peak = max(case.rss)
    ratio = median / statistics.median(floor.times)
    rss_ratio = peak / max(floor.rss)
    target = TIME_TARGETS.get(case.kind)
    rss_target = None if case.kind == "floor" else RSS_TARGETS.get(case.kind, RSS_TARGET)
    p95 = times[math.ceil(0.95 * len(times)) - 1]
    p95_ratio = p95 / statistics.median(floor.times)
    p95_target = P95_TARGETS.get(case.kind)
    return {
        "command": case.label,
        "kind": case.kind,
        "items": case.items,
        "argv": case.argv,
        "calls": len(times),
        "median_ms": round(median, 2),
        "min_ms": round(times[0], 2),
        "p95_ms": round(p95, 2),
        "p95_ratio": round(p95_ratio, 2),
        "p95_target_ratio": p95_target,
        "p95_verdict": _verdict(p95_ratio, p95_target),
        "ratio": round(ratio, 2),
        "target_ratio": target,
        "verdict": _verdict(ratio, target),
        "peak_rss_kib": peak,
        "rss_ratio": round(rss_ratio, 2),
        "rss_target_ratio": rss_target,
        "rss_verdict": _verdict(rss_ratio, rss_target),
    }


def _target(ratio: float | None, verdict: str | None) -> str:
    return f"≤{ratio:g}× {verdict}" if ratio is not None else ""


def _row(r: dict[str, Any]) -> str:
    once = r["calls"] == 1
    items = format(r["items"], ",") if r["items"] else "-"
    low, p95 = ("-", "-") if once else (f"{r['min_ms']:.1f}", f"{r['p95_ms']:.1f}")
    p95_note = ""
    if r["p95_target_ratio"] is not None:
        p95_note = f"  (p95 {r['p95_ratio']:.2f}×, ≤{r['p95_target_ratio']:g}× {r['p95_verdict']})"
    return (
        f"{r['command']:<34}{items:>7}{r['median_ms']:>9.1f}{low:>8}{p95:>8}"
        f"{r['ratio']:>8.2f}  {_target(r['target_ratio'], r['verdict']):<11}"
        f"{r['peak_rss_kib'] / 1024:>7.1f} MB{r['rss_ratio']:>8.2f}  "
        f"{_target(r['rss_target_ratio'], r['rss_verdict'])}{p95_note}"
    ).rstrip()


def render(rows: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    head = (
        f"{'command':<34}{'items':>7}{'median':>9}{'min':>8}{'p95':>8}{'×floor':>8}  {'target':<11}"
        f"{'peak RSS':>10}{'×floor':>8}  target"
    )
    lines = [
        f"haios benchmark · Python {meta['python']} · {meta['cpus']} CPUs · load "
        f"{meta['load_before']:.2f} → {meta['load_after']:.2f} · {meta['runs']} runs, interleaved",
        f"floor: {meta['floor']}",
        f"haios: {meta['haios']}",
        "times in ms, wall clock from fork to exit; peak RSS is the highest ru_maxrss (os.wait4)",
        "",
        head,
        "-" * len(head),
    ]
    lines += [_row(r) for r in rows]
    lines += ["", f"total {meta['elapsed_s']:.0f} s; cold rows are one call each, on a fresh index"]
    if meta.get("coldstart"):
        c = meta["coldstart"]
        verdict = "PASS" if c["tokens"] <= COLDSTART_TOKENS else "OVER"
        lines.append(
            f"default coldstart: {c['chars']:,} characters, ~{c['tokens']:,} tokens "
            f"(≤{COLDSTART_TOKENS:,} {verdict}), {CHECKPOINTS} checkpoints, "
            f"{STRATEGIES} strategies, {MEMORIES:,} memories"
        )
    return "\n".join(lines) + "\n"


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench.py", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="item counts (default 1000,10000)")
    parser.add_argument("--runs", type=int, default=15, help="timed calls per command (default 15)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: expected numbers like 1000,10000, got {args.sizes!r}")
    if args.runs < 1 or not args.sizes or min(args.sizes) < 20:
        parser.error("--runs must be ≥ 1 and every size ≥ 20")
    return args


def bench(args: argparse.Namespace, tmp: Path, log: Callable[[str], None]) -> dict[str, Any]:
    started, load_before = time.monotonic(), os.getloadavg()[0]
    # pip compiles bytecode at install time; a checkout run under PYTHONDONTWRITEBYTECODE would
    # otherwise recompile haios in every timed call and measure the compiler, not haios.
    import haios as package

    compileall.compile_dir(Path(package.__file__).parent, quiet=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAIOS_")}
    haios, how = haios_command()
    floor = Case(
        "floor: python -I -c pass", "floor", None, [sys.executable, "-I", "-c", "pass"], tmp
    )
    cases, colds = [floor], []
    coldstart: dict[str, int] = {}
    launcher = Launcher(tmp, env)
    try:
        for count in args.sizes:
            log(f"creating a project with {count:,} items")
            root = tmp / f"p{count}"
            per_size = size_cases(root, count, haios, make_project(root, count, haios, launcher))
            colds.append(cold_and_check(per_size[0], launcher, log))
            if count == args.sizes[0]:
                ground(root)
                per_size = hook_cases(root, haios) + session_cases(root, haios) + per_size
                coldstart = coldstart_size(root, haios, launcher)
                log(f"  coldstart: {coldstart['chars']} characters, ~{coldstart['tokens']} tokens")
            warm_up(per_size, launcher)
            cases += per_size
        warm_up([floor], launcher)
        log(f"timing {len(cases) - 1} commands × {args.runs} runs, the floor before each")
        # The floor divides every ratio, so it is timed next to each command, not once a run.
        measure([c for case in cases[1:] for c in (floor, case)], args.runs, launcher, log)
    finally:
        launcher.close()
    rows = [summarise(c, floor) for c in cases + colds]
    rows.sort(key=lambda r: (r["items"] or 0, ORDER.index(r["kind"])))
    return {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "floor": " ".join(floor.argv),
        "haios": how,
        "runs": args.runs,
        "sizes": args.sizes,
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "elapsed_s": round(time.monotonic() - started, 1),
        "coldstart": coldstart,
        "results": rows,
    }


PLUGIN_BUDGET = 2000


def plugin_tokens(tmp: Path) -> dict[str, Any]:
    """The Claude Code plugin's projected always-on token cost, from `claude plugin details`
    (the pinned CLI of tests/e2e, offline, HOME in `tmp`), or why it could not be measured."""
    checkout = str(Path(__file__).resolve().parents[1])
    if checkout not in sys.path:  # this script runs from a checkout, beside its tests
        sys.path.insert(0, checkout)
    from haios.cli import plugin
    from tests.e2e import claude

    problem = claude.missing()
    if problem:
        return {"tokens": None, "budget": PLUGIN_BUDGET, "skipped": problem}
    (tmp / "home").mkdir(parents=True)
    source = claude.plugin_source(plugin.files(), tmp / "market")
    tokens = claude.always_on_tokens(claude.install_plugin(source, tmp / "home"))
    return {"tokens": tokens, "budget": PLUGIN_BUDGET, "skipped": None}


def render_plugin(row: dict[str, Any]) -> str:
    if row["tokens"] is None:
        return f"plugin always-on tokens: not measured ({row['skipped']})\n"
    verdict = "ok" if row["tokens"] <= row["budget"] else "OVER"
    return f"plugin always-on tokens: ~{row['tokens']} (target ≤ {row['budget']}: {verdict})\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="haios-bench-"))
    try:
        report = bench(args, tmp, log)
        log("installing the Claude Code plugin to read its token cost")
        report["plugin"] = plugin_tokens(tmp / "plugin")
    except BenchError as exc:
        log(f"bench: error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("bench: interrupted")
        return 130
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        json.dump(report, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(report["results"], report) + render_plugin(report["plugin"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
