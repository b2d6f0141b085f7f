"""Versioned JSON Schemas of every file haios reads or writes across a boundary.

`python -m haios.schemas` writes them to docs/contracts/<name>.v<version>.json. A schema file
of a given version never changes: when a model changes, its VERSION must move, which the contract
tests enforce (the generated schema must equal the committed file of the current version).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from haios import config, cycleconfig, hookconfig
from haios.context import checkpoint
from haios.work import schema as work_schema


def _memory_tools() -> dict[str, Any]:
    """The memory server's tool inputs (imports mcp: only when this contract is rendered)."""
    import tempfile

    from haios.memory.server import build, tool_schemas
    from haios.memory.store import MemoryStore

    with tempfile.TemporaryDirectory() as tmp, MemoryStore(Path(tmp) / "m.db") as store:
        return tool_schemas(build(store))


CONTRACTS: dict[str, tuple[int, type[BaseModel] | Callable[[], dict[str, Any]]]] = {
    "work-frontmatter": (work_schema.VERSION, work_schema.WorkFrontmatter),
    "checkpoint-frontmatter": (checkpoint.VERSION, checkpoint.CheckpointFrontmatter),
    "config-haios": (1, config.HaiosFile),
    "config-node-bindings": (2, config.NodeBindings),  # 2: then
    "config-governance-toggles": (1, config.GovernanceToggles),
    "config-hook-handlers": (3, hookconfig.HookHandlers),  # 2: Bash guards, session; 3: exit gates
    "config-thresholds": (2, config.Thresholds),  # 2: coldstart budgets
    "config-activity-matrix": (1, config.ActivityMatrix),
    "config-cycle-definitions": (1, cycleconfig.CycleDefinitions),
    "config-gates": (2, cycleconfig.GatesFile),  # 2: tiers, code_only, memory_stored
    "config-memory": (1, config.MemoryFile),
    "memory-tools": (1, _memory_tools),
}


def _model(model: Any) -> dict[str, Any]:
    schema: dict[str, Any] = model.model_json_schema()
    return schema


def generate(name: str) -> dict[str, Any]:
    version, model = CONTRACTS[name]
    schema = model() if callable(model) and not isinstance(model, type) else _model(model)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"haios:{name}:v{version}",
        "x-haios-version": version,
        **schema,
    }


def path_for(folder: Path, name: str) -> Path:
    return folder / f"{name}.v{CONTRACTS[name][0]}.json"


def render(name: str) -> str:
    return json.dumps(generate(name), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_all(folder: Path) -> list[str]:
    """Write missing schema files; refuse to change an existing version. Returns problems."""
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    for name in CONTRACTS:
        target, text = path_for(folder, name), render(name)
        if not target.exists():
            target.write_text(text, encoding="utf-8")
        elif target.read_text(encoding="utf-8") != text:
            problems.append(f"{target}: the {name} model changed; raise its VERSION, then rerun")
    return problems


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/contracts")
    errors = write_all(out)
    sys.stderr.write("".join(e + "\n" for e in errors))
    sys.exit(1 if errors else 0)
