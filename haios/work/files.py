"""WORK.md as text: split, parse, patch the frontmatter key by key, write atomically.

The body (everything after the closing `---` line) is never touched: it is carried over byte for
byte. python-frontmatter's `parse()` strips the body, so the split is done here and the library
is used for what it is good at, loading the YAML.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from haios import fmtext
from haios.errors import WorkFileError

DELETE = object()
_HANDLER = YAMLHandler()


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Safe YAML out; timestamps keep the ISO `T` form the original HAIOS wrote."""


def _timestamp(dumper: yaml.SafeDumper, value: dt.datetime) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(dt.datetime, _timestamp)

Stamp = tuple[int, int, int]  # inode, mtime_ns, size


@dataclass(frozen=True)
class WorkFile:
    """One WORK.md as read: its parsed frontmatter, the raw pieces, and the stat it was read at."""

    path: Path
    meta: dict[str, Any]
    head: str  # opening delimiter line
    fm_text: str
    tail: str  # closing delimiter line followed by the body, verbatim
    stamp: Stamp


def stamp_of(st: os.stat_result) -> Stamp:
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def split(text: str, path: Path) -> tuple[str, str, str]:
    """(opening line, frontmatter text, closing line + body) or WorkFileError."""
    parts = fmtext.split(text)
    if parts is not None:
        return parts
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    if first.rstrip() != "---":
        raise WorkFileError(str(path), "line 1: no frontmatter (the file must start with ---)")
    raise WorkFileError(str(path), "frontmatter is not closed (no second --- line)")


def load_meta(fm_text: str, path: Path, first_line: int = 2) -> dict[str, Any]:
    """Parse frontmatter YAML; errors name the file's line number."""
    try:
        data = _HANDLER.load(fm_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + first_line}: " if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise WorkFileError(str(path), f"{line}{problem} in the frontmatter") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise WorkFileError(str(path), "frontmatter must be a mapping of keys")
    return data


def read(path: Path) -> WorkFile:
    try:
        with open(path, "rb") as fh:
            stamp = stamp_of(os.fstat(fh.fileno()))
            raw = fh.read()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise WorkFileError(str(path), f"cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WorkFileError(str(path), f"not UTF-8 (byte {exc.start})") from None
    head, fm_text, tail = split(text, path)
    return WorkFile(path, load_meta(fm_text, path), head, fm_text, tail, stamp)


def dump_yaml(data: dict[str, Any]) -> str:
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return text


def patch(work: WorkFile, changes: dict[str, Any]) -> str:
    """The new file text: only the changed keys are rewritten, every other line is kept as is."""
    expected = {k: v for k, v in {**work.meta, **changes}.items() if v is not DELETE}
    newline = "\r\n" if work.head.endswith("\r\n") else "\n"  # a CRLF file stays CRLF

    def dump(data: dict[str, Any]) -> str:
        return dump_yaml(data).replace("\n", newline)

    pending = dict(changes)
    out: list[str] = []
    for key, lines in fmtext.blocks(work.fm_text):
        if key is None or key not in pending:
            out.extend(lines)
            continue
        value = pending.pop(key)
        if value is not DELETE:
            out.append(dump({key: value}))
    if out and not out[-1].endswith("\n"):
        out[-1] += newline
    out.extend(dump({k: v}) for k, v in pending.items() if v is not DELETE)
    fm_text = "".join(out)
    try:
        ok = load_meta(fm_text, work.path) == expected
    except WorkFileError:
        ok = False
    if not ok:  # unusual layout (e.g. flow mappings): fall back to a full, correct dump
        fm_text = dump(expected)
    return work.head + fm_text + work.tail


def render_new(meta: dict[str, Any], body: str) -> str:
    return "---\n" + dump_yaml(meta) + "---\n" + body


def remove_leftovers(path: Path) -> None:
    """Delete temp files of writes to `path` that were killed midway (call under its lock)."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        with suppress(FileNotFoundError):
            tmp.unlink()


def write_atomic(path: Path, text: str, mode: int | None = None) -> None:
    """Temp file in the same folder, fsync, rename, fsync the folder: all or nothing.

    `mode` defaults to the mode of the file being replaced (0o644 for a new file).
    """
    if mode is None:
        try:
            mode = os.stat(path).st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
