"""The memory server's database: SQLite in WAL mode with an FTS5 index (porter stemming, BM25).

One writer at a time (SQLite's lock; other processes wait up to the busy timeout). A learning
is stored once: the same text again returns the existing id. A newer memory supersedes an older
one explicitly, or by having the same subject key; superseded memories stay (for history) but
searches skip them unless asked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from haios.errors import MemoryStoreError
from haios.memory import provenance, query
from haios.memory.classify import classify
from haios.memory.db import connect, transaction
from haios.memory.migrations import applied, migrate

NAME = "memory.db"
KINDS = ("episteme", "techne", "doxa")
STRATEGY_POOL = 10  # strategies are ranked by use among this many best matches
RELATIONS = ("related", "supersedes", "synonym", "derived_from", "contradicts")
_HIT = (
    "m.id, m.kind, m.subject, m.source_path, m.work_id, m.superseded_by, m.uses, m.outcome,"
    " m.created"
)


@dataclass(frozen=True)
class Ingested:
    """What storing one learning did."""

    id: int
    kind: str
    reason: str
    duplicate: bool = False
    superseded: tuple[int, ...] = ()
    work_id: str | None = None
    subject: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of search results and where the next one starts (None: no more)."""

    hits: list[dict[str, Any]] = field(default_factory=list)
    next_offset: int | None = None
    strategies: list[dict[str, Any]] = field(default_factory=list)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class MemoryStore:
    """The memories of one project. Safe to share between threads (calls are serialised)."""

    def __init__(self, path: Path, root: Path | None = None) -> None:
        self.path = path
        self.root = root
        self._conn = connect(path)
        self._lock = threading.Lock()
        self._seen: query.Seen = {}  # which words are common, for a minute
        migrate(self._conn)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._conn.execute(sql, args).fetchall()]

    # -- writing -----------------------------------------------------------------------------

    def ingest(
        self,
        content: str,
        source_path: str | None = None,
        work_id: str | None = None,
        *,
        session: str | None = None,
        subject: str | None = None,
        supersedes: Iterable[int] = (),
        outcome: str | None = None,
        git_commit: str | None = None,
    ) -> Ingested:
        """Store one learning (or find it already stored), with its provenance."""
        text = provenance.checked(content)
        kind, reason = classify(text)
        work_id = work_id or provenance.work_id_from_path(source_path or "")
        key = provenance.subject_key(text, subject)
        if git_commit is None and self.root is not None:
            git_commit = provenance.git_commit(self.root)
        digest = provenance.content_hash(text)
        with self._lock, transaction(self._conn):
            found = self._conn.execute(
                "SELECT id, kind, kind_reason, subject, work_id FROM memories "
                "WHERE content_hash = ?",
                (digest,),
            ).fetchone()
            if found is not None:
                self._conn.execute("UPDATE memories SET uses = uses + 1 WHERE id = ?", (found[0],))
                return Ingested(found[0], found[1], found[2], True, (), found[4], found[3])
            older = self._supersedable(list(supersedes))
            new_id = self._insert(
                (text, digest, kind, reason, key, outcome, source_path or None, work_id),
                (session, git_commit),
            )
            replaced = self._supersede(new_id, older, key)
        return Ingested(new_id, kind, reason, False, replaced, work_id, key)

    def _insert(self, fields: tuple[Any, ...], origin: tuple[Any, ...]) -> int:
        cursor = self._conn.execute(
            "INSERT INTO memories (content, content_hash, kind, kind_reason, subject, outcome,"
            " source_path, work_id, session, git_commit, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*fields, *origin, now()),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _supersedable(self, ids: list[int]) -> list[int]:
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        found = {
            r[0] for r in self._conn.execute(f"SELECT id FROM memories WHERE id IN ({marks})", ids)
        }
        missing = sorted(set(ids) - found)
        if missing:
            raise MemoryStoreError(
                f"cannot supersede memory {', '.join(map(str, missing))}: no such memory "
                "(see memory_search_with_experience for ids)"
            )
        return ids

    def _supersede(self, new_id: int, ids: list[int], key: str | None) -> tuple[int, ...]:
        """Mark older memories superseded by `new_id`: the explicit ones, and the live ones
        with the same subject key."""
        targets = list(dict.fromkeys(ids))
        if key is not None:
            targets += [
                r[0]
                for r in self._conn.execute(
                    "SELECT id FROM memories WHERE subject = ? AND id != ?"
                    " AND superseded_by IS NULL",
                    (key, new_id),
                )
                if r[0] not in targets
            ]
        for old in targets:
            self._conn.execute(
                "UPDATE memories SET superseded_by = ? WHERE id = ? AND superseded_by IS NULL",
                (new_id, old),
            )
            self._conn.execute(
                "INSERT OR IGNORE INTO links (src, dst, relation, created) VALUES (?, ?, ?, ?)",
                (new_id, old, "supersedes", now()),
            )
        return tuple(targets)

    def link(self, src: int, dst: int, relation: str = "related") -> bool:
        """Link two memories; `supersedes` also hides `dst` from searches. True if new."""
        if relation not in RELATIONS:
            raise MemoryStoreError(
                f"unknown relation {relation!r}; relations are: {', '.join(RELATIONS)}"
            )
        if src == dst:
            raise MemoryStoreError(f"memory {src} cannot be linked to itself")
        with self._lock, transaction(self._conn):
            self._require(src, dst)
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO links (src, dst, relation, created) VALUES (?, ?, ?, ?)",
                (src, dst, relation, now()),
            )
            if relation == "supersedes":
                self._conn.execute("UPDATE memories SET superseded_by = ? WHERE id = ?", (src, dst))
        return cursor.rowcount == 1

    def _require(self, *ids: int) -> None:
        for memory_id in ids:
            if (
                self._conn.execute("SELECT 1 FROM memories WHERE id = ?", (memory_id,)).fetchone()
                is None
            ):
                raise MemoryStoreError(f"no memory {memory_id} (see memory_search_with_experience)")

    def delete(self, ids: Sequence[int]) -> int:
        marks = ",".join("?" * len(ids))
        with self._lock, transaction(self._conn):
            self._conn.execute(
                f"UPDATE memories SET superseded_by = NULL WHERE superseded_by IN ({marks})", ids
            )
            return self._conn.execute(f"DELETE FROM memories WHERE id IN ({marks})", ids).rowcount

    # -- reading -----------------------------------------------------------------------------

    def search(
        self,
        text: str,
        limit: int = 5,
        offset: int = 0,
        include_superseded: bool = False,
    ) -> Page:
        """Memories matching `text`, best first (BM25), with a snippet; linked ones follow."""
        need = offset + limit + 1
        while True:
            ranked = self._best(text, need, STRATEGY_POOL)
            rows = [r for r in ranked if include_superseded or r["superseded_by"] is None]
            if len(rows) >= need or len(ranked) < max(need, STRATEGY_POOL):
                break
            need *= 4  # superseded memories took places: look further
        strategies = _strategies(ranked[:STRATEGY_POOL], 3)
        page = rows[offset : offset + limit]
        words = query.terms(text)
        for row in page:
            row["snippet"] = query.snippet(row.pop("content"), words)
        if offset == 0:
            page += self._linked([h["id"] for h in page], include_superseded, limit)
        more = len(rows) > offset + limit
        return Page(page, offset + limit if more else None, strategies)

    def _best(self, text: str, need: int, pool: int) -> list[dict[str, Any]]:
        with self._lock:
            found = query.best(self._conn, text, need, pool, self._seen, f"{_HIT}, m.content")
            return [dict(r) for r in found]

    def _linked(self, ids: list[int], include_superseded: bool, limit: int) -> list[dict[str, Any]]:
        """Memories linked to the hits (not by supersession): the memory's own synonyms."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._rows(
            f"SELECT DISTINCT {_HIT}, substr(m.content, 1, 160) AS snippet, NULL AS score,"
            " l.relation AS via FROM links l JOIN memories m"
            f" ON m.id = CASE WHEN l.src IN ({marks}) THEN l.dst ELSE l.src END"
            f" WHERE (l.src IN ({marks}) OR l.dst IN ({marks})) AND l.relation != 'supersedes'"
            " AND (? OR m.superseded_by IS NULL) LIMIT ?",
            (*ids, *ids, *ids, include_superseded, limit),
        )
        seen, linked = set(ids), []
        for row in rows:
            if row["id"] not in seen:
                seen.add(row["id"])
                linked.append(row)
        return linked

    def strategies(self, text: str = "", limit: int = 3) -> list[dict[str, Any]]:
        """Techne memories that worked, most used first: among the best matches of `text`, or
        among all when there is no text."""
        if not text.strip():
            return self._rows(
                f"SELECT {_HIT}, substr(m.content, 1, 300) AS content FROM memories m"
                " WHERE m.kind = 'techne' AND m.superseded_by IS NULL"
                " AND m.outcome IS NOT 'failed' ORDER BY m.uses DESC, m.id DESC LIMIT ?",
                (limit,),
            )
        return _strategies(self._best(text, STRATEGY_POOL, STRATEGY_POOL), limit)

    def get(self, memory_id: int, mark_used: bool = True) -> dict[str, Any] | None:
        """One memory in full, with its links; opening it counts as a use."""
        rows = self._rows("SELECT * FROM memories WHERE id = ?", (memory_id,))
        if not rows:
            return None
        memory = rows[0]
        memory.pop("content_hash")
        memory["links"] = self._rows(
            "SELECT src, dst, relation FROM links WHERE src = ? OR dst = ? LIMIT 50",
            (memory_id, memory_id),
        )
        if mark_used:
            with self._lock, transaction(self._conn):
                self._conn.execute(
                    "UPDATE memories SET uses = uses + 1, last_used = ? WHERE id = ?",
                    (now(), memory_id),
                )
        return memory

    def stats(self) -> dict[str, Any]:
        kinds = {
            r["kind"]: r["n"]
            for r in self._rows("SELECT kind, count(*) AS n FROM memories GROUP BY kind")
        }
        one = self._rows(
            "SELECT count(*) AS memories, count(superseded_by) AS superseded,"
            " max(created) AS last_stored, (SELECT count(*) FROM links) AS links FROM memories"
        )[0]
        with self._lock:
            versions = applied(self._conn)
        return {
            **one,
            "by_kind": {k: kinds.get(k, 0) for k in KINDS},
            "strategies": self._rows(
                "SELECT count(*) AS n FROM memories WHERE kind = 'techne'"
                " AND superseded_by IS NULL AND outcome IS NOT 'failed'"
            )[0]["n"],
            "schema_version": max(versions, default=0),
            "bytes": _size(self.path),
        }

    def schema(self) -> dict[str, Any]:
        """Tables (the full-text index's internals left out) with their columns, and the
        applied migrations."""
        names = [
            r["name"]
            for r in self._rows(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'memories_fts_%' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        tables = {
            name: [
                f"{c['name']} {c['type']}".strip()
                for c in self._rows("SELECT name, type FROM pragma_table_info(?)", (name,))
            ]
            for name in names
        }
        migrations = self._rows("SELECT version, name FROM migrations ORDER BY version")
        return {
            "tables": tables,
            "migrations": migrations,
            "notes": "memories_fts is an FTS5 index of memories (content, subject): "
            "WHERE memories_fts MATCH 'word' ORDER BY bm25(memories_fts); "
            "superseded_by IS NULL means live",
        }

    def stale(self, root: Path) -> list[dict[str, Any]]:
        """Memories whose source file no longer exists under `root`."""
        rows = self._rows(
            "SELECT id, kind, source_path, work_id, substr(content, 1, 120) AS content"
            " FROM memories WHERE source_path IS NOT NULL ORDER BY id"
        )
        return [
            r
            for r in rows
            if _is_file_path(r["source_path"]) and not (root / r["source_path"]).exists()
        ]


def _strategies(ranked: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The live techne rows that did not fail, most used first (relevance breaks ties)."""
    found = [
        {**r, "content": r["content"][:300]}
        for r in ranked
        if r["kind"] == "techne" and r["superseded_by"] is None and r["outcome"] != "failed"
    ]
    found.sort(key=lambda r: -int(r["uses"]))
    return found[:limit]


def _is_file_path(source: str) -> bool:
    return bool(source) and "://" not in source and not source.startswith(("hook:", "cli:"))


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
