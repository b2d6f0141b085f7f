"""The lines of each part of the session context, in their full, summary and pointer forms."""

from __future__ import annotations

import os
import re

from haios.context.budget import Section, tokens

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from haios.context.checkpoints import Checkpoint
    from haios.contracts import GroundedContext, WorkState

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
TIER_PARTS = {  # the sections each tier shows (header, warnings and notes always)
    "minimal": {"session"},
    "light": {"session", "ready", "operational", "strategies"},
    "full": {"session", "ready", "operational", "strategies", "north_star", "invariants"}
    | {"roadmap"},
}
LIST_MAX = 8  # pending items, drift warnings, next steps shown in full


def read_context_file(path: str, max_bytes: int, notes: list[str]) -> str:
    """An L0–L2 file without frontmatter and HTML comments; "" when missing. A file larger than
    `max_bytes` is read up to there (whole lines), with a note."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            raw = fh.read(max_bytes)
    except OSError:
        return ""
    text = raw.decode("utf-8", errors="replace")
    name = os.path.basename(path)
    if size > max_bytes:
        text = text.rsplit("\n", 1)[0]
        notes.append(
            f"{name} is {size / 1048576:.1f} MB; only its first {max_bytes // 1024} KB were read"
        )
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        text = text[end + 4 :] if end > 0 else text
    text = _COMMENT.sub("", text)
    lines = [line.rstrip() for line in text.split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    if all(not line.strip() or line.startswith("#") for line in kept):
        return ""  # headings only, as a starter file is before it is written
    return "\n".join(kept).strip("\n")


def label(item: WorkState) -> str:
    return f"{item.id} «{item.title}»"


def where(item: WorkState) -> str:
    phase = f", phase {item.cycle_phase}" if item.cycle_phase else ""
    return f"{label(item)} (node {item.current_node}{phase})"


def operational(active: Sequence[WorkState], ready_total: int) -> list[str]:
    lines = [f"Claimed: {where(w)}, by {w.owner}" for w in active[:5]]
    if len(active) > 5:
        lines.append(f"… and {len(active) - 5} more claimed (`haios work list --queue working`)")
    return lines or ["No item is claimed."]


def session_lines(held: WorkState | None, checkpoint: Checkpoint | None, root: str) -> list[str]:
    lines = [
        f"You hold {where(held)}."
        if held
        else "You hold no work item; `haios work next --claim` takes the top ready one."
    ]
    if checkpoint is not None:
        path = os.path.relpath(checkpoint.path, root)
        title = re.sub(r"^Session \d+:\s*", "", str(checkpoint.data.get("title") or ""))
        day = checkpoint.data.get("date") or ""
        lines.append(
            f"Last checkpoint: {path} (session {checkpoint.number}"
            + (f", {day}" if day else "")
            + (f": {title}" if title and str(title) not in path else "")
            + ")."
        )
        steps = checkpoint.items("next_steps")
        lines += [f"Next: {s}" for s in steps[:LIST_MAX]]
        lines += [f"Done last time: {c}" for c in checkpoint.items("completed")[:3]]
    return lines


def warnings(
    checkpoint: Checkpoint | None, orphans: Sequence[Mapping[str, Any]], root: str
) -> list[str]:
    """Orphaned sessions, then the last checkpoint's pending items, drift and problems."""
    lines = [_orphan(o) for o in orphans]
    if orphans:
        lines.append(uncommitted(root))
    if checkpoint is not None:
        n = checkpoint.number
        lines += [f"Pending from session {n}: {p}" for p in checkpoint.items("pending")]
        lines += [f"Drift seen in session {n}: {d}" for d in checkpoint.items("drift_observed")]
        if checkpoint.problems:
            path = os.path.relpath(checkpoint.path, root)
            lines.append(
                f"Checkpoint {path}: frontmatter partly unreadable "
                f"({checkpoint.problems[0]}); read the file itself"
            )
    return lines


def _orphan(record: Mapping[str, Any]) -> str:
    held = f", holding {record['work']}" if record.get("work") else ""
    return (
        f"Session {record.get('number')} never ended (no SessionEnd, no checkpoint); "
        f"last seen {record.get('last_seen')}{held}, {record.get('turns', 0)} turns."
    )


def uncommitted(root: str) -> str:
    """What git says is uncommitted, in one line (one `git status` call)."""
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=1.5,
        )
    except (OSError, subprocess.SubprocessError):
        return "Uncommitted: unknown (git did not answer)."
    if proc.returncode != 0:
        return "Uncommitted: unknown (not a git repository)."
    paths = [line[3:] for line in proc.stdout.splitlines() if line.strip()]
    if not paths:
        return "Uncommitted: nothing; the work tree is clean."
    shown = ", ".join(paths[:5]) + (f", … ({len(paths)} in all)" if len(paths) > 5 else "")
    return f"Uncommitted: {shown}."


def strategy_lines(strategies: Sequence[Mapping[str, Any]], limit: int) -> tuple[str, ...]:
    lines = []
    for item in strategies[:limit]:
        text = " ".join(str(item.get("content", "")).split())
        if len(text) > 200:
            text = text[:200].rsplit(" ", 1)[0] + " …"
        if text:
            work = f" ({item['work_id']})" if item.get("work_id") else ""
            lines.append(f"- {text}{work}")
    return tuple(lines)


def _paragraph(lines: list[str]) -> list[str]:
    """The first block of non-blank lines (with a heading before it, if any)."""
    out: list[str] = []
    for line in lines:
        if not line.strip():
            if out and not out[-1].startswith("#"):
                break
            continue
        out.append(line)
    return out


def _file_section(name: str, level: str, title: str, text: str, path: str, root: str) -> Section:
    rel = os.path.relpath(path, root)
    if not text.strip():
        why = "empty" if os.path.exists(path) else f"missing: write {rel}"
        return Section(name, level, {}, source=rel, missing=why)
    lines = text.split("\n")
    pointer = f"{title}: read {rel} (≈{tokens(text)} tokens)."
    return Section(
        name,
        level,
        {"full": [f"{title} ({rel}):", *lines], "summary": _paragraph(lines), "pointer": [pointer]},
        source=rel,
    )


def _list_section(
    name: str,
    level: str,
    lines: list[str],
    pointer: str,
    keep: int,
    pointer_form: list[str] | None = None,
    **extra: Any,
) -> Section:
    if not lines:
        return Section(name, level, {}, **extra)
    more = [f"… {len(lines) - keep} more: {pointer}"] if len(lines) > keep else []
    forms = {"full": lines, "summary": lines[:keep] + more, "pointer": pointer_form or [pointer]}
    if len(lines) <= keep:
        forms.pop("summary")
    return Section(name, level, forms, **extra)


def sections(context: GroundedContext, root: str, context_dir: str) -> list[Section]:
    """Every section in the order of the text; those the tier does not show are left out."""
    parts = [
        *_session_parts(context),
        *_work_parts(context),
        *(
            _file_section(name, level, title, text, os.path.join(root, context_dir, file), root)
            for name, level, title, text, file in (
                ("north_star", "l0", "North star", context.l0_north_star, "north-star.md"),
                ("invariants", "l1", "Invariants", context.l1_invariants, "invariants.md"),
                ("roadmap", "l2", "Roadmap", context.roadmap, "roadmap.md"),
            )
        ),
    ]
    shown = TIER_PARTS[context.tier] | {"header", "warnings", "notes"}
    for part in parts:
        if part.name not in shown:
            part.reason = part.reason if part.chosen < 0 else ""
            part.chosen = -1
            part.reason = part.reason or f"tier {context.tier} leaves it out"
    return parts


def _session_parts(context: GroundedContext) -> list[Section]:
    """The essentials: header, warnings, notes, this session."""
    checkpoint = context.checkpoint or "the last checkpoint"
    prior = f" (prior {context.prior_session})" if context.prior_session else ""
    header = [
        f"haios · session {context.session_number}{prior} · {context.trigger} · "
        f"tier {context.tier}",
        "Work items change only through `haios work …` (never by editing WORK.md keys); "
        "`haios status` shows where things stand.",
    ]
    session = context.l3_session.split("\n") if context.l3_session else []
    pointer = session[:1] + ([f"Last checkpoint: read {checkpoint}."] if context.checkpoint else [])
    return [
        Section("header", "header", {"full": header}, essential=True),
        _list_section(
            "warnings", "l3", list(context.warnings), f"read {checkpoint}", 4, essential=True
        ),
        Section("notes", "notes", {"full": [f"Note: {n}" for n in context.notes]}, essential=True),
        _list_section(
            "session", "l3", session, f"read {checkpoint}", 3, pointer, essential=True,
            source=context.checkpoint or "",
        ),
    ]  # fmt: skip


def _work_parts(context: GroundedContext) -> list[Section]:
    """Ready work, claimed items, strategies from memory."""
    ready = [f"- {label(w)} ({w.priority}, {w.current_node})" for w in context.ready_work]
    ready_head = f"Ready ({context.ready_total}); take the next with `haios work next --claim`:"
    operational = context.l2_operational.split("\n") if context.l2_operational else []
    strategies = ["Strategies from memory:", *context.strategies] if context.strategies else []
    return [
        _list_section(
            "ready", "l2", [ready_head, *ready] if ready else [],
            f"{context.ready_total} ready: `haios work ready`", 4,
        ),
        _list_section("operational", "l2", operational, "`haios status`", 2),
        _list_section(
            "strategies", "l3", strategies, f"{len(context.strategies)} strategies in memory", 2,
            source="memory (session_recovery)",
        ),
    ]  # fmt: skip
