"""The derived index: a SQLite copy of every WORK.md's summary, so list and ready parse nothing.

Kept fresh by stat: each call lists the item folders and compares every WORK.md's inode, mtime
and size with what the index saw, re-reading only what changed. Deleting it loses nothing.
This module imports only the standard library: it is on the read path.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
AREAS = ("active", "archive")
_SCHEMA = """
CREATE TABLE items (
    key TEXT PRIMARY KEY, id TEXT, ino INTEGER, mtime_ns INTEGER, size INTEGER,
    status TEXT, node TEXT, queue TEXT, type TEXT, priority_rank INTEGER, created TEXT,
    owner TEXT, title TEXT, open INTEGER, error TEXT, row TEXT);
CREATE INDEX items_id ON items(id);
CREATE TABLE deps (key TEXT, blocker TEXT);
CREATE INDEX deps_key ON deps(key);
"""
_READY_WHERE = """
WHERE i.error IS NULL AND i.open = 1 AND i.queue NOT IN ('parked', 'done', 'working')
  AND NOT EXISTS (SELECT 1 FROM deps d JOIN items b ON b.id = d.blocker
                  WHERE d.key = i.key AND b.open = 1 AND b.error IS NULL)
"""
_ORDER = " ORDER BY priority_rank, created, id"
FILTERS = {"status": "status", "node": "node", "queue": "queue", "type": "type", "owner": "owner"}

Stamp = tuple[int, int, int]
# Parses one item file: (key, path) -> (id, row summary, blocked_by) or raises with a message.
Parser = Callable[[str, Path], tuple[dict[str, Any], int]]


def scan(work_dir: Path) -> dict[str, Stamp]:
    """`area/folder` -> stat of its WORK.md, for every item folder."""
    found: dict[str, Stamp] = {}
    stat = os.stat
    for area in AREAS:
        base = f"{work_dir}/{area}/"
        try:
            names = os.listdir(base)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for name in names:
            if name[0] == ".":
                continue
            try:
                st = stat(base + name + "/WORK.md")
            except (FileNotFoundError, NotADirectoryError):
                continue
            found[f"{area}/{name}"] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return found


class Index:
    """One connection to `state/index.sqlite` for `work_dir`."""

    def __init__(self, db_path: Path, work_dir: Path, parser: Parser) -> None:
        self.work_dir = work_dir
        self._parser = parser
        self.db = sqlite3.connect(db_path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA busy_timeout = 30000")
        self.db.execute("PRAGMA synchronous = NORMAL")
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            self._create()

    def _create(self) -> None:
        # A derived cache: a schema change rebuilds it from the WORK.md files.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                for table in ("items", "deps"):
                    self.db.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("PRAGMA journal_mode = WAL")

    def close(self) -> None:
        self.db.close()

    # -- freshness -------------------------------------------------------------------------

    def refresh(self) -> int:
        """Bring the index in line with the files; returns how many rows changed."""
        on_disk = scan(self.work_dir)
        known = {
            k: (i, m, s)
            for k, i, m, s in self.db.execute("SELECT key, ino, mtime_ns, size FROM items")
        }
        changed = [k for k, st in on_disk.items() if known.get(k) != st]
        gone = [k for k in known if k not in on_disk]
        if not changed and not gone:
            return 0
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for key in gone:
                self._delete(key)
            for key in changed:
                self._put(key, on_disk[key])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return len(changed) + len(gone)

    def rebuild(self) -> int:
        self.db.execute("DELETE FROM items")
        self.db.execute("DELETE FROM deps")
        return self.refresh()

    def update(self, key: str) -> None:
        """Re-read one item now (a writer calls this right after writing it)."""
        path = self.work_dir / key / "WORK.md"
        self.db.execute("BEGIN IMMEDIATE")
        try:
            try:
                st = os.stat(path)
            except FileNotFoundError:
                self._delete(key)
            else:
                self._put(key, (st.st_ino, st.st_mtime_ns, st.st_size))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _delete(self, key: str) -> None:
        self.db.execute("DELETE FROM items WHERE key = ?", (key,))
        self.db.execute("DELETE FROM deps WHERE key = ?", (key,))

    def _put(self, key: str, stamp: Stamp) -> None:
        self._delete(key)
        try:
            row, rank = self._parser(key, self.work_dir / key / "WORK.md")
        except Exception as exc:  # a broken file is recorded, listed as broken, never fatal
            self.db.execute(
                "INSERT INTO items (key, id, ino, mtime_ns, size, open, error)"
                " VALUES (?,?,?,?,?,0,?)",
                (key, key.split("/", 1)[1], *stamp, str(exc)),
            )
            return
        self.db.execute(
            "INSERT INTO items VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL,?)",
            (
                key,
                row["id"],
                *stamp,
                row["status"],
                row["node"],
                row["queue"],
                row["type"],
                rank,
                row["created"] or "",
                row["owner"],
                row["title"],
                int(row["status"] == "active"),
                json.dumps(row, ensure_ascii=False, separators=(",", ":")),
            ),
        )
        self.db.executemany("INSERT INTO deps VALUES (?, ?)", ((key, b) for b in row["blocked_by"]))

    # -- queries ---------------------------------------------------------------------------

    def ready(self, limit: int | None) -> tuple[list[str], int]:
        """(JSON rows of the top `limit` ready items, how many are ready in all)."""
        total = self.db.execute("SELECT COUNT(*) FROM items i" + _READY_WHERE).fetchone()[0]
        sql = (
            "SELECT row FROM items i"
            + _READY_WHERE
            + _ORDER
            + (" LIMIT ?" if limit is not None else "")
        )
        args = (limit,) if limit is not None else ()
        return [r for (r,) in self.db.execute(sql, args)], total

    def rows(self, text: str | None = None, **filters: str | None) -> list[str]:
        where, args = ["error IS NULL"], []
        for name, value in filters.items():
            if value is not None:
                where.append(f"{FILTERS[name]} = ?")
                args.append(value)
        if text:
            where.append("(title LIKE ? OR id LIKE ?)")
            args += [f"%{text}%", f"%{text}%"]
        sql = f"SELECT row FROM items WHERE {' AND '.join(where)}" + _ORDER
        return [r for (r,) in self.db.execute(sql, args)]

    def errors(self) -> list[tuple[str, str]]:
        return list(
            self.db.execute("SELECT key, error FROM items WHERE error IS NOT NULL ORDER BY key")
        )

    def keys_for(self, work_id: str) -> list[str]:
        return [
            k
            for (k,) in self.db.execute(
                "SELECT key FROM items WHERE id = ? ORDER BY key", (work_id,)
            )
        ]

    def ids(self) -> Iterable[tuple[str, str, str]]:
        """(id, key, JSON row) of every readable item."""
        return self.db.execute("SELECT id, key, row FROM items WHERE error IS NULL ORDER BY key")


def open_index(
    state_dir: Path, root: Path, work_rel: str, default_type: str, nodes: Iterable[str]
) -> Index:
    """The index of `root/work_rel`, parsing changed files with `haios.work.model` (lazily)."""
    node_names = tuple(nodes)

    def parse(key: str, path: Path) -> tuple[dict[str, Any], int]:
        from haios.work.model import index_row

        return index_row(
            f"{work_rel}/{key}/WORK.md", path, default_type=default_type, nodes=node_names
        )

    state_dir.mkdir(parents=True, exist_ok=True)
    return Index(state_dir / "index.sqlite", root / work_rel, parse)
