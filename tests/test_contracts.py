"""Contracts are files with versions: committed schemas match the models, and the files haios
reads and writes (legacy samples included) validate against them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from haios.project import packaged_defaults
from haios.runtime import Runtime
from haios.schemas import CONTRACTS, path_for, render, write_all
from haios.work import files
from haios.work.model import jsonable

from .conftest import LEGACY_CHECKPOINTS, LEGACY_WORK

CONTRACTS_DIR = Path(__file__).parents[1] / "docs" / "contracts"


def _schema(name: str) -> dict[str, Any]:
    return dict(json.loads(path_for(CONTRACTS_DIR, name).read_text("utf-8")))


def _frontmatter(path: Path) -> dict[str, Any]:
    return dict(jsonable(files.read(path).meta))


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_committed_schema_matches_its_model(name: str) -> None:
    committed = path_for(CONTRACTS_DIR, name)
    assert committed.exists(), f"missing {committed}: run `just contracts`"
    assert committed.read_text("utf-8") == render(name), (
        f"{name} changed without a version bump: raise its VERSION and run `just contracts`"
    )


def test_a_changed_model_cannot_overwrite_its_version(tmp_path: Path) -> None:
    assert write_all(tmp_path) == []
    target = path_for(tmp_path, "work-frontmatter")
    target.write_text("{}\n", "utf-8")
    problems = write_all(tmp_path)
    message = "the work-frontmatter model changed; raise its VERSION, then rerun"
    assert problems == [f"{target}: {message}"]
    assert target.read_text("utf-8") == "{}\n"


@pytest.mark.parametrize("path", sorted(LEGACY_WORK.glob("*/WORK.md")), ids=lambda p: p.parent.name)
def test_legacy_work_items_fit_the_contract(path: Path) -> None:
    jsonschema.validate(_frontmatter(path), _schema("work-frontmatter"))


def test_items_haios_writes_fit_the_contract(rt: Runtime) -> None:
    first = rt.work.create("First")
    second = rt.work.create("Second", priority="high", blocked_by=[first.id])
    rt.work.transition(first.id, "plan")
    rt.work.transition(first.id, "implement")
    rt.work.claim(second.id, "agent")
    rt.work.close(first.id)
    for item in (first, second):
        written = _frontmatter(Path(rt.work.get(item.id).path))
        jsonschema.validate(written, _schema("work-frontmatter"))


@pytest.mark.parametrize("path", sorted(LEGACY_CHECKPOINTS.glob("*.md")), ids=lambda p: p.name)
def test_legacy_checkpoints_fit_the_contract(path: Path) -> None:
    jsonschema.validate(_frontmatter(path), _schema("checkpoint-frontmatter"))


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("haios.yaml", "config-haios"),
        ("node-bindings.yaml", "config-node-bindings"),
        ("governance-toggles.yaml", "config-governance-toggles"),
        ("hook-handlers.yaml", "config-hook-handlers"),
        ("cycle-definitions.yaml", "config-cycle-definitions"),
        ("gates.yaml", "config-gates"),
    ],
)
def test_packaged_config_fits_the_contract(file: str, name: str) -> None:
    data = yaml.safe_load((packaged_defaults() / file).read_text("utf-8"))
    jsonschema.validate(data, _schema(name))


def test_a_bad_work_item_is_rejected_by_the_contract() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "../etc", "title": "x"}, _schema("work-frontmatter"))
