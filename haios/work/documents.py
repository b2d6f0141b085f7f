"""The documents of an item's folder that gates read (PLAN.md, INVESTIGATION.md, …), created
from a template that holds every section a gate checks, so no gate can be passed by omission.

Which documents exist, and which sections each needs, comes from the gates: a project gate on a
new document makes that document creatable too. Guidance in a template is written as HTML
comments, which the gates do not count as content.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from string import Template

from haios.cycleconfig import Gate
from haios.errors import UsageError
from haios.project import Project, packaged_defaults

WORK_FILE = "WORK.md"


def required(gates: Mapping[str, Gate]) -> dict[str, list[str]]:
    """Document file name -> the sections gates check in it, in the order the gates name them."""
    found: dict[str, list[str]] = {}
    for gate in gates.values():
        if gate.document == WORK_FILE or gate.section is None:
            continue
        sections = found.setdefault(gate.document, [])
        if gate.section not in sections:
            sections.append(gate.section)
    return found


def kind_of(document: str) -> str:
    """`PLAN.md` -> `plan`: the name a user types."""
    return Path(document).stem.lower()


def resolve(kind: str, gates: Mapping[str, Gate]) -> tuple[str, list[str]]:
    """(file name, required sections) of a document kind, or UsageError naming the kinds."""
    documents = required(gates)
    for document, sections in documents.items():
        if kind_of(document) == kind.strip().lower():
            return document, sections
    kinds = ", ".join(sorted(kind_of(d) for d in documents)) or "none"
    raise UsageError(f"unknown document {kind!r}; documents that gates check: {kinds}")


def template(project: Project, kind: str) -> str | None:
    """The project's template of `kind` (config/documents/), else the packaged one, else None."""
    for folder in (project.config_dir / "documents", packaged_defaults() / "documents"):
        path = folder / f"{kind}.md"
        if path.is_file():
            return path.read_text("utf-8")
    return None


def render(text: str | None, document: str, sections: list[str], work_id: str, title: str) -> str:
    """The new document: the template filled in, plus a heading for every required section the
    template lacks."""
    text = text if text is not None else f"# $id: {kind_of(document)} for $title\n"
    body = Template(text).safe_substitute(id=work_id, title=title).rstrip("\n") + "\n"
    headings = {
        line.lstrip("#").strip().casefold() for line in body.splitlines() if line[:1] == "#"
    }
    for section in sections:
        if section.casefold() not in headings:
            body += f"\n## {section}\n\n<!-- required: a gate checks that this is filled -->\n"
    return body
