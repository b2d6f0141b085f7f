"""The Claude Code plugin of this repository, as generated text: the manifest, the marketplace
entry, `hooks/hooks.json`, the slash commands, one skill per packaged cycle and `.mcp.json`.

Run from a checkout: `python -m haios.cli.plugin [--check] DIR` writes the files under DIR (or
with --check, exits 1 naming any that differ). The hooks are NOT declared in the manifest: Claude
Code loads `hooks/hooks.json` by itself, and a manifest that also names it drops every hook of
the plugin. The plugin's commands run `haios` from the PATH: a plugin cannot know where this
machine's haios lives.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from haios import __version__
from haios.cli import agentfiles, install, mcpjson

NAME = "haios"
DESCRIPTION = (
    "Governance for Claude Code sessions: work items, cycles whose gates are checked by code, "
    "hooks that enforce policy on every tool call, and a memory across sessions."
)
AUTHOR = {"name": "haios contributors"}


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def manifest() -> dict[str, Any]:
    return {
        "name": NAME,
        "version": __version__,
        "description": DESCRIPTION,
        "author": AUTHOR,
        "license": "MIT",
        "keywords": ["governance", "work-items", "hooks", "memory"],
    }


def marketplace() -> dict[str, Any]:
    return {
        "name": NAME,
        "owner": AUTHOR,
        "description": "The haios plugin, from its own repository.",
        "plugins": [
            {"name": NAME, "source": "./", "description": DESCRIPTION, "version": __version__}
        ],
    }


def hooks() -> dict[str, Any]:
    """The same events and matchers as `haios init` registers, calling `haios` from the PATH."""
    events: dict[str, Any] = {}
    for event, matcher in install.EVENTS.items():
        entry = {"type": "command", "command": f"haios hook {event}", "timeout": install.TIMEOUT}
        group: dict[str, Any] = {"hooks": [entry]}
        events[event] = [{"matcher": matcher, **group} if matcher is not None else group]
    return {"description": "haios' hooks: policy on every tool call", "hooks": events}


def files() -> dict[str, str]:
    """Path from the plugin's root -> text, for every file of the plugin."""
    from haios.configload import load_config
    from haios.project import Project

    config = load_config(Project("/nonexistent"))  # the packaged definitions only
    nodes = {rule.cycle: name for name, rule in config.node_bindings.nodes.items() if rule.cycle}
    server = {"type": "stdio", "command": NAME, "args": mcpjson.entry()["args"][-2:]}
    return {
        ".claude-plugin/plugin.json": _json(manifest()),
        ".claude-plugin/marketplace.json": _json(marketplace()),
        "hooks/hooks.json": _json(hooks()),
        ".mcp.json": _json({"mcpServers": {mcpjson.SERVER: server}}),
        **agentfiles.generated(config.cycle_definitions.cycles, config.gates.gates, nodes),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    folders = [a for a in args if a != "--check"]
    if len(folders) != 1:
        sys.stderr.write("usage: python -m haios.cli.plugin [--check] DIR\n")
        return 2
    root = Path(folders[0])
    stale = []
    for rel, text in files().items():
        path = root / rel
        current = path.read_text("utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(rel)
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
    if check and stale:
        sys.stderr.write(f"out of date (run `just plugin`): {', '.join(stale)}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
