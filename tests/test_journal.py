"""The journal's chain survives long lines and interrupted writes."""

from __future__ import annotations

from pathlib import Path

from haios.governance.journal import Journal


def _journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.jsonl", tmp_path / "journal.lock")


def test_a_line_longer_than_the_read_chunk_keeps_the_chain(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.append("Big", {"text": "x" * 200_000}, "s")
    journal.append("Small", {}, "s")
    assert journal.verify() == (2, None)
    assert [r["seq"] for r in journal.tail(5)] == [1, 2]


def test_a_torn_first_line_is_dropped_and_recorded(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    journal.path.write_bytes(b'{"seq":1,"ti')
    assert journal.verify()[1] is not None
    journal.append("After", {}, "s")
    assert [(r["seq"], r["event"]) for r in journal.tail(5)] == [
        (1, "JournalRepaired"),
        (2, "After"),
    ]
    assert journal.verify() == (2, None)


def test_an_edited_line_is_named(tmp_path: Path) -> None:
    journal = _journal(tmp_path)
    for n in range(3):
        journal.append("E", {"n": n}, "s")
    lines = journal.path.read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace('"n":1', '"n":7')
    journal.path.write_text("".join(lines))
    _, problem = journal.verify()
    assert (problem and problem.line, problem and problem.reason) == (
        2,
        "hash mismatch: the line was edited",
    )
