"""Gate kinds: plain functions of a gate's arguments and a GateContext, in one registry.

Each kind answers (passed, what it found, how to fix it). None of them writes anything, and
none raises for a problem in the project: a missing file, a hanging or missing command is a
failed gate whose reason says so.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
from collections.abc import Callable, Mapping
from importlib import import_module
from pathlib import Path

from haios.contracts import GateContext, GateResult
from haios.cycleconfig import Gate
from haios.project import HAIOS_DIR, packaged_defaults

Verdict = tuple[bool, str, str]  # passed, what was found, how to fix it
Kind = Callable[[str, Gate, GateContext], Verdict]

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BOX = re.compile(r"^\s*[-*+]\s+\[([ xX])\]\s*(.*?)\s*$")
_EMPTY_BULLET = re.compile(r"^[-*+]\s*(\[[ xX]?\])?\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_TAIL_LINES, _TAIL_CHARS = 3, 300


def _fill(text: str, context: GateContext) -> str:
    folder = os.path.relpath(Path(context.work.path).parent, context.root)
    return text.replace("{id}", context.work.id).replace("{folder}", folder)


def section(text: str, heading: str) -> list[str] | None:
    """The lines under `heading` (any level, case-insensitive) up to the next heading of the
    same or a higher level, or None when there is no such heading. Code fences are skipped."""
    lines: list[str] | None = None
    level, fenced = 0, False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match and lines is not None and len(match.group(1)) <= level:
            break
        if lines is not None:
            lines.append(line)
        elif match and match.group(2).casefold() == heading.casefold():
            lines, level = [], len(match.group(1))
    return lines


def _template_lines(root: str, heading: str) -> set[str]:
    """The lines of the work template under `heading`: placeholders, not content."""
    override = Path(root, HAIOS_DIR, "config", "work-template.md")
    template = override if override.is_file() else packaged_defaults() / "work-template.md"
    try:
        lines = section(template.read_text("utf-8"), heading) or []
    except (OSError, UnicodeDecodeError):
        lines = []
    return {line.strip() for line in lines if line.strip()}


def _read(gate: Gate, context: GateContext) -> tuple[str | None, str]:
    """(text of the gate's document, its path from the root); text None when unreadable."""
    path = Path(context.work.path).parent / gate.document
    shown = os.path.relpath(path, context.root)
    try:
        return path.read_text("utf-8"), shown
    except (OSError, UnicodeDecodeError):
        return None, shown


def section_filled(gate_id: str, gate: Gate, context: GateContext) -> Verdict:
    heading = gate.section or ""
    text, shown = _read(gate, context)
    if text is None:
        return False, f"{shown} is missing", f"create it with a `## {heading}` section"
    lines = section(_COMMENT.sub("", text), heading)
    if lines is None:
        return False, f"{shown} has no `## {heading}` section", "add it and fill it in"
    placeholders = _template_lines(context.root, heading) if gate.document == "WORK.md" else set()
    content = [
        line.strip()
        for line in lines
        if line.strip()
        and not _EMPTY_BULLET.match(line.strip())
        and line.strip() not in placeholders
    ]
    if not content:
        return (
            False,
            f"`## {heading}` in {shown} is empty",
            "write it (the template text does not count)",
        )
    return True, f"`## {heading}` in {shown} is filled", ""


def checklist_done(gate_id: str, gate: Gate, context: GateContext) -> Verdict:
    heading = gate.section or ""
    text, shown = _read(gate, context)
    if text is None:
        return False, f"{shown} is missing", f"create it with a `## {heading}` checklist"
    lines = section(_COMMENT.sub("", text), heading)
    boxes = [m for m in map(_BOX.match, lines or []) if m and m.group(2)]
    if not boxes:
        return (
            False,
            f"`## {heading}` in {shown} has no checklist items",
            "list them as `- [ ] …` and tick each one (`- [x]`) when it holds",
        )
    open_items = [m.group(2) for m in boxes if m.group(1) == " "]
    if open_items:
        named = "; ".join(repr(i) for i in open_items[:3]) + (" …" if len(open_items) > 3 else "")
        return (
            False,
            f"{len(open_items)} of {len(boxes)} items under `## {heading}` in {shown} "
            f"are not ticked: {named}",
            "finish them, then tick each one (`- [x]`)",
        )
    return True, f"all {len(boxes)} items under `## {heading}` in {shown} are ticked", ""


def files_exist(gate_id: str, gate: Gate, context: GateContext) -> Verdict:
    root = Path(context.root)
    missing = []
    for pattern in (_fill(p, context) for p in gate.paths):
        wildcard = any(c in pattern for c in "*?[")
        found = any(root.glob(pattern)) if wildcard else (root / pattern).exists()
        if not found:
            missing.append(pattern)
    if missing:
        return False, f"missing: {', '.join(missing)}", "create them"
    return True, f"present: {', '.join(gate.paths)}", ""


def _argv(gate: Gate, context: GateContext) -> list[str]:
    command = gate.command or ()
    words = shlex.split(command) if isinstance(command, str) else list(command)
    return [_fill(word, context) for word in words]


def _tail(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()][-_TAIL_LINES:]
    tail = " | ".join(lines)
    return tail if len(tail) <= _TAIL_CHARS else "…" + tail[-_TAIL_CHARS:]


def _stop(proc: subprocess.Popen[str]) -> None:
    """Kill the command and everything it started (it runs in its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (AttributeError, OSError):
        proc.kill()
    proc.communicate()


def command_succeeds(gate_id: str, gate: Gate, context: GateContext) -> Verdict:
    argv = _argv(gate, context)
    shown = shlex.join(argv)
    if not context.run_commands:
        return True, f"`{shown}` not run here (`haios cycle check` runs it)", ""
    try:
        proc = subprocess.Popen(
            argv,
            cwd=context.root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except FileNotFoundError:
        return False, f"`{argv[0]}` is not installed or not on PATH", _command_fix(gate_id)
    except OSError as exc:
        return False, f"`{shown}` cannot start: {exc.strerror}", _command_fix(gate_id)
    try:
        output, _ = proc.communicate(timeout=gate.timeout)
    except subprocess.TimeoutExpired:
        _stop(proc)
        return (
            False,
            f"`{shown}` did not finish in {gate.timeout:g} s and was stopped",
            f"make it faster, or raise gates.{gate_id}.timeout",
        )
    if proc.returncode != 0:
        tail = _tail(output)
        found = f"`{shown}` exited {proc.returncode}" + (f": {tail}" if tail else "")
        return False, found, f"run `{shown}` and fix what it reports"
    return True, f"`{shown}` succeeded", ""


def _command_fix(gate_id: str) -> str:
    return f"install it, or fix gates.{gate_id}.command in gates.yaml"


def no_open_blockers(gate_id: str, gate: Gate, context: GateContext) -> Verdict:
    open_ = [i for i, s in context.blockers.items() if s in ("active", "missing")]
    if open_:
        named = ", ".join(f"{i} ({context.blockers[i]})" for i in open_)
        return (
            False,
            f"blocked by {named}",
            f"finish those first, or `haios work unblock {context.work.id} --by {open_[0]}`",
        )
    return True, "nothing blocks it", ""


def memory_stored(gate_id: str, gate: Gate, context: GateContext) -> Verdict:
    refs = context.work.memory_refs
    if not refs:
        return (
            False,
            f"no memory is linked to {context.work.id}",
            "store its learnings (`haios memory store`, or close it through close-work)",
        )
    return True, f"{len(refs)} memor{'y' if len(refs) == 1 else 'ies'} linked", ""


def _imported(target: str) -> Kind:
    module, _, function = target.partition(":")
    kind: Kind = getattr(import_module(module), function)
    return kind


KINDS: dict[str, Kind] = {
    "section_filled": section_filled,
    "checklist_done": checklist_done,
    "files_exist": files_exist,
    "command_succeeds": command_succeeds,
    "no_open_blockers": no_open_blockers,
    "memory_stored": memory_stored,
}


def check(
    gate_id: str, gate: Gate, context: GateContext, more: Mapping[str, str] | None = None
) -> GateResult:
    """Run the gate's kind (built in, or `module:function` from `more`, the `kinds` of
    gates.yaml); a failure's reason says what failed and how to fix it."""
    kind = KINDS.get(gate.kind) or _imported((more or {})[gate.kind])
    passed, found, fix = kind(gate_id, gate, context)
    if passed:
        return GateResult(gate_id, True, found)
    return GateResult(gate_id, False, f"{found}; {gate.fix or fix}")
