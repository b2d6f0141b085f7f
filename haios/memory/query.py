"""Search text to an FTS5 query: words only, each quoted, so no text is ever FTS or SQL syntax."""

from __future__ import annotations

import re
import sqlite3
import time

MAX_TERMS = 24
_WORD = re.compile(r"\w+", re.UNICODE)
_COMMON = "a an and are as at be by for from has have how i in is it its of on or that the this to"
STOPWORDS = frozenset(f"{_COMMON} was were what when where which who why will with".split(" "))


def terms(text: str) -> list[str]:
    """The distinct search words of `text`, lowercased, common words left out (unless that
    would leave nothing)."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(text or "")))
    kept = [w for w in words if w not in STOPWORDS] or words
    return kept[:MAX_TERMS]


COMMON_SHARE = 0.05  # a word in more than this share of the memories hardly ranks anything
PROBE = 50  # a word's share is judged by how recent its PROBE-th newest match is


def _quoted(words: list[str], every: bool) -> str:
    return (" " if every else " OR ").join('"' + w.replace('"', '""') + '"' for w in words)


def fts_query(text: str, every: bool = False) -> str | None:
    """An FTS5 MATCH expression of the words as quoted strings: any of them (or, with `every`,
    all of them); None when there are none."""
    found = terms(text)
    return _quoted(found, every) if found else None


Seen = dict[str, tuple[bool, float]]  # word -> (common, when judged)
SEEN_TTL = 60.0
_PROBE_SQL = (
    "SELECT (SELECT max(rowid) FROM memories) - rowid FROM memories_fts"
    " WHERE memories_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?"
)


def _selective(conn: sqlite3.Connection, words: list[str], seen: Seen) -> tuple[list[str], bool]:
    """The words worth ranking by, and whether they are all common. A word held by more than
    COMMON_SHARE of the newest memories is dropped (its weight in BM25 is small, and ranking by
    it would read a large part of the index); when every word is that common, all are kept."""
    rare = [w for w in words if not _common(conn, w, seen)]
    return (rare, False) if rare else (words, True)


def _common(conn: sqlite3.Connection, word: str, seen: Seen) -> bool:
    """Whether `word` is in more than COMMON_SHARE of the newest memories: its PROBE-th newest
    match is among the newest PROBE / COMMON_SHARE (so a word in fewer than PROBE memories
    never is). Reading a word's newest matches costs the same for any word (counting all its
    matches reads its whole index entry: milliseconds for a word in most memories); the answer
    is kept for SEEN_TTL seconds."""
    now = time.monotonic()
    known = seen.get(word)
    if known and now - known[1] < SEEN_TTL:
        return known[0]
    if len(seen) > 10_000:
        seen.clear()
    row = conn.execute(_PROBE_SQL, (_quoted([word], True), PROBE - 1)).fetchone()
    common = row is not None and row[0] < PROBE / COMMON_SHARE
    seen[word] = (common, now)
    return common


RANKED = 100  # BM25 scores at most this many matches, the newest: the cost of a search is bounded


def best(
    conn: sqlite3.Connection, text: str, need: int, pool: int, seen: Seen, columns: str
) -> list[sqlite3.Row]:
    """`columns` of the best matches (memories `m`, best first by BM25), at least `need` when
    there are (up to `pool`): those with every word first, then those with any. Scoring costs
    about a microsecond a match, so only the newest RANKED matches are scored; a query of
    common words only lists the newest memories holding them (ranking them all would read most
    of the index). The rows are read in the same statement, for the best matches only."""
    found = terms(text)
    if not found:
        return []
    words, common = _selective(conn, found, seen)
    newest = "FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rowid DESC LIMIT ?"
    matches = (
        f"SELECT rowid AS id, -rowid AS score {newest}"
        if common
        else f"SELECT id, score FROM (SELECT rowid AS id, rank AS score {newest})"
        " ORDER BY score LIMIT ?"
    )
    sql = f"SELECT {columns} FROM ({matches}) AS f JOIN memories m ON m.id = f.id ORDER BY f.score"
    want = max(need, pool)
    bounds = (want,) if common else (RANKED, want)
    rows = conn.execute(sql, (_quoted(words, True), *bounds)).fetchall()
    if len(rows) < need and len(words) > 1:
        have = {r["id"] for r in rows}
        more = conn.execute(sql, (_quoted(words, False), *bounds))
        rows += [r for r in more if r["id"] not in have][: want - len(rows)]
    return rows


def snippet(content: str, words: list[str], width: int = 160) -> str:
    """About `width` characters of `content`, whitespace runs read as one space, from a little
    before the first of `words` it holds (or from its start). Only a window around that word is
    flattened: a large memory costs a scan for the word, no more."""
    if len(content) <= width:
        return " ".join(content.split())
    prefixes = [w[:5] for w in words]
    at = _first(content, prefixes)
    low, high = max(0, at - width), at + 2 * width
    flat = " ".join(content[low:high].split())
    start = max(0, min(_first(flat, prefixes) - width // 4, len(flat) - width))
    before = low > 0 or start > 0
    after = start + width < len(flat) or high < len(content)
    return ("…" if before else "") + flat[start : start + width].strip() + ("…" if after else "")


def _first(text: str, prefixes: list[str], chunk: int = 4096) -> int:
    """Where the first of `prefixes` (lowercase) starts in `text`, in any case; 0 if nowhere.
    Read a chunk at a time, so a word near the start of a large text is found at once."""
    for start in range(0, len(text), chunk):
        piece = text[start : start + chunk + 8].lower()
        hits = [at for p in prefixes if (at := piece.find(p)) >= 0]
        if hits:
            return start + min(hits)
    return 0
