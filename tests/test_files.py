"""WORK.md as text: split, parse, patch key by key, write atomically (haios/work/files.py)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import yaml

from haios.errors import WorkFileError
from haios.work import files


def write(tmp_path: Path, data: bytes | str, name: str = "WORK.md") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def patched(tmp_path: Path, text: bytes | str, changes: dict[str, object]) -> str:
    return files.patch(files.read(write(tmp_path, text)), changes)


# -- split and read -------------------------------------------------------------------------------


def test_split_returns_delimiters_frontmatter_and_body_verbatim(tmp_path: Path) -> None:
    text = "---\nid: X-1\n---\n# Body\n\n---\nnot frontmatter: 1\n---\n"
    head, fm, tail = files.split(text, tmp_path / "WORK.md")
    assert head == "---\n"
    assert fm == "id: X-1\n"
    assert tail == "---\n# Body\n\n---\nnot frontmatter: 1\n---\n"
    assert head + fm + tail == text


def test_read_parses_meta_and_records_the_stat(tmp_path: Path) -> None:
    path = write(tmp_path, "---\nid: X-1\ncreated: 2026-01-24\nrefs: [1, 2]\n---\nbody\n")
    work = files.read(path)
    assert work.meta == {"id": "X-1", "created": dt.date(2026, 1, 24), "refs": [1, 2]}
    st = os.stat(path)
    assert work.stamp == (st.st_ino, st.st_mtime_ns, st.st_size)
    assert work.path == path


def test_empty_frontmatter_is_an_empty_mapping(tmp_path: Path) -> None:
    assert files.read(write(tmp_path, "---\n---\nbody")).meta == {}


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("", "line 1: no frontmatter (the file must start with ---)"),
        ("# Title\n---\nid: X\n---\n", "line 1: no frontmatter (the file must start with ---)"),
        (
            "---\nid: X-1\nbody without a closing line\n",
            "frontmatter is not closed (no second --- line)",
        ),
        ("---", "frontmatter is not closed (no second --- line)"),
        ("---\n- a\n- b\n---\n", "frontmatter must be a mapping of keys"),
        ("---\njust text\n---\n", "frontmatter must be a mapping of keys"),
    ],
)
def test_missing_unclosed_or_non_mapping_frontmatter(
    tmp_path: Path, text: str, detail: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(WorkFileError) as info:
        files.read(path)
    assert str(info.value) == f"{path}: {detail}"
    assert info.value.path == str(path)


@pytest.mark.parametrize(
    ("frontmatter", "line"),
    [
        ("id: X-1\nstatus: a: b\n", 3),
        ("id: X-1\ntitle: ok\npriority: high\n  indented: wrong\n", 5),
        ("id: X-1\n\n\n\nlist: [1, 2\nnext: 3\n", 7),
    ],
)
def test_broken_yaml_names_the_path_and_the_file_line(
    tmp_path: Path, frontmatter: str, line: int
) -> None:
    path = write(tmp_path, "---\n" + frontmatter + "---\nbody\n")
    before = path.read_bytes()
    with pytest.raises(WorkFileError) as info:
        files.read(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line {line}: ")
    assert message.endswith(" in the frontmatter")
    assert path.read_bytes() == before


def test_not_utf8_is_a_work_file_error(tmp_path: Path) -> None:
    path = write(tmp_path, b"---\ntitle: caf\xe9\n---\n")
    with pytest.raises(WorkFileError, match=r"not UTF-8 \(byte 14\)$"):
        files.read(path)


def test_a_byte_order_mark_is_accepted_and_kept(tmp_path: Path) -> None:
    text = "\ufeff---\nid: X-1\nstatus: active\n---\nbody"
    out = patched(tmp_path, text, {"status": "complete"})
    assert out == "\ufeff---\nid: X-1\nstatus: complete\n---\nbody"


# -- patch: the body ------------------------------------------------------------------------------

BODY_CASES = {
    "lf": b"---\nid: X-1\nstatus: active\n---\n# X-1\n\nSome text.\n",
    "crlf": b"---\r\nid: X-1\r\nstatus: active\r\n---\r\n# X-1\r\n\r\nSome text.\r\n",
    "no trailing newline": b"---\nid: X-1\nstatus: active\n---\n# X-1\nlast line",
    "closing line is the last": b"---\nid: X-1\nstatus: active\n---",
    "dashes in the body": (
        b"---\nid: X-1\nstatus: active\n---\nintro\n---\nstatus: fake\n---\n\n----\n- - -\n"
    ),
    "trailing spaces and tabs": b"---\nid: X-1\nstatus: active\n---\t\nline  \n\tindented\t\n\n\n",
    "unicode": "---\nid: X-1\nstatus: active\n---\n→ naïve 日本 😀\n".encode(),
}


@pytest.mark.parametrize("raw", BODY_CASES.values(), ids=BODY_CASES.keys())
def test_patch_keeps_the_body_byte_for_byte(tmp_path: Path, raw: bytes) -> None:
    path = write(tmp_path, raw)
    work = files.read(path)
    files.write_atomic(path, files.patch(work, {"status": "complete", "owner": "me"}))
    new = path.read_bytes()
    assert new.endswith(work.tail.encode("utf-8"))
    assert files.read(path).meta == {"id": "X-1", "status": "complete", "owner": "me"}


def test_crlf_file_stays_crlf_throughout(tmp_path: Path) -> None:
    raw = "---\r\nid: X-1\r\nstatus: active\r\nlist:\r\n- a\r\n---\r\nbody\r\n"
    out = patched(tmp_path, raw, {"status": "complete", "list": ["a", "b"], "new": 1})
    assert out == (
        "---\r\nid: X-1\r\nstatus: complete\r\nlist:\r\n- a\r\n- b\r\nnew: 1\r\n---\r\nbody\r\n"
    )


# -- patch: only the changed keys -----------------------------------------------------------------

ODD = """\
---
# a comment before everything
id:    X-1
title: "Quoted   title"   # trailing comment
status: active
'quoted key': yes
tags: [a,   b]
nested:
    deep:   {x: 1}
    list:
      - one
list_at_column_0:
- a
- b

# a comment between keys
created: 2025-12-23T19:06:12
text: |
  a literal block

  with a blank line
priority: medium
---
body
"""


def test_patch_rewrites_only_the_changed_keys(tmp_path: Path) -> None:
    out = patched(tmp_path, ODD, {"status": "complete", "priority": "high"})
    old_lines = ODD.splitlines(keepends=True)
    new_lines = out.splitlines(keepends=True)
    assert len(new_lines) == len(old_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    assert changed == [
        ("status: active\n", "status: complete\n"),
        ("priority: medium\n", "priority: high\n"),
    ]


def test_patch_of_a_multi_line_key_replaces_its_whole_block(tmp_path: Path) -> None:
    out = patched(tmp_path, ODD, {"nested": {"deep": {"x": 2}}, "list_at_column_0": ["c"]})
    assert "nested:\n  deep:\n    x: 2\n" in out
    assert "list_at_column_0:\n- c\n\n# a comment between keys\n" in out
    for untouched in (
        "# a comment before everything\n",
        "id:    X-1\n",
        "tags: [a,   b]\n",
        'title: "Quoted   title"   # trailing comment\n',
        "'quoted key': yes\n",
    ):
        assert untouched in out
    meta = yaml.safe_load(out.split("---\n")[1])
    assert meta["nested"] == {"deep": {"x": 2}}
    assert meta["list_at_column_0"] == ["c"]
    assert meta["text"] == "a literal block\n\nwith a blank line\n"


def test_patch_a_quoted_key(tmp_path: Path) -> None:
    out = patched(tmp_path, ODD, {"quoted key": False})
    assert "quoted key: false\n" in out
    assert "'quoted key'" not in out


def test_patch_deletes_a_key_and_its_block(tmp_path: Path) -> None:
    out = patched(tmp_path, ODD, {"nested": files.DELETE, "title": files.DELETE})
    assert "nested" not in out and "deep" not in out and "Quoted" not in out
    expected = ODD.replace('title: "Quoted   title"   # trailing comment\n', "")
    expected = expected.replace("nested:\n    deep:   {x: 1}\n    list:\n      - one\n", "")
    assert out == expected


def test_deleting_a_missing_key_changes_nothing(tmp_path: Path) -> None:
    assert patched(tmp_path, ODD, {"absent": files.DELETE}) == ODD


def test_patch_adds_new_keys_at_the_end_of_the_frontmatter(tmp_path: Path) -> None:
    when = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    out = patched(tmp_path, ODD, {"owner": "agent-7", "closed": when, "refs": [1, 2]})
    assert out == ODD.replace(
        "priority: medium\n---\n",
        "priority: medium\nowner: agent-7\nclosed: 2026-03-01T12:30:00+01:00\n"
        "refs:\n- 1\n- 2\n---\n",
    )
    assert files.load_meta(out.split("---\n")[1], tmp_path)["closed"] == when


def test_patch_with_no_changes_is_the_identity(tmp_path: Path) -> None:
    assert patched(tmp_path, ODD, {}) == ODD


def test_patch_appends_after_a_last_line_without_newline_inside_the_frontmatter(
    tmp_path: Path,
) -> None:
    work = files.WorkFile(
        tmp_path / "WORK.md", {"id": "X-1"}, "---\n", "id: X-1", "---\nb", (0, 0, 0)
    )
    assert files.patch(work, {"owner": "me"}) == "---\nid: X-1\nowner: me\n---\nb"


# -- patch: the fallback to a full dump -----------------------------------------------------------


@pytest.mark.parametrize(
    "frontmatter",
    [
        "{id: X-1, status: active, refs: [1, 2]}\n",
        "{id: X-1,\n status: active,\n refs: [1, 2]}\n",
        "? id\n: X-1\nstatus: active\nrefs: [1, 2]\n",
        "id: X-1\nstatus: active\nstatus: active\nrefs: [1, 2]\n",  # a duplicated key
        "id: X-1\nstatus: &s active\nrefs: [1, 2]\nalias: *s\n",
    ],
    ids=["flow mapping", "multi-line flow mapping", "complex key", "duplicate key", "anchor"],
)
def test_unusual_layouts_fall_back_to_a_correct_full_dump(tmp_path: Path, frontmatter: str) -> None:
    path = write(tmp_path, "---\n" + frontmatter + "---\nthe body\n---\n")
    work = files.read(path)
    out = files.patch(work, {"status": "complete", "owner": "me", "alias": files.DELETE})
    assert out.startswith("---\n")
    assert out.endswith("---\nthe body\n---\n")
    files.write_atomic(path, out)
    assert files.read(path).meta == {
        "id": "X-1",
        "status": "complete",
        "refs": [1, 2],
        "owner": "me",
    }


def test_changing_a_block_scalar_with_blank_lines_keeps_the_data_right(tmp_path: Path) -> None:
    out = patched(tmp_path, ODD, {"text": "replaced"})
    meta = files.load_meta(out.split("---\n")[1], tmp_path)
    assert meta["text"] == "replaced"
    assert {k: v for k, v in meta.items() if k != "text"} == {
        k: v for k, v in yaml.safe_load(ODD.split("---\n")[1]).items() if k != "text"
    }
    assert out.endswith("---\nbody\n")


def test_a_flow_mapping_is_dumped_as_a_block_mapping(tmp_path: Path) -> None:
    out = patched(tmp_path, "---\n{id: X-1, status: active}\n---\nbody", {"status": "complete"})
    assert out == "---\nid: X-1\nstatus: complete\n---\nbody"


# -- new files and atomic writes ------------------------------------------------------------------


def test_render_new_round_trips(tmp_path: Path) -> None:
    meta = {
        "id": "WORK-001",
        "title": "A: title with # and 'quotes'",
        "created": "2026-03-01T12:00:00+00:00",
        "owner": None,
        "blocked_by": [],
        "node_history": [{"node": "backlog", "entered": "x", "exited": None}],
    }
    path = write(tmp_path, files.render_new(meta, "# body\n---\n"))
    work = files.read(path)
    assert work.meta == meta
    assert work.tail == "---\n# body\n---\n"


def test_write_atomic_creates_a_new_file_with_mode_644(tmp_path: Path) -> None:
    path = tmp_path / "WORK.md"
    files.write_atomic(path, "hello\r\nworld")
    assert path.read_bytes() == b"hello\r\nworld"
    assert path.stat().st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path) == ["WORK.md"]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_write_atomic_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path, mode: int) -> None:
    path = write(tmp_path, "old")
    path.chmod(mode)
    files.write_atomic(path, "new")
    assert path.read_text() == "new"
    assert path.stat().st_mode & 0o777 == mode
    files.write_atomic(path, "newer", 0o644)
    assert path.stat().st_mode & 0o777 == 0o644
    assert sorted(os.listdir(tmp_path)) == ["WORK.md"]


def test_write_atomic_replaces_the_inode_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = write(tmp_path, "old")
    other = write(tmp_path, "neighbour", "notes.md")
    with open(path) as reader:  # a reader of the old file keeps seeing the old file
        files.write_atomic(path, "version 0\n")
        assert path.stat().st_ino != os.fstat(reader.fileno()).st_ino
        assert reader.read() == "old"
    for n in range(1, 5):
        files.write_atomic(path, f"version {n}\n")
    assert path.read_text() == "version 4\n"
    assert sorted(os.listdir(tmp_path)) == ["WORK.md", "notes.md"]
    assert other.read_text() == "neighbour"


def test_write_atomic_failure_leaves_the_old_file_and_no_temp_files(tmp_path: Path) -> None:
    path = write(tmp_path, "old")
    with pytest.raises(UnicodeEncodeError):
        files.write_atomic(path, "lone surrogate \udc00")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["WORK.md"]
