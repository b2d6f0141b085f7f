"""Where a memory came from: the work item in its source path, the git commit, the subject key."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from haios.errors import MemoryStoreError

_WORK_PATH = re.compile(
    r"(?:^|[/\\])work[/\\](?:active|archive)[/\\]([A-Za-z][\w.-]{0,63})(?=[/\\]|$)"
)
_LABEL = re.compile(r"^\s*(?:[-*•]\s+)?([A-Za-z][\w .'/-]{0,58}[\w)])\s*:\s+\S")
_SUBJECT_WORDS = 6
# labels that say what kind of remark follows, not what it is about
_NOT_SUBJECTS = frozenset(
    [
        "note",
        "nb",
        "tip",
        "todo",
        "warning",
        "important",
        "update",
        "fix",
        "learning",
        "lesson",
        "observation",
        "finding",
        "caveat",
        "question",
        "answer",
        "idea",
        "result",
        "summary",
        "context",
    ]
)


def work_id_from_path(source_path: str) -> str | None:
    """`docs/work/active/WORK-042/plan.md` -> `WORK-042`; None when the path names no item."""
    match = _WORK_PATH.search(source_path or "")
    return match.group(1) if match else None


def subject_key(content: str, subject: str | None = None) -> str | None:
    """The subject a memory is about: `subject` when given, else a short leading label
    (`Test runner: use pytest -q` -> `test-runner`); normalised to lowercase-dashed words."""
    raw = subject
    if raw is None:
        match = _LABEL.match(content)
        if match is None or len(match.group(1).split()) > _SUBJECT_WORDS:
            return None
        if match.group(1).lower() in _NOT_SUBJECTS:
            return None
        raw = match.group(1)
    words = re.findall(r"[\w.]+", raw.lower())
    return "-".join(words)[:80] or None


def normalised(content: str) -> str:
    return " ".join(content.split())


def content_hash(content: str) -> bytes:
    """Two learnings that differ only in case and spacing are the same learning (16 bytes of
    SHA-256: a chance collision needs some 10^19 memories)."""
    return hashlib.sha256(normalised(content).casefold().encode("utf-8")).digest()[:16]


def git_commit(root: Path) -> str | None:
    """HEAD's commit of the repository at `root`, read from .git without running git."""
    git = root / ".git"
    try:
        if git.is_file():  # a worktree: "gitdir: <path>"
            git = (root / git.read_text("utf-8").split(":", 1)[1].strip()).resolve()
        head = (git / "HEAD").read_text("utf-8").strip()
        if not head.startswith("ref:"):
            return head or None
        ref = head.split(":", 1)[1].strip()
        return _ref(git, ref) or _ref(_common(git), ref)
    except (OSError, IndexError):
        return None


def _common(git: Path) -> Path:
    try:
        return (git / (git / "commondir").read_text("utf-8").strip()).resolve()
    except OSError:
        return git


def _ref(git: Path, ref: str) -> str | None:
    try:
        return (git / ref).read_text("utf-8").strip() or None
    except OSError:
        pass
    try:
        for line in (git / "packed-refs").read_text("utf-8").splitlines():
            if line.endswith(f" {ref}"):
                return line.split()[0]
    except OSError:
        pass
    return None


MAX_CONTENT = 32_000  # characters in one memory: a learning, not a document


def checked(content: str) -> str:
    """`content` stripped, or MemoryStoreError saying what is wrong with it."""
    if not isinstance(content, str) or not content.strip():
        raise MemoryStoreError("content is empty: give the learning as text")
    if len(content) > MAX_CONTENT:
        raise MemoryStoreError(
            f"content is {len(content):,} characters; the limit is {MAX_CONTENT:,}: "
            "store the learning, not the document (or split it)"
        )
    if "\x00" in content:
        raise MemoryStoreError("content holds a NUL character: give it as text")
    try:
        content.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MemoryStoreError(
            f"content is not valid Unicode at character {exc.start} (a lone surrogate): "
            "decode it as UTF-8 first"
        ) from exc
    return content.strip()
