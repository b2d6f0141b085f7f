"""haios' memory server in the project's `.mcp.json`: merged in by `init`, taken out by
`uninstall`. Every other server and key stays as it was; a server of someone else's under haios'
name is never replaced."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from haios.cli import install

SERVER = "haios"
FILE = ".mcp.json"


def entry() -> dict[str, Any]:
    """The server entry of this installation: `haios memory serve` by absolute path."""
    program, *rest = install.haios_argv()
    return {"type": "stdio", "command": program, "args": [*rest, "memory", "serve"]}


def is_ours(server: object) -> bool:
    """Whether an entry runs a haios (this one or another installation of it)."""
    if not isinstance(server, dict) or not isinstance(server.get("command"), str):
        return False
    args = server.get("args")
    args = args if isinstance(args, list) else []
    name = os.path.basename(str(server["command"]))
    return name == "haios" or args[:2] == ["-m", "haios"]


def parse(text: str | None, shown: str) -> dict[str, Any]:
    """The `.mcp.json` object ({} when missing); HaiosError when it is not usable."""
    return install.json_object(text, shown, "mcpServers")


def merged(data: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """(a copy of `data` with haios' server, a notice when the name is someone else's)."""
    result = copy.deepcopy(data)
    servers = result.setdefault("mcpServers", {})
    current = servers.get(SERVER)
    if current is not None and not is_ours(current):
        command = current.get("command") if isinstance(current, dict) else None
        return data, (
            f'{FILE}: a server named "{SERVER}" is already there and is not haios\' '
            f"({command or json.dumps(current)}); left it. "
            "Rename it, then run `haios init` again to add haios' memory server"
        )
    servers[SERVER] = {**(current or {}), **entry()}
    return result, None


def removed(data: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(data)
    servers = result.get("mcpServers", {})
    if is_ours(servers.get(SERVER)):
        del servers[SERVER]
    if not servers:
        result.pop("mcpServers", None)
    return result


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
