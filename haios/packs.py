"""Packs: cycles, gates and gate kinds from outside haios, overlaid on the packaged defaults.

A pack is a folder holding `pack.yaml` (its name, version and the contract versions it needs)
and any of `cycle-definitions.yaml` and `gates.yaml`. It comes from the project
(`.claude/haios/packs/<name>/`) or from an installed distribution that names a package holding
that folder under the entry point group `haios.packs`. A pack whose manifest is broken or whose
contracts this haios does not have is refused, with the reason; the others keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

GROUP = "haios.packs"
MANIFEST = "pack.yaml"
FILES = ("cycle-definitions.yaml", "gates.yaml")  # the config files a pack may provide
PROJECT_PACKS = "packs"  # under .claude/haios/


class Manifest(BaseModel):
    """`pack.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="The pack's name.")
    version: str = Field(min_length=1, description="The pack's own version.")
    description: str = ""
    requires: dict[str, int] = Field(
        {}, description="Contract name → the version the pack is written for, e.g. config-gates: 3."
    )


@dataclass(frozen=True)
class Pack:
    name: str
    version: str
    folder: Path
    origin: str  # "project" or "distribution NAME"

    def files(self) -> list[Path]:
        return [self.folder / name for name in (MANIFEST, *FILES) if (self.folder / name).is_file()]


@dataclass(frozen=True)
class Refused:
    where: str
    reason: str


def _sources(packs_dir: Path) -> list[tuple[Path, str, str]]:
    """(folder, origin, why it cannot be read or "") of every pack, project ones first."""
    found = []
    if packs_dir.is_dir():
        for folder in sorted(p for p in packs_dir.iterdir() if p.is_dir()):
            found.append((folder, "project", ""))
    for point in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name):
        origin = f"distribution {point.dist.name if point.dist else point.name}"
        try:
            found.append((Path(str(resources.files(point.value))), origin, ""))
        except (ImportError, TypeError, ValueError) as exc:
            found.append((Path(point.value), origin, f"its package cannot be imported ({exc})"))
    return found


def discover(packs_dir: Path, contracts: dict[str, int]) -> tuple[list[Pack], list[Refused]]:
    """The packs that fit (project packs first, then distributions, each by name) and those
    refused with the reason. `contracts` maps each contract to the version this haios has."""
    packs: list[Pack] = []
    refused: list[Refused] = []
    for folder, origin, unreadable in _sources(packs_dir):
        where = f"{folder} ({origin})"
        if unreadable:
            refused.append(Refused(where, unreadable))
            continue
        problem, manifest = _manifest(folder / MANIFEST)
        if manifest is None:
            refused.append(Refused(where, problem))
            continue
        problem = _unmet(manifest.requires, contracts)
        if problem:
            refused.append(Refused(f"pack {manifest.name} {manifest.version} in {where}", problem))
            continue
        packs.append(Pack(manifest.name, manifest.version, folder, origin))
    return packs, refused


def _manifest(path: Path) -> tuple[str, Manifest | None]:
    try:
        data: Any = yaml.safe_load(path.read_text("utf-8"))
        return "", Manifest.model_validate(data)
    except OSError:
        return f"no {MANIFEST} (it names the pack, its version and the contracts it needs)", None
    except yaml.YAMLError as exc:
        return f"{MANIFEST} is not valid YAML ({getattr(exc, 'problem', exc)})", None
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(k) for k in error["loc"]) or "(top)"
        return f"{MANIFEST}: {where}: {error['msg']}", None


def _unmet(requires: dict[str, int], contracts: dict[str, int]) -> str:
    for name, wanted in sorted(requires.items()):
        have = contracts.get(name)
        if have is None:
            return f"it needs contract {name} v{wanted}, which this haios does not have"
        if have != wanted:
            return (
                f"it needs contract {name} v{wanted}, this haios has v{have}; "
                f"update the pack (or haios) so both speak v{have}"
            )
    return ""
