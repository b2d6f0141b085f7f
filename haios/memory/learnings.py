"""Learnings in Markdown: the "Learnings"/"Observations" sections of a WORK.md, and the
sections of other documents, as short texts to store one by one."""

from __future__ import annotations

import re

SECTIONS = ("learnings", "observations")
MAX_CHARS = 2_000
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s*)?")
_FRONTMATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) of every heading in `text` (frontmatter and HTML comments left out)."""
    text = _COMMENT.sub("", _FRONTMATTER.sub("", text.replace("\r\n", "\n"), count=1))
    found: list[tuple[str, list[str]]] = [("", [])]
    fence = False
    for line in text.splitlines():
        fence ^= line.lstrip().startswith("```")
        match = None if fence else _HEADING.match(line)
        if match:
            found.append((match.group(2).strip(), []))
        else:
            found[-1][1].append(line)
    return [(h, "\n".join(body).strip()) for h, body in found if "\n".join(body).strip()]


def items(body: str) -> list[str]:
    """The learnings of one section: each list item, or each paragraph when there is no list."""
    result: list[str] = []
    for block in re.split(r"\n\s*\n", body):
        lines = [ln for ln in block.splitlines() if ln.strip()]
        if lines and all(_BULLET.match(ln) or ln.startswith((" ", "\t")) for ln in lines):
            current: list[str] = []
            for line in lines:
                if _BULLET.match(line) and current:
                    result.append(" ".join(current))
                    current = []
                current.append(_BULLET.sub("", line).strip())
            result.append(" ".join(current))
        elif lines:
            result.append(" ".join(ln.strip() for ln in lines))
    return [r[:MAX_CHARS] for r in result if len(r.strip(" -*[]")) > 2]


def from_work_item(text: str) -> list[str]:
    """What a WORK.md says was learned: the items of its Learnings and Observations sections."""
    return [
        item
        for heading, body in sections(text)
        if heading.lower() in SECTIONS
        for item in items(body)
    ]


def from_document(text: str) -> list[str]:
    """A document's sections, each as one memory headed by its title (trimmed)."""
    return [
        (f"{heading}: {body}" if heading else body)[:MAX_CHARS]
        for heading, body in sections(text)
        if len(body) > 20
    ]
