"""Session numbering: legacy checkpoint names, one source of truth keyed by Claude Code's session
id, distinct numbers for sessions that start at once, and orphaned sessions."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from haios.context import names
from haios.context.sessions import SessionStore

from .conftest import LEGACY_CHECKPOINTS


def store(tmp_path: Path, checkpoints: Path | None = None) -> SessionStore:
    folder = checkpoints or tmp_path / "checkpoints"
    return SessionStore(str(tmp_path / "state"), str(folder))


def legacy(tmp_path: Path) -> Path:
    folder = tmp_path / "checkpoints"
    shutil.copytree(LEGACY_CHECKPOINTS, folder)
    return folder


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("2026-03-10-01-SESSION-484-work-275-investigation-complete.md", 484),
        ("2025-12-02-SESSION-19-collaboration-dogfood.md", 19),
        ("S457-checkpoint.md", 457),
        ("checkpoint-446.md", 446),
        ("2026-12-03-02-SESSION-7-a-slug.md", 7),
        ("notes.md", None),
        ("2026-03-10-summary.md", None),
    ],
)
def test_every_legacy_name_gives_its_number(name: str, number: int | None) -> None:
    assert names.number_in_name(name) == number


def test_the_legacy_checkpoints_are_read_by_name_and_frontmatter(tmp_path: Path) -> None:
    found = {Path(p).name: n for p, n in names.checkpoint_files(str(legacy(tmp_path)))}
    assert found == {
        "2025-12-02-SESSION-19-collaboration-dogfood.md": 19,
        "2026-03-10-01-SESSION-484-work-275-investigation-complete.md": 484,
        "2026-03-10-02-SESSION-485-20-agent-system-review-with-critique-verification.md": 485,
        "S457-checkpoint.md": 457,
        "checkpoint-446.md": 446,
    }


def test_the_frontmatter_wins_over_the_name(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    (folder / "S12-checkpoint.md").write_text("---\ntemplate: checkpoint\nsession: 31\n---\n")
    (folder / "checkpoint-40.md").write_text("# no frontmatter\nsession: 99\n")
    assert dict(names.checkpoint_files(str(folder))) == {
        str(folder / "S12-checkpoint.md"): 31,
        str(folder / "checkpoint-40.md"): 40,
    }


def test_a_project_with_legacy_checkpoints_goes_on_from_the_highest(tmp_path: Path) -> None:
    sessions = store(tmp_path, legacy(tmp_path))
    assert sessions.next_number() == 486
    record, orphans = sessions.start("abc", "startup")
    assert (record["number"], record["prior"], orphans) == (486, 485, [])


def test_the_same_session_id_keeps_its_number(tmp_path: Path) -> None:
    sessions = store(tmp_path)
    first, _ = sessions.start("abc", "startup")
    again, _ = sessions.start("abc", "compact")
    other, _ = sessions.start("def", "startup")
    assert (first["number"], first["prior"]) == (1, None)
    assert again["number"] == 1 and again["sources"] == ["startup", "compact"]
    assert (other["number"], other["prior"]) == (2, 1)
    assert json.loads((tmp_path / "state" / "session.json").read_text())["last"] == 2


def test_sessions_that_start_at_once_get_distinct_numbers(tmp_path: Path) -> None:
    script = (
        "import sys; from haios.context.sessions import SessionStore; "
        "s = SessionStore(sys.argv[1], sys.argv[2]); print(s.start(sys.argv[3], 'startup')[0]"
        "['number'])"
    )
    state, folder = str(tmp_path / "state"), str(tmp_path / "checkpoints")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, state, folder, f"session-{n}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(8)
    ]
    numbers = sorted(int(p.communicate(timeout=60)[0]) for p in procs)
    assert numbers == list(range(1, 9))


def _age(tmp_path: Path, session_id: str, stamp: str = "2020-01-01T00:00:00Z") -> None:
    path = tmp_path / "state" / "session.json"
    data = json.loads(path.read_text())
    data["sessions"][session_id]["last_seen"] = stamp
    path.write_text(json.dumps(data))


def test_a_session_that_never_ended_is_reported_once_as_orphaned(tmp_path: Path) -> None:
    sessions = store(tmp_path)
    sessions.start("gone", "startup")
    sessions.touch("gone", "Stop", work="WORK-007")
    sessions.start("ended", "startup")
    sessions.end("ended", "prompt_input_exit")
    _age(tmp_path, "gone")
    _age(tmp_path, "ended")
    record, orphans = sessions.start("new", "startup")
    assert [(o["id"], o["number"], o["work"], o["turns"]) for o in orphans] == [
        ("gone", 1, "WORK-007", 1)
    ]
    assert sessions.get("gone")["orphan_reported"] == record["number"] == 3  # type: ignore[index]
    assert sessions.start("newer", "startup")[1] == []


def test_a_recent_or_checkpointed_session_is_not_orphaned(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    sessions = store(tmp_path)
    sessions.start("recent", "startup")  # still running, perhaps
    sessions.start("wrote", "startup")
    (folder / "2026-12-03-01-SESSION-2-done.md").write_text("---\nsession: 2\n---\n")
    _age(tmp_path, "wrote")
    assert sessions.start("new", "startup")[1] == []


def test_stop_and_precompact_persist_the_session_as_it_goes(tmp_path: Path) -> None:
    sessions = store(tmp_path)
    late = sessions.touch("late", "Stop")  # installed mid-session: it gets a number anyway
    assert (late["number"], late["turns"], late["sources"]) == (1, 1, ["late"])
    sessions.touch("late", "PreCompact", work="WORK-002")
    record = sessions.get("late")
    assert record is not None
    assert (record["turns"], record["compactions"], record["work"]) == (1, 1, "WORK-002")
    ended = sessions.end("late", "other")
    assert ended is not None and ended["end_reason"] == "other" and ended["ended"]
    assert sessions.end("unknown", "other") is None


def test_a_broken_session_file_is_set_aside_and_numbering_goes_on(tmp_path: Path) -> None:
    sessions = store(tmp_path, legacy(tmp_path))
    state = tmp_path / "state"
    state.mkdir()
    (state / "session.json").write_text("{not json")
    record, _ = sessions.start("abc", "startup")
    assert record["number"] == 486
    assert (state / "session.json.broken").read_text() == "{not json"


def test_checkpoint_numbers_are_read_again_only_from_new_or_changed_files(
    tmp_path: Path,
) -> None:
    import os

    folder = tmp_path / "checkpoints"
    folder.mkdir()
    cache = str(tmp_path / names.CACHE)
    first = folder / "S12-checkpoint.md"
    first.write_text("---\nsession: 31\n---\n")

    def scan() -> list[tuple[str, int | None]]:
        names._SCANS.clear()  # as a new process would
        return names.checkpoint_files(str(folder), cache)

    assert scan() == [(str(first), 31)]
    stat = first.stat()  # same size and mtime: the number found before stands, unread
    first.write_text("---\nsession: 32\n---\n")
    os.utime(first, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert scan() == [(str(first), 31)]
    first.write_text("---\nsession: 133\n---\n")  # another size: read again
    second = folder / "checkpoint-40.md"
    second.write_text("# no frontmatter\n")
    assert scan() == [(str(first), 133), (str(second), 40)]
    second.unlink()
    assert scan() == [(str(first), 133)]
    assert json.loads(Path(cache).read_text())["files"] == {
        "S12-checkpoint.md": [first.stat().st_mtime_ns, first.stat().st_size, 133]
    }
    Path(cache).write_text("{not json")  # a damaged cache is ignored, and written again
    assert scan() == [(str(first), 133)]
    assert json.loads(Path(cache).read_text())["folder"] == str(folder)
    stamp = [first.stat().st_mtime_ns, first.stat().st_size]
    for entry in (5, [*stamp], [*stamp, "133"], [*stamp, True]):  # so are malformed entries
        Path(cache).write_text(json.dumps({"folder": str(folder), "files": {first.name: entry}}))
        assert scan() == [(str(first), 133)]


def test_a_session_start_keeps_the_checkpoint_names_in_the_state_folder(
    tmp_path: Path,
) -> None:
    sessions = store(tmp_path, legacy(tmp_path))
    assert sessions.start("abc", "startup")[0]["number"] == 486
    kept = json.loads((tmp_path / "state" / names.CACHE).read_text())["files"]
    assert kept["S457-checkpoint.md"][2] == 457 and len(kept) == 5


def test_the_oldest_finished_sessions_make_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haios.context import sessions as module

    monkeypatch.setattr(module, "KEEP", 3)
    sessions = store(tmp_path)
    for name in ("ended", "orphan", "running"):
        sessions.start(name, "startup")
    sessions.end("ended", "prompt_input_exit")
    _age(tmp_path, "orphan")
    assert [o["id"] for o in sessions.start("fourth", "startup")[1]] == ["orphan"]  # reported
    sessions.start("fifth", "startup")
    kept = json.loads((tmp_path / "state" / "session.json").read_text())["sessions"]
    assert sorted(kept) == ["fifth", "fourth", "running"]  # a running session is never dropped
