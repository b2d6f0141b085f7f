"""The derived index follows the WORK.md files, whatever changed them, on the very next call.

Each call below is a new `haios` process, so nothing is remembered but the SQLite index itself.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from haios.project import Project


def _item(project: Project, work_id: str, area: str = "active") -> Path:
    return project.root / "docs" / "work" / area / work_id / "WORK.md"


def _listed(haios: Any, *args: str) -> dict[str, Any]:
    result = haios("work", "list", "--json", *args)
    assert result.code == 0, result.err
    document: dict[str, Any] = result.json()
    return document


def _titles(haios: Any) -> dict[str, str]:
    return {row["id"]: row["title"] for row in _listed(haios)["items"]}


def _ready(haios: Any) -> list[str]:
    result = haios("work", "ready", "--json", "--all")
    assert result.code == 0, result.err
    return [row["id"] for row in result.json()["items"]]


def _new(haios: Any, *titles: str) -> None:
    for title in titles:
        assert haios("work", "new", title).code == 0


HAND_WRITTEN = """---
id: {id}
title: {title}
status: active
current_node: plan
---
# {title}

Written by hand, not by haios.
"""


def test_an_edit_in_place_of_the_same_size_is_seen(project: Project, haios: Any) -> None:
    _new(haios, "alpha", "beta")
    assert _titles(haios) == {"WORK-001": "alpha", "WORK-002": "beta"}
    path = _item(project, "WORK-001")
    before = os.stat(path)

    with open(path, "r+b") as fh:  # what an editor that writes in place does: same inode
        text = fh.read()
        fh.seek(0)
        fh.write(text.replace(b"title: alpha", b"title: omega"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    after = os.stat(path)
    assert (after.st_ino, after.st_size) == (before.st_ino, before.st_size)

    assert _titles(haios) == {"WORK-001": "omega", "WORK-002": "beta"}


def test_an_item_added_by_hand_is_listed_and_ready(project: Project, haios: Any) -> None:
    _new(haios, "made by haios")
    assert _ready(haios) == ["WORK-001"]
    path = _item(project, "HAND-7")
    path.parent.mkdir()
    path.write_text(HAND_WRITTEN.format(id="HAND-7", title="made by hand"), "utf-8")

    row = {r["id"]: r for r in _listed(haios)["items"]}["HAND-7"]
    assert (row["title"], row["node"], row["path"]) == (
        "made by hand",
        "plan",
        "docs/work/active/HAND-7/WORK.md",
    )
    assert sorted(_ready(haios)) == ["HAND-7", "WORK-001"]


def test_an_item_removed_by_hand_disappears(project: Project, haios: Any) -> None:
    _new(haios, "kept", "folder removed", "file removed")
    assert len(_titles(haios)) == 3
    shutil.rmtree(_item(project, "WORK-002").parent)
    _item(project, "WORK-003").unlink()  # the folder stays, with no WORK.md in it

    assert _titles(haios) == {"WORK-001": "kept"}
    assert _ready(haios) == ["WORK-001"]


def test_a_file_replaced_by_rename_is_seen_even_with_same_size_and_mtime(
    project: Project, haios: Any
) -> None:
    _new(haios, "original")
    assert _titles(haios) == {"WORK-001": "original"}
    path = _item(project, "WORK-001")
    before = os.stat(path)
    temp = path.with_name(".WORK.md.swp")  # an editor's (or git checkout's) new file
    temp.write_bytes(path.read_bytes().replace(b"title: original", b"title: replaced"))
    os.utime(temp, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(temp, path)
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert after.st_ino != before.st_ino

    assert _titles(haios) == {"WORK-001": "replaced"}


def test_a_folder_moved_to_the_archive_is_found_there(project: Project, haios: Any) -> None:
    _new(haios, "to archive", "stays")
    assert len(_titles(haios)) == 2
    os.rename(_item(project, "WORK-001").parent, _item(project, "WORK-001", "archive").parent)

    rows = {r["id"]: r for r in _listed(haios)["items"]}
    assert rows["WORK-001"]["path"] == "docs/work/archive/WORK-001/WORK.md"
    assert rows["WORK-002"]["path"] == "docs/work/active/WORK-002/WORK.md"
    assert len(rows) == 2
    shown = haios("work", "show", "WORK-001", "--json")
    assert shown.code == 0, shown.err
    assert shown.json()["path"].endswith("archive/WORK-001/WORK.md")


def test_deleting_the_state_folder_loses_nothing(project: Project, haios: Any) -> None:
    _new(haios, "one", "two", "three")
    assert haios("work", "block", "WORK-003", "--by", "WORK-001").code == 0
    assert haios("work", "move", "WORK-002", "plan").code == 0
    assert haios("work", "claim", "WORK-002", "--owner", "me").code == 0
    views = [("list", "--json"), ("ready", "--json", "--all"), ("list", "--json", "--node", "plan")]
    before = [haios("work", *view).out for view in views]

    shutil.rmtree(project.state_dir)

    assert [haios("work", *view).out for view in views] == before
    assert _ready(haios) == ["WORK-001"]


def test_reindex_rebuilds_what_the_index_got_wrong(project: Project, haios: Any) -> None:
    _new(haios, "alpha", "beta")
    assert _titles(haios) == {"WORK-001": "alpha", "WORK-002": "beta"}
    db = sqlite3.connect(project.state_dir / "index.sqlite")
    with db:
        db.execute("UPDATE items SET row = replace(row, '\"alpha\"', '\"stale\"')")
    db.close()
    assert _titles(haios)["WORK-001"] == "stale"  # the files did not change: the index is trusted

    result = haios("work", "reindex", "--json")

    assert result.code == 0, result.err
    assert result.json() == {"indexed": 2, "errors": []}
    assert _titles(haios) == {"WORK-001": "alpha", "WORK-002": "beta"}


def test_a_corrupt_index_file_is_rebuilt(project: Project, haios: Any) -> None:
    _new(haios, "alpha")
    assert _titles(haios) == {"WORK-001": "alpha"}
    (project.state_dir / "index.sqlite").write_bytes(b"not a database, a torn copy" * 100)

    assert _titles(haios) == {"WORK-001": "alpha"}


def test_a_broken_file_is_listed_under_errors_and_the_rest_still_list(
    project: Project, haios: Any
) -> None:
    _new(haios, "fine", "to break", "also fine")
    path = _item(project, "WORK-002")
    good = path.read_bytes()
    path.write_text("---\ntitle: [never closed\nid: WORK-002\n---\nbody\n", "utf-8")

    listed = _listed(haios)
    assert [row["id"] for row in listed["items"]] == ["WORK-001", "WORK-003"]
    assert listed["count"] == 2
    [error] = listed["errors"]
    assert error["key"] == "active/WORK-002"
    assert str(path) in error["error"]
    assert "line 3" in error["error"]
    assert _ready(haios) == ["WORK-001", "WORK-003"]
    human = haios("work", "list")
    assert human.code == 0
    assert f"haios: warning: skipped unreadable item: {path}" in human.err

    path.write_bytes(good)  # fixed by hand: back on the next call
    assert _listed(haios)["errors"] == []
    assert len(_listed(haios)["items"]) == 3
