"""The memory database's schema as numbered migrations, each applied in one transaction.

A migration is a tuple of statements (triggers hold semicolons, so no script splitting). Each
runs inside `BEGIN IMMEDIATE` with its row in `migrations`; a failure rolls both back, so a
database is always at a whole version. Two processes opening one new database at once are safe:
the write lock is taken before the applied versions are read.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from haios.errors import MemoryStoreError

_MEMORIES = """
CREATE TABLE memories (
    id INTEGER PRIMARY KEY,
    content TEXT NOT NULL,
    content_hash BLOB NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('episteme', 'techne', 'doxa')),
    kind_reason TEXT NOT NULL,
    subject TEXT,
    outcome TEXT CHECK (outcome IN ('worked', 'failed')),
    source_path TEXT,
    work_id TEXT,
    session TEXT,
    git_commit TEXT,
    created TEXT NOT NULL,
    superseded_by INTEGER REFERENCES memories (id),
    uses INTEGER NOT NULL DEFAULT 0,
    last_used TEXT
)"""

_FTS = """
CREATE VIRTUAL TABLE memories_fts USING fts5 (
    content, subject, content = 'memories', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
)"""

_TRIGGERS = (
    """CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
        INSERT INTO memories_fts (rowid, content, subject)
        VALUES (new.id, new.content, coalesce(new.subject, ''));
    END""",
    """CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content, subject)
        VALUES ('delete', old.id, old.content, coalesce(old.subject, ''));
    END""",
    """CREATE TRIGGER memories_au AFTER UPDATE OF content, subject ON memories BEGIN
        INSERT INTO memories_fts (memories_fts, rowid, content, subject)
        VALUES ('delete', old.id, old.content, coalesce(old.subject, ''));
        INSERT INTO memories_fts (rowid, content, subject)
        VALUES (new.id, new.content, coalesce(new.subject, ''));
    END""",
)

_LINKS = """
CREATE TABLE links (
    src INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
    dst INTEGER NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
    relation TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (src, dst, relation)
)"""

# version -> (name, statements); append only, never edit a released one
MIGRATIONS: dict[int, tuple[str, tuple[str, ...]]] = {
    1: (
        "memories, their full-text index and links",
        (
            _MEMORIES,
            "CREATE INDEX memories_subject ON memories (subject) WHERE superseded_by IS NULL",
            "CREATE INDEX memories_work ON memories (work_id)",
            "CREATE INDEX memories_strategies ON memories (kind, uses)",
            _FTS,
            "INSERT INTO memories_fts (memories_fts, rank) VALUES ('rank', 'bm25(1.0, 0.5)')",
            *_TRIGGERS,
            _LINKS,
            "CREATE INDEX links_dst ON links (dst)",
        ),
    ),
    2: (
        "the full-text index's vocabulary, to tell common words",
        ("CREATE VIRTUAL TABLE memories_vocab USING fts5vocab (memories_fts, 'row')",),
    ),
}


def applied(conn: sqlite3.Connection) -> list[int]:
    rows = conn.execute("SELECT version FROM migrations ORDER BY version").fetchall()
    return [int(r[0]) for r in rows]


def migrate(
    conn: sqlite3.Connection, migrations: dict[int, tuple[str, tuple[str, ...]]] | None = None
) -> list[int]:
    """Apply the missing migrations in order (the connection must be in autocommit mode);
    return the versions applied now."""
    steps = MIGRATIONS if migrations is None else migrations
    conn.execute(
        "CREATE TABLE IF NOT EXISTS migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"
    )
    done: list[int] = []
    for version in sorted(steps):
        name, statements = steps[version]
        conn.execute("BEGIN IMMEDIATE")
        try:
            if version in applied(conn):
                conn.execute("ROLLBACK")
                continue
            for statement in statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO migrations (version, name, applied) VALUES (?, ?, ?)",
                (version, name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise MemoryStoreError(
                f"memory database migration {version} ({name}) failed and was rolled back: "
                f"{exc}; the database is unchanged"
            ) from exc
        done.append(version)
    return done
