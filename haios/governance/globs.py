"""Glob matching for the hot path: `fnmatchcase`'s answers, without compiling a regular
expression for patterns made of literal text and `*` (nearly all of them: `.env.*`, `*.pem`,
`~/.ssh/**`). fnmatch compiles each pattern once per process, and a hook is a new process each
time, so the regex route costs ~0.1 ms a pattern on every call."""

from __future__ import annotations

from fnmatch import fnmatchcase


def match(text: str, pattern: str) -> bool:
    """`fnmatchcase(text, pattern)`: `*` matches any run of characters, `/` included."""
    if "?" in pattern or "[" in pattern:
        return fnmatchcase(text, pattern)
    parts = pattern.split("*")
    if len(parts) == 1:
        return text == pattern
    head, tail = parts[0], parts[-1]
    end = len(text) - len(tail)
    if end < len(head) or not text.startswith(head) or not text.endswith(tail):
        return False
    pos = len(head)
    for part in parts[1:-1]:  # leftmost match of each middle part, in order
        found = text.find(part, pos, end)
        if found < 0:
            return False
        pos = found + len(part)
    return True
