"""Checkpoints: the one writer of `docs/checkpoints/*.md`, and the reader of the latest one.

A checkpoint is `YYYY-MM-DD-NN-SESSION-N-<slug>.md` (NN: its rank that day) with the original
HAIOS's frontmatter (`session`, `prior_session`, `date`, `work_id`, `load_principles`,
`load_memory_refs`, `pending`, `drift_observed`, `completed`) plus `decisions` and
`next_steps`, and a body with one section each. Files are created exclusively, never replaced.
"""

from __future__ import annotations

import os
import re
import time

from haios.context import frontmatter, names

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

MAX_READ = 256 * 1024  # bytes of a checkpoint read; the frontmatter comes first
SECTIONS = (  # frontmatter key, body heading
    ("completed", "Done"),
    ("decisions", "Decisions"),
    ("next_steps", "Next"),
    ("pending", "Pending"),
    ("drift_observed", "Drift observed"),
    ("load_memory_refs", "Memory refs"),
)


class Checkpoint:
    """One checkpoint as read: its number, frontmatter values, body, and what could not be read."""

    def __init__(
        self, path: str, number: int | None, data: dict[str, Any], problems: list[str]
    ) -> None:
        self.path = path
        self.number = number
        self.data = data
        self.problems = problems
        try:
            self.mtime = os.stat(path).st_mtime
        except OSError:
            self.mtime = 0.0

    def items(self, key: str) -> list[str]:
        """A list field as lines of text (a scalar counts as one item; None as none)."""
        value = self.data.get(key)
        if value is None or value == "":
            return []
        values = value if isinstance(value, list) else [value]
        return [str(v) for v in values if v is not None and str(v).strip()]


def read(path: str) -> Checkpoint:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read(MAX_READ)
    except OSError as exc:
        return Checkpoint(path, None, {}, [f"cannot read it ({exc.strerror})"])
    parts = frontmatter.split(text)
    if parts is None:
        number = names.number_in_name(os.path.basename(path))
        return Checkpoint(path, number, {}, ["no frontmatter"])
    data, problems = frontmatter.parse(parts[0])
    number = data.get("session") if isinstance(data.get("session"), int) else None
    if number is None:
        number = names.number_in_name(os.path.basename(path))
    return Checkpoint(path, number, data, problems)


def latest(folder: str, before: int | None = None, cache: str | None = None) -> Checkpoint | None:
    """The checkpoint with the highest session number (below `before` when given); `cache` as
    for `names.checkpoint_files`."""
    found = [
        (n, os.path.basename(p), p)
        for p, n in names.checkpoint_files(folder, cache)
        if n is not None and (before is None or n < before)
    ]
    return read(max(found)[2]) if found else None


def slug(title: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return words[:50].rstrip("-") or "checkpoint"


def write(
    folder: str,
    number: int,
    prior: int | None,
    title: str,
    *,
    work_id: str | None = None,
    lists: dict[str, Sequence[str | int]] | None = None,
    status: str = "complete",
    note: str = "",
) -> str:
    """Create the checkpoint of session `number`; return its path. `lists` holds the values of
    the SECTIONS keys and of `load_principles`."""
    lists = lists or {}
    day = time.strftime("%Y-%m-%d")
    data: dict[str, Any] = {
        "template": "checkpoint",
        "session": number,
        "prior_session": prior,
        "date": day,
        "title": f"Session {number}: {title}",
        "work_id": work_id,
        "status": status,
        "load_principles": list(lists.get("load_principles", [])),
        **{key: list(lists.get(key, [])) for key, _ in SECTIONS},
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    text = "---\n" + frontmatter.render(data) + "---\n" + _body(data, note)
    os.makedirs(folder, exist_ok=True)
    rank = sum(1 for n in os.listdir(folder) if n.startswith(day + "-")) + 1
    while True:
        path = os.path.join(folder, f"{day}-{rank:02d}-SESSION-{number}-{slug(title)}.md")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            rank += 1
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        return path


def _body(data: dict[str, Any], note: str) -> str:
    out = [f"\n# {data['title']}\n"]
    if note:
        out.append(f"\n{note}\n")
    for key, heading in SECTIONS:
        values = data[key]
        if values or key in ("completed", "next_steps"):
            out.append(f"\n## {heading}\n\n")
            out.append("".join(f"- {v}\n" for v in values) or "- (none)\n")
    return "".join(out)


def closing_checkpoint(root: str, folder: str, record: dict[str, Any]) -> str:
    """The checkpoint SessionEnd writes for a session that worked and wrote none; its path
    relative to `root`."""
    work = record.get("work")
    path = write(
        folder,
        int(record["number"]),
        record.get("prior"),
        "ended without a checkpoint",
        work_id=work,
        lists={"pending": [work] if work else []},
        status="auto",
        note=(
            f"Written by haios at SessionEnd ({record.get('end_reason')}): the session wrote no "
            f"checkpoint of its own. {record.get('turns', 0)} turns, "
            f"{record.get('compactions', 0)} compactions, started {record.get('started')}."
        ),
    )
    return os.path.relpath(path, root)
