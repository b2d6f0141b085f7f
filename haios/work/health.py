"""What `haios doctor` checks about the work items: parse errors, duplicate ids, dependencies."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from haios.work.index import Index


@dataclass(frozen=True)
class Finding:
    """One problem and the command (or edit) that fixes it."""

    problem: str
    fix: str


def check(index: Index) -> list[Finding]:
    index.refresh()
    found = [
        Finding(
            f"unreadable WORK.md: {error}",
            "fix the file by hand (its body and other items "
            "are untouched), then `haios work reindex`",
        )
        for _, error in index.errors()
    ]
    rows = {key: json.loads(row) for _, key, row in index.ids()}
    by_id: dict[str, list[str]] = defaultdict(list)
    for key, row in rows.items():
        by_id[row["id"]].append(key)
        folder = key.split("/", 1)[1]
        if folder != row["id"]:
            found.append(
                Finding(
                    f"{row['path']}: folder {folder} holds id {row['id']}",
                    f"`haios work renumber {row['id']}` if it is a duplicate, "
                    "else rename the folder to its id",
                )
            )
    for work_id, keys in sorted(by_id.items()):
        if len(keys) > 1:
            found.append(
                Finding(
                    f"duplicate id {work_id}: {', '.join(keys)}", f"`haios work renumber {work_id}`"
                )
            )
    relations = {row["id"]: row for row in rows.values()}
    for row in sorted(rows.values(), key=lambda r: r["id"]):
        if row["status"] != "active":
            continue  # a closed item's old blockers no longer matter
        for blocker in row["blocked_by"]:
            if blocker not in relations:
                found.append(
                    Finding(
                        f"{row['id']} is blocked by {blocker}, which does not exist",
                        f"`haios work unblock {row['id']} --by {blocker}`",
                    )
                )
    return found
