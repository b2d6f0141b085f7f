"""Packs: cycles, gates and gate kinds from the project's packs folder and from an installed
distribution (a tiny one, built and installed by pip in the test); a pack that does not fit is
refused with its reason while the rest keeps working."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from haios.project import Project
from haios.schemas import CONTRACTS

GATES_V = CONTRACTS["config-gates"][0]
CYCLES_V = CONTRACTS["config-cycle-definitions"][0]
REVIEW_CYCLE = """\
cycles:
  review:
    description: A second pair of eyes before closing.
    phases:
      verify:
        prompt: "Ask for a review of {id} and note who reviewed it under ## Review."
        exit: [review_noted]
"""
REVIEW_GATE = """\
gates:
  review_noted: {kind: section_filled, section: Review, description: Someone reviewed it.}
"""


def pack(folder: Path, manifest: str, **files: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "pack.yaml").write_text(textwrap.dedent(manifest), "utf-8")
    for name, text in files.items():
        (folder / f"{name.replace('_', '-')}.yaml").write_text(text, "utf-8")
    return folder


def project_pack(project: Project, name: str, manifest: str, **files: str) -> Path:
    return pack(project.haios_dir / "packs" / name, manifest, **files)


def test_a_project_pack_adds_a_cycle_and_its_gate(project: Project, haios: Any) -> None:
    project_pack(
        project,
        "review",
        f"name: review\nversion: 1.0.0\nrequires: {{config-gates: {GATES_V}}}\n",
        cycle_definitions=REVIEW_CYCLE,
        gates=REVIEW_GATE,
    )
    listed = haios("cycle", "list", "--json")
    assert "review" in [c["id"] for c in listed.json()["cycles"]], listed.err
    assert haios("work", "new", "Ship it").code == 0
    started = haios("cycle", "start", "1", "review")
    assert started.out.splitlines() == [
        "WORK-001 is in review/verify",
        "  Ask for a review of WORK-001 and note who reviewed it under ## Review.",
    ]
    blocked = haios("cycle", "advance", "1")
    assert blocked.code == 1
    assert "FAIL  review_noted: docs/work/active/WORK-001/WORK.md has no `## Review` section" in (
        blocked.out
    )
    # the project's own config still wins over the pack
    (project.config_dir / "cycle-definitions.yaml").write_text(
        "cycles: {review: {description: Ours.}}\n", "utf-8"
    )
    shown = haios("cycle", "show", "review", "--json").json()
    assert (shown["description"], [p["name"] for p in shown["phases"]]) == ("Ours.", ["verify"])


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        (
            "name: old\nversion: 0.1.0\nrequires: {config-gates: 1}\n",
            f"it needs contract config-gates v1, this haios has v{GATES_V}; update the pack (or "
            f"haios) so both speak v{GATES_V}",
        ),
        (
            "name: odd\nversion: 0.1.0\nrequires: {config-rockets: 1}\n",
            "it needs contract config-rockets v1, which this haios does not have",
        ),
        ("version: 0.1.0\n", "pack.yaml: name: Field required"),
        ("name: [\n", "pack.yaml is not valid YAML"),
    ],
)
def test_a_pack_that_does_not_fit_is_refused_and_the_rest_keeps_working(
    project: Project, haios: Any, manifest: str, reason: str
) -> None:
    project_pack(project, "bad", manifest, cycle_definitions=REVIEW_CYCLE, gates=REVIEW_GATE)
    project_pack(project, "good", "name: good\nversion: 2.0.0\n", gates=REVIEW_GATE)
    listed = haios("cycle", "list", "--json")
    assert listed.code == 0
    assert "review" not in [c["id"] for c in listed.json()["cycles"]]
    doctor = haios("doctor", "--json")
    assert doctor.code == 1
    packs = next(c for c in doctor.json()["checks"] if c["check"] == "packs")
    [problem] = packs["problems"]
    assert f"{project.haios_dir / 'packs' / 'bad'} (project) is refused: " in problem["problem"]
    assert reason in problem["problem"]


def test_a_pack_from_an_installed_distribution_with_its_own_gate_kind(
    project: Project, haios: Any, tmp_path: Path
) -> None:
    source = tmp_path / "haios-ticket-pack"
    package = source / "ticket_pack"
    pack(
        package,
        f"name: tickets\nversion: 0.3.0\nrequires: {{config-gates: {GATES_V}, "
        f"config-cycle-definitions: {CYCLES_V}}}\n",
        cycle_definitions=REVIEW_CYCLE.replace("review_noted", "ticket_linked"),
        gates="kinds: {has_ticket: 'ticket_pack.kinds:has_ticket'}\n"
        "gates: {ticket_linked: {kind: has_ticket, args: {prefix: JIRA-}}}\n",
    )
    (package / "__init__.py").write_text("", "utf-8")
    (package / "kinds.py").write_text(
        textwrap.dedent(
            """\
            def has_ticket(gate_id, gate, context):
                prefix = gate.args["prefix"]
                title = context.work.title
                if prefix in title:
                    return True, f"{title!r} names a ticket", ""
                return False, f"{title!r} names no {prefix} ticket", f"put one in the title"
            """
        ),
        "utf-8",
    )
    (source / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"
            [project]
            name = "haios-ticket-pack"
            version = "0.3.0"
            [project.entry-points."haios.packs"]
            tickets = "ticket_pack"
            [tool.hatch.build.targets.wheel]
            packages = ["ticket_pack"]
            """
        ),
        "utf-8",
    )
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(site), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    env = {"PYTHONPATH": str(site) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    assert haios("work", "new", "Fix login", env=env).code == 0
    assert haios("cycle", "start", "1", "review", env=env).code == 0
    blocked = haios("cycle", "check", "1", env=env)
    assert (blocked.code, blocked.out.splitlines()[1]) == (
        1,
        "  FAIL  ticket_linked: 'Fix login' names no JIRA- ticket; put one in the title",
    )
    # without the distribution, the project falls back to the packaged cycles
    assert "review" not in haios("cycle", "list").out
