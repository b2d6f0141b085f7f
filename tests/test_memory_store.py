"""The memory store: migrations, provenance, dedupe, supersession, classification, strategies,
prune, and the read-only db_query, on real SQLite files."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from haios.errors import MemoryStoreError
from haios.memory import readonly, tools
from haios.memory.classify import classify
from haios.memory.db import connect
from haios.memory.migrations import MIGRATIONS, migrate
from haios.memory.provenance import subject_key, work_id_from_path
from haios.memory.store import MemoryStore


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    return MemoryStore(tmp_path / "memory.db", tmp_path)


def test_a_new_database_is_migrated_in_wal_mode_and_records_its_migrations(tmp_path: Path) -> None:
    MemoryStore(tmp_path / "memory.db").close()
    conn = sqlite3.connect(tmp_path / "memory.db")
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert conn.execute("SELECT version, name FROM migrations").fetchall() == [
        (1, "memories, their full-text index and links"),
        (2, "the full-text index's vocabulary, to tell common words"),
    ]
    MemoryStore(tmp_path / "memory.db").close()  # opening again applies nothing twice
    assert conn.execute("SELECT count(*) FROM migrations").fetchone() == (2,)


def test_an_older_database_is_brought_up_to_date(tmp_path: Path) -> None:
    conn = connect(tmp_path / "memory.db")
    assert migrate(conn, {1: MIGRATIONS[1]}) == [1]
    conn.execute(
        "INSERT INTO memories (content, content_hash, kind, kind_reason, created)"
        " VALUES ('Use the index', x'00', 'techne', 'r', 't')"
    )
    conn.close()

    store = MemoryStore(tmp_path / "memory.db")

    assert store.stats()["schema_version"] == 2
    assert [h["id"] for h in store.search("index").hits] == [1]


def test_a_failing_migration_is_rolled_back_whole(tmp_path: Path) -> None:
    conn = connect(tmp_path / "memory.db")
    broken = {**MIGRATIONS, 3: ("a broken step", ("CREATE TABLE extra (x)", "CREATE TABLE oops ("))}

    with pytest.raises(MemoryStoreError) as caught:
        migrate(conn, broken)

    assert str(caught.value).startswith(
        "memory database migration 3 (a broken step) failed and was rolled back: "
    )
    assert str(caught.value).endswith("; the database is unchanged")
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "memories" in names and "extra" not in names
    assert [r[0] for r in conn.execute("SELECT version FROM migrations")] == [1, 2]


def test_provenance_is_recorded_and_the_work_id_comes_from_the_path(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(tmp_path),
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
        check=True,
    )
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    store = MemoryStore(tmp_path / "memory.db", tmp_path)

    done = store.ingest(
        "Run the index rebuild after a merge",
        "docs/work/active/WORK-042/WORK.md",
        session="s-1",
    )

    memory = store.get(done.id)
    assert memory is not None
    assert (memory["source_path"], memory["work_id"], memory["session"], memory["git_commit"]) == (
        "docs/work/active/WORK-042/WORK.md",
        "WORK-042",
        "s-1",
        head,
    )


@pytest.mark.parametrize(
    ("path", "work_id"),
    [
        ("docs/work/active/WORK-042/plan.md", "WORK-042"),
        ("docs/work/archive/E2-150/WORK.md", "E2-150"),
        ("/abs/repo/docs/work/active/INV-7", "INV-7"),
        ("docs/checkpoints/2026-12-01.md", None),
        ("", None),
    ],
)
def test_work_ids_are_parsed_from_source_paths(path: str, work_id: str | None) -> None:
    assert work_id_from_path(path) == work_id


def test_the_same_learning_twice_returns_the_existing_id(store: MemoryStore) -> None:
    first = store.ingest("Use  pytest -q for a quiet run")
    again = store.ingest("use pytest -q   for a QUIET run\n")

    assert (again.id, again.duplicate) == (first.id, True)
    assert store.stats()["memories"] == 1


def test_explicit_supersession_hides_the_old_memory_unless_asked(store: MemoryStore) -> None:
    old = store.ingest("The index is rebuilt on every read")
    new = store.ingest("The index is rebuilt only when a file changed", supersedes=[old.id])

    assert new.superseded == (old.id,)
    assert [h["id"] for h in store.search("index rebuilt").hits] == [new.id]
    found = store.search("index rebuilt", include_superseded=True).hits
    assert {h["id"]: h["superseded_by"] for h in found} == {new.id: None, old.id: new.id}


def test_a_newer_memory_on_the_same_subject_supersedes_the_older(store: MemoryStore) -> None:
    tox = store.ingest("Test runner: use tox")
    pytest_ = store.ingest("Test runner: use pytest with xdist")
    other = store.ingest("Lint: use ruff")

    assert (tox.subject, pytest_.superseded) == ("test-runner", (tox.id,))
    assert {h["id"] for h in store.search("use").hits} == {pytest_.id, other.id}
    assert store.ingest("CI speed", subject="Test Runner").superseded == (pytest_.id,)


def test_superseding_a_missing_memory_is_refused(store: MemoryStore) -> None:
    with pytest.raises(MemoryStoreError) as caught:
        store.ingest("Something new", supersedes=[41])
    assert str(caught.value) == (
        "cannot supersede memory 41: no such memory (see memory_search_with_experience for ids)"
    )
    assert store.stats()["memories"] == 0  # the transaction rolled back


@pytest.mark.parametrize(
    ("text", "kind", "reason"),
    [
        ("Use pytest -q to run the tests", "techne", "an instruction (starts with 'use')"),
        ("- Never commit .venv", "techne", "an instruction (starts with 'never')"),
        (
            "To fix the lock error, close the index first",
            "techne",
            "says how to do something ('to fix')",
        ),
        (
            "SQLite allows one writer; measured 2 ms per commit",
            "episteme",
            "a finding with evidence ('measured')",
        ),
        ("The index is a derived cache", "episteme", "a statement of fact ('is')"),
        ("Maybe the parser is slow", "doxa", "hedged ('maybe'): an opinion until verified"),
        ("Why does the hook time out?", "doxa", "a question, not a finding"),
        ("Blue sky thinking", "doxa", "neither an instruction nor a statement of fact"),
    ],
)
def test_classification_is_deterministic_with_a_reason(text: str, kind: str, reason: str) -> None:
    assert classify(text) == (kind, reason)
    assert classify(text) == classify(text)


def test_strategies_are_techne_that_worked_ranked_by_uses(store: MemoryStore) -> None:
    quiet = store.ingest("Use pytest -q for quiet test runs")
    loud = store.ingest("Use pytest -vv when a test fails mysteriously")
    store.ingest("Use pytest --forked for tests", outcome="failed")
    store.ingest("pytest is the test runner here")  # episteme: not a strategy
    for _ in range(3):
        store.get(loud.id)  # opening a memory counts as a use
    store.get(quiet.id)

    assert [s["id"] for s in store.strategies()] == [loud.id, quiet.id]
    assert [s["id"] for s in store.strategies("quiet")] == [quiet.id]


def test_prune_finds_memories_whose_source_file_is_gone(store: MemoryStore, tmp_path: Path) -> None:
    (tmp_path / "kept.md").write_text("x")
    (tmp_path / "gone.md").write_text("x")
    store.ingest("Use the kept file", "kept.md")
    gone = store.ingest("Use the gone file", "gone.md")
    store.ingest("Use no file at all")
    (tmp_path / "gone.md").unlink()

    stale = store.stale(tmp_path)

    assert [(s["id"], s["source_path"]) for s in stale] == [(gone.id, "gone.md")]
    assert store.delete([gone.id]) == 1
    assert store.stale(tmp_path) == []


@pytest.mark.parametrize(
    "text",
    [
        '"; DROP TABLE memories; --',
        "pytest' OR 1=1 --",
        "NEAR(pytest quiet) AND -x * ^ :",
        'content:"pytest',
        "\x00\x01 ) (",
    ],
)
def test_search_text_is_never_syntax(store: MemoryStore, text: str) -> None:
    store.ingest("Use pytest -q for quiet test runs")
    page = store.search(text)
    assert all(h["kind"] == "techne" for h in page.hits)
    assert store.stats()["memories"] == 1


def test_bad_content_is_refused_with_a_reason(store: MemoryStore) -> None:
    cases = {
        "": "content is empty: give the learning as text",
        "x" * (10 * 1024 * 1024): "content is 10,485,760 characters; the limit is 32,000: "
        "store the learning, not the document (or split it)",
        "bad \udcff byte": "content is not valid Unicode at character 4 (a lone surrogate): "
        "decode it as UTF-8 first",
        "nul \x00 here": "content holds a NUL character: give it as text",
    }
    for content, message in cases.items():
        with pytest.raises(MemoryStoreError) as caught:
            store.ingest(content)
        assert str(caught.value) == message


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "DELETE FROM memories",
            "refused: db_query only reads, and this query needs delete memories",
        ),
        (
            "UPDATE memories SET kind = 'doxa'",
            "refused: db_query only reads, and this query needs update memories",
        ),
        (
            "ATTACH DATABASE 'x.db' AS x",
            "refused: db_query only reads, and this query needs attach x.db",
        ),
        (
            "PRAGMA journal_mode = DELETE",
            "refused: db_query only reads, and this query needs pragma journal_mode",
        ),
        (
            "DROP TABLE memories",
            "refused: db_query only reads, and this query needs delete sqlite_master",
        ),
        (
            "SELECT 1; DELETE FROM memories",
            "refused: You can only execute one statement at a time. Send one SELECT per call.",
        ),
        (
            "SELECT load_extension('x')",
            "refused: db_query only reads, and this query needs load_extension()",
        ),
        (
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
            "SELECT count(*) FROM c",
            "refused: the query ran longer than 2 s; narrow it",
        ),
    ],
)
def test_db_query_refuses_anything_but_reading(store: MemoryStore, sql: str, message: str) -> None:
    store.ingest("Use pytest -q")
    with pytest.raises(readonly.Refused) as caught:
        readonly.run(store.path, sql)
    assert str(caught.value) == message
    assert store.stats()["memories"] == 1


def test_db_query_reads_tables_and_the_full_text_index(store: MemoryStore) -> None:
    store.ingest("Use pytest -q")
    assert readonly.run(store.path, "SELECT id, kind FROM memories") == {
        "columns": ["id", "kind"],
        "rows": [[1, "techne"]],
        "truncated": False,
    }
    found = readonly.run(
        store.path, "SELECT rowid FROM memories_fts WHERE memories_fts MATCH 'pytest'"
    )
    assert found["rows"] == [[1]]


def test_answers_fit_the_budget_and_say_where_to_go_on(store: MemoryStore) -> None:
    for n in range(60):
        store.ingest(f"Use the widget number {n} " + "with a long explanation " * 40)

    answer = tools.search(store, "widget", limit=50)

    page = json.loads(answer)
    assert len(answer) <= tools.BUDGET_CHARS
    assert 0 < len(page["concepts"]) < 50
    assert page["next_offset"] == len(page["concepts"])
    answer = tools.db_query(store, "SELECT content FROM memories", limit=200)
    assert len(answer) <= tools.BUDGET_CHARS and json.loads(answer)["truncated"] is True


def test_subject_keys() -> None:
    assert subject_key("Test runner: use pytest") == "test-runner"
    assert subject_key("no label here") is None
    assert subject_key("a: b", subject="Hook Timing") == "hook-timing"
    assert subject_key("http://example.com: x") is None


def test_words_in_most_memories_do_not_rank(store: MemoryStore) -> None:
    for n in range(60):
        store.ingest(f"The widget number {n} works" + (" with gears" if n in (3, 17) else ""))

    assert sorted(h["id"] for h in store.search("widgets gear").hits) == [4, 18]
    assert [h["id"] for h in store.search("widget", limit=3).hits] == [60, 59, 58]  # newest
    assert [h["id"] for h in store.search("widgets working", limit=2).hits] == [60, 59]


def test_only_the_newest_matches_are_scored(
    store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haios.memory import query

    monkeypatch.setattr(query, "RANKED", 3)  # score the newest three matches only
    store.ingest("gear gear gear gear: the oldest note says it most often")  # id 1
    for n in range(5):
        store.ingest(f"gear number {n} in a long note about many other things entirely")

    assert 1 not in [h["id"] for h in store.search("gear", limit=5).hits]
    monkeypatch.setattr(query, "RANKED", 500)
    assert store.search("gear", limit=5).hits[0]["id"] == 1  # BM25: it says it most often


def test_a_snippet_is_a_window_around_the_first_word_found() -> None:
    from haios.memory.query import snippet

    assert snippet("Run  the\n tests   first", ["tests"]) == "Run the tests first"
    long = "intro words " * 40 + "then the Gearbox needs oil " + "and more after " * 40
    found = snippet(long, ["gear"], width=60)
    assert found.startswith("…") and found.endswith("…")
    assert "Gearbox needs oil" in found and len(found) <= 62
    assert snippet(long, ["absent"], width=20) == "intro words intro wo…"
    assert snippet(long, [], width=20) == "intro words intro wo…"


def test_a_snippet_of_a_large_memory_flattens_only_a_window() -> None:
    from haios.memory.query import snippet

    large = "lorem ipsum " * 500_000 + "the rare word at the end"  # about 6 MB
    assert snippet(large, ["rare"], width=40).endswith("the rare word at the end")
    assert snippet("rare " + large, ["rare"], width=40).startswith("rare lorem")


def test_a_word_is_common_when_the_newest_memories_hold_it(
    store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from haios.memory import query

    monkeypatch.setattr(query, "PROBE", 3)  # judged over the newest 3 / 5% = 60 memories
    for n in range(200):
        topic = "oldtopic" if n < 100 else "newtopic" if n >= 190 else "other"
        store.ingest(f"Note {n} about the {topic}")

    seen: query.Seen = {}
    assert query._selective(store._conn, ["oldtopic", "newtopic"], seen) == (["oldtopic"], False)
    assert query._selective(store._conn, ["newtopic"], seen) == (["newtopic"], True)
    assert seen["oldtopic"][0] is False and seen["newtopic"][0] is True
