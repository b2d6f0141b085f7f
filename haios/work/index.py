"""The derived index: a SQLite copy of every WORK.md's summary, so list and ready parse nothing.

Kept fresh by stat: each call lists the item folders and compares every WORK.md's inode, mtime
and size with the map the index saw last (one marshalled blob, compared in one step), re-reading
only what changed. Whether an item is ready is computed when something changes, not per query.
Deleting the index loses nothing. Standard library only: this module is on the read path.
"""

from __future__ import annotations

import json
import marshal
import os
import sqlite3

from haios.project import WORK_CACHE

TYPE_CHECKING = False  # a session start reads the index: no typing, no pathlib (~5 ms)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    # Parses one item file: (key, path) -> (summary row, priority rank), or raises with a message.
    Parser = Callable[[str, str], tuple[dict[str, Any], int]]
    StrPath = str | os.PathLike[str]

SCHEMA_VERSION = 4
AREAS = ("active", "archive")
_SCHEMA = (
    """CREATE TABLE items (
        key TEXT PRIMARY KEY, id TEXT, status TEXT, node TEXT, queue TEXT, type TEXT,
        priority_rank INTEGER, created TEXT, owner TEXT, title TEXT, open INTEGER,
        ready INTEGER NOT NULL DEFAULT 0, error TEXT, row TEXT)""",
    "CREATE INDEX items_id ON items(id)",
    "CREATE INDEX items_order ON items(priority_rank, created, id)",
    "CREATE INDEX items_ready ON items(ready, priority_rank, created, id)",
    "CREATE INDEX items_broken ON items(key) WHERE error IS NOT NULL",
    "CREATE TABLE deps (key TEXT, blocker TEXT)",
    "CREATE INDEX deps_key ON deps(key)",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB)",
)
# Ready: open, readable, queued (not parked, claimed or done), and no open item blocks it.
_MARK_READY = """
UPDATE items SET ready = (
    error IS NULL AND open = 1 AND queue NOT IN ('parked', 'done', 'working')
    AND NOT EXISTS (SELECT 1 FROM deps d JOIN items b ON b.id = d.blocker
                    WHERE d.key = items.key AND b.open = 1 AND b.error IS NULL))
"""
# marshal format 2 has no back-references, so equal maps give equal bytes in any process
_MARSHAL = 2
_ORDER = " ORDER BY priority_rank, created, id"
FILTERS = ("status", "node", "queue", "type", "owner")
CACHE_READY = 5

Stamp = tuple[int, int, int]  # inode, mtime_ns, size


def scan(work_dir: str) -> dict[str, Stamp]:
    """`area/folder` -> stat of its WORK.md, for every item folder."""
    found: dict[str, Stamp] = {}
    stat = os.stat
    for area in AREAS:
        try:
            fd = os.open(os.path.join(work_dir, area), os.O_RDONLY | os.O_DIRECTORY)
        except (FileNotFoundError, NotADirectoryError):
            continue
        try:
            for name in os.listdir(fd):
                if name[0] == ".":
                    continue
                try:
                    st = stat(name + "/WORK.md", dir_fd=fd)
                except (FileNotFoundError, NotADirectoryError):
                    continue
                found[area + "/" + name] = (st.st_ino, st.st_mtime_ns, st.st_size)
        finally:
            os.close(fd)
    return found


class Index:
    """One connection to `state/index.sqlite` for `work_dir`."""

    def __init__(self, db_path: str, work_dir: str, parser: Parser) -> None:
        self.work_dir = work_dir
        self.cache_path = os.path.join(os.path.dirname(db_path), WORK_CACHE)
        self._parser = parser
        try:
            self.db = self._connect(db_path)
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise
            # Damaged (or left with a stale -wal): it is derived data, so start it again.
            try:
                for suffix in ("", "-wal", "-shm"):
                    _unlink(db_path + suffix)
            except OSError:
                raise exc from None
            self.db = self._connect(db_path)

    def _connect(self, db_path: str) -> sqlite3.Connection:
        db = sqlite3.connect(db_path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                self.db = db
                self._create()
            db.execute("SELECT 1 FROM meta LIMIT 1").fetchall()
        except BaseException:
            db.close()
            raise
        return db

    def _create(self) -> None:
        # A derived cache: a schema change rebuilds it from the WORK.md files.
        self.db.execute("PRAGMA journal_mode = WAL")
        with self._write():
            if self.db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                for table in ("items", "deps", "meta"):
                    self.db.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in _SCHEMA:
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    def _write(self) -> _Transaction:
        return _Transaction(self.db)

    # -- freshness -------------------------------------------------------------------------

    def _stamp_blob(self) -> bytes:
        row = self.db.execute("SELECT value FROM meta WHERE name = 'stamps'").fetchone()
        return bytes(row[0]) if row else b""

    def _stamps(self) -> dict[str, Stamp]:
        try:
            stamps = marshal.loads(self._stamp_blob())
        except (EOFError, ValueError, TypeError):
            stamps = {}
        return stamps if isinstance(stamps, dict) else {}

    def refresh(self) -> int:
        """Bring the index in line with the files; returns how many items changed."""
        on_disk = scan(self.work_dir)
        # Same listing order and stats give the same bytes: the common case costs one compare.
        if marshal.dumps(on_disk, _MARSHAL) == self._stamp_blob():
            if not os.path.exists(self.cache_path):
                with self._write():
                    self._write_cache()
            return 0
        with self._write():
            known = self._stamps()  # again, inside the transaction: another process may have run
            changed = [k for k, st in on_disk.items() if known.get(k) != st]
            gone = [k for k in known if k not in on_disk]
            for key in gone:
                self._delete(key)
            for key in changed:
                self._put(key)
            self._commit_stamps(on_disk, mark_ready=bool(changed or gone))
        from haios.log import log

        log("debug", "index refreshed", changed=len(changed), removed=len(gone))
        return len(changed) + len(gone)

    def rebuild(self) -> int:
        with self._write():
            for table in ("items", "deps", "meta"):
                self.db.execute(f"DELETE FROM {table}")
        return self.refresh()

    def update(self, key: str) -> None:
        """Re-read one item now (a writer calls this right after writing it)."""
        with self._write():
            stamps = self._stamps()
            try:
                st = os.stat(self._file(key))
            except FileNotFoundError:
                stamps.pop(key, None)
                self._delete(key)
            else:
                # stat before parsing: a stamp may be older than the content read, never newer
                stamps[key] = (st.st_ino, st.st_mtime_ns, st.st_size)
                self._put(key)
            self._commit_stamps(stamps)

    def _commit_stamps(self, stamps: dict[str, Stamp], mark_ready: bool = True) -> None:
        if mark_ready:
            self.db.execute(_MARK_READY)
        self.db.execute(
            "INSERT OR REPLACE INTO meta VALUES ('stamps', ?)", (marshal.dumps(stamps, _MARSHAL),)
        )
        self._write_cache()

    def _write_cache(self) -> None:
        """The hooks' view of the work: claimed items and the top of the ready list, in a small
        JSON file they read instead of the index (written inside the index transaction)."""
        claimed = "SELECT row FROM items WHERE open = 1 AND owner IS NOT NULL AND owner != ''"
        rows, total = self.ready(CACHE_READY)
        document = {
            "claimed": [json.loads(r) for (r,) in self.db.execute(claimed + _ORDER)],
            "ready": [json.loads(r) for r in rows],
            "ready_total": total,
        }
        tmp = os.path.join(os.path.dirname(self.cache_path), f".{WORK_CACHE}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(json.dumps(document, ensure_ascii=False))
        os.replace(tmp, self.cache_path)

    def _file(self, key: str) -> str:
        return os.path.join(self.work_dir, key, "WORK.md")

    def _delete(self, key: str) -> None:
        self.db.execute("DELETE FROM items WHERE key = ?", (key,))
        self.db.execute("DELETE FROM deps WHERE key = ?", (key,))

    def _put(self, key: str) -> None:
        self._delete(key)
        try:
            row, rank = self._parser(key, self._file(key))
        except Exception as exc:  # a broken file is recorded and listed as broken, never fatal
            folder = key.split("/", 1)[1]
            message = str(exc)
            path = self._file(key)
            if not message.startswith(path):
                message = f"{path}: {type(exc).__name__}: {message}"
            self.db.execute(
                "INSERT INTO items (key, id, open, error) VALUES (?, ?, 0, ?)",
                (key, folder, message),
            )
            return
        self.db.execute(
            "INSERT INTO items VALUES (?,?,?,?,?,?,?,?,?,?,?,0,NULL,?)",
            (
                key, row["id"], row["status"], row["node"], row["queue"], row["type"], rank,
                row["created"] or "", row["owner"], row["title"], int(row["status"] == "active"),
                json.dumps(row, ensure_ascii=False, separators=(",", ":")),
            ),
        )  # fmt: skip
        self.db.executemany("INSERT INTO deps VALUES (?, ?)", ((key, b) for b in row["blocked_by"]))

    # -- queries ---------------------------------------------------------------------------

    def ready(self, limit: int | None) -> tuple[list[str], int]:
        """(JSON rows of the top `limit` ready items, how many are ready in all)."""
        total = self.db.execute("SELECT COUNT(*) FROM items WHERE ready = 1").fetchone()[0]
        sql = "SELECT row FROM items WHERE ready = 1" + _ORDER
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [r for (r,) in self.db.execute(sql)], total

    def rows(self, text: str | None = None, **filters: str | None) -> list[str]:
        where, args = ["error IS NULL"], []
        for name, value in filters.items():
            if value is not None:
                assert name in FILTERS, name
                where.append(f"{name} = ?")
                args.append(value)
        if text:  # plain words, not LIKE patterns: % and _ mean themselves
            where.append("(instr(lower(title), ?) OR instr(lower(id), ?))")
            args += [text.lower(), text.lower()]
        sql = f"SELECT row FROM items WHERE {' AND '.join(where)}" + _ORDER
        return [r for (r,) in self.db.execute(sql, args)]

    def errors(self) -> list[tuple[str, str]]:
        sql = "SELECT key, error FROM items WHERE error IS NOT NULL ORDER BY key"
        return list(self.db.execute(sql))

    def keys_for(self, work_id: str) -> list[str]:
        sql = "SELECT key FROM items WHERE id = ? ORDER BY key"
        return [k for (k,) in self.db.execute(sql, (work_id,))]

    def ids(self) -> Iterable[tuple[str, str, str]]:
        """(id, key, JSON row) of every readable item."""
        return self.db.execute("SELECT id, key, row FROM items WHERE error IS NULL ORDER BY key")


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")


def open_index(
    state_dir: StrPath, root: StrPath, work_rel: str, default_type: str, nodes: Iterable[str]
) -> Index:
    """The index of `root/work_rel`, parsing changed files with `haios.work.model` (lazily)."""
    node_names = tuple(nodes)

    def parse(key: str, path: str) -> tuple[dict[str, Any], int]:
        from pathlib import Path

        from haios.work.model import index_row

        rel = f"{work_rel}/{key}/WORK.md"
        return index_row(rel, Path(path), default_type=default_type, nodes=node_names)

    os.makedirs(state_dir, exist_ok=True)
    return Index(os.path.join(state_dir, "index.sqlite"), os.path.join(root, work_rel), parse)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        return
