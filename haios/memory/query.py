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


COMMON_SHARE = 0.05  # a word in more than this share of all memories hardly ranks anything
COMMON_FROM = 2_000  # below this many memories, ranking every match is cheap: keep every word


def _quoted(words: list[str], every: bool) -> str:
    return (" " if every else " OR ").join('"' + w.replace('"', '""') + '"' for w in words)


def fts_query(text: str, every: bool = False) -> str | None:
    """An FTS5 MATCH expression of the words as quoted strings: any of them (or, with `every`,
    all of them); None when there are none."""
    found = terms(text)
    return _quoted(found, every) if found else None


def _selective(conn: sqlite3.Connection, words: list[str], cache: Counts) -> tuple[list[str], bool]:
    """The words worth ranking by, and whether they are all common. A word in more than
    COMMON_SHARE of the memories is dropped (its weight in BM25 is small, and ranking by it
    would score a large part of the index); when every word is that common, all are kept."""
    total = conn.execute("SELECT max(rowid) FROM memories").fetchone()[0] or 0
    if total < COMMON_FROM:
        return words, False
    stems = _stems(conn, words)
    counts = _doc_counts(conn, sorted(set(stems.values())), total, cache)
    rare = [w for w in words if counts.get(stems.get(w, w), 0) <= COMMON_SHARE * total]
    return (rare, False) if rare else (words, True)


_STEMMER = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.haios_stem USING fts5"
    " (w, tokenize = 'porter unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.haios_stem_terms"
    " USING fts5vocab (temp, haios_stem, instance)",
)


_STEM_OF: dict[str, str] = {}  # word -> stem: fixed by the tokenizer, so kept for the process


def _stems(conn: sqlite3.Connection, words: list[str]) -> dict[str, str]:
    """word -> the term the index holds for it (its porter stem). A word not seen before goes
    through a scratch index of the same tokenizer in the connection's temp schema."""
    new = [w for w in words if w not in _STEM_OF]
    if new:
        for statement in _STEMMER:
            conn.execute(statement)
        conn.execute("DELETE FROM temp.haios_stem")
        conn.executemany(
            "INSERT INTO temp.haios_stem (rowid, w) VALUES (?, ?)", list(enumerate(new, 1))
        )
        if len(_STEM_OF) > 50_000:
            _STEM_OF.clear()
        for doc, term in conn.execute("SELECT doc, term FROM temp.haios_stem_terms"):
            _STEM_OF[new[doc - 1]] = term
    return {w: _STEM_OF[w] for w in words if w in _STEM_OF}


Counts = dict[str, tuple[int, float, int]]  # stem -> (documents, when, index size then)
COUNTS_TTL = 60.0


def _doc_counts(
    conn: sqlite3.Connection, stems: list[str], total: int, cache: Counts
) -> dict[str, int]:
    """How many memories hold each stem. Counting reads the stem's whole entry in the index,
    so counts are kept for a minute (or until the index grew a tenth): they only decide
    whether a word is common."""
    now = time.monotonic()
    fresh = {
        s: c[0]
        for s in stems
        if (c := cache.get(s)) and now - c[1] < COUNTS_TTL and total < c[2] * 1.1
    }
    missing = [s for s in stems if s not in fresh]
    if missing:
        marks = ",".join("?" * len(missing))
        sql = f"SELECT term, doc FROM memories_vocab WHERE term IN ({marks})"
        found = dict(conn.execute(sql, missing).fetchall())
        for stem in missing:
            fresh[stem] = found.get(stem, 0)
            cache[stem] = (fresh[stem], now, total)
    if len(cache) > 10_000:
        cache.clear()
    return fresh


RANKED = 500  # BM25 scores at most this many matches, the newest: the cost of a search is bounded


def ranked_ids(
    conn: sqlite3.Connection, text: str, need: int, pool: int, cache: Counts
) -> list[int]:
    """The ids of the best matches (BM25), at least `need` when there are (up to `pool`):
    those with every word first, then those with any. Scoring costs about a microsecond a
    match, so only the newest RANKED matches are scored; a query of common words only lists
    the newest memories holding them (ranking them all would read most of the index)."""
    found = terms(text)
    if not found:
        return []
    words, common = _selective(conn, found, cache)
    newest = "FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rowid DESC LIMIT ?"
    sql = (
        f"SELECT rowid {newest}"
        if common
        else f"SELECT rowid FROM (SELECT rowid, rank {newest}) ORDER BY rank LIMIT ?"
    )
    want = max(need, pool)
    bounds = (want,) if common else (RANKED, want)
    ids = [r[0] for r in conn.execute(sql, (_quoted(words, True), *bounds))]
    if len(ids) < need and len(words) > 1:
        seen = set(ids)
        more = conn.execute(sql, (_quoted(words, False), *bounds))
        ids += [r[0] for r in more if r[0] not in seen][: want - len(ids)]
    return ids


def snippet(content: str, text: str, width: int = 160) -> str:
    """About `width` characters of `content` around the first word of `text` it holds."""
    flat = " ".join(content.split())
    if len(flat) <= width:
        return flat
    lowered = flat.lower()
    hits = [lowered.find(w[:5]) for w in terms(text)]
    at = min((h for h in hits if h >= 0), default=0)
    start = max(0, min(at - width // 4, len(flat) - width))
    return ("…" if start else "") + flat[start : start + width].strip() + "…"
