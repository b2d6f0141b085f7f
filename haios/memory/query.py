"""Search text to an FTS5 query: words only, each quoted, so no text is ever FTS or SQL syntax."""

from __future__ import annotations

import re
import sqlite3

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


def fts_query(text: str, every: bool = False) -> str | None:
    """An FTS5 MATCH expression of the words as quoted strings: any of them (or, with `every`,
    all of them); None when there are none."""
    found = terms(text)
    if not found:
        return None
    return (" " if every else " OR ").join('"' + w.replace('"', '""') + '"' for w in found)


def ranked_ids(conn: sqlite3.Connection, text: str, want: int) -> list[int]:
    """The ids of the best `want` matches (BM25): those with every word first, then those
    with any. Ranking is the index's alone; the caller reads the rows it needs."""
    every, any_ = fts_query(text, every=True), fts_query(text)
    if any_ is None:
        return []
    sql = "SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rank LIMIT ?"
    ids = [r[0] for r in conn.execute(sql, (every, want))]
    if len(ids) < want and any_ != every:
        seen = set(ids)
        ids += [r[0] for r in conn.execute(sql, (any_, want)) if r[0] not in seen][
            : want - len(ids)
        ]
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
