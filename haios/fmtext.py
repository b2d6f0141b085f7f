"""A Markdown file's YAML frontmatter as text: split it off and cut it into top-level key blocks,
without parsing YAML. Standard library only, so the hook's hot path can use it too."""

from __future__ import annotations

import re

_KEY_LINE = re.compile(r"^(?![#\s-])([^:\s][^:]*?)\s*:(?:\s|$)")


def split(text: str) -> tuple[str, str, str] | None:
    """(opening line, frontmatter text, closing line + body), or None without frontmatter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].lstrip("\ufeff").rstrip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            return lines[0], "".join(lines[1:index]), "".join(lines[index:])
    return None


def blocks(fm_text: str) -> list[tuple[str | None, list[str]]]:
    """Top-level key blocks in order; comment and blank lines form keyless blocks."""
    found: list[tuple[str | None, list[str]]] = []
    for line in fm_text.splitlines(keepends=True):
        match = _KEY_LINE.match(line)
        if match:
            found.append((match.group(1).strip("'\""), [line]))
        elif found and found[-1][0] is not None and line[:1] in (" ", "\t", "-"):
            found[-1][1].append(line)
        else:
            found.append((None, [line]))
    return found


def key_texts(text: str) -> dict[str, str] | None:
    """Each top-level frontmatter key's lines, as text; None when there is no frontmatter."""
    parts = split(text)
    if parts is None:
        return None
    return {key: "".join(lines) for key, lines in blocks(parts[1]) if key is not None}
