"""`haios policy check`: the hook evaluator's answer for one call, without running anything."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from haios.cli.output import print_json
from haios.errors import UsageError
from haios.project import compiled_config, find_project


def _payload(args: argparse.Namespace, root: str) -> dict[str, Any]:
    given = [n for n in ("payload", "write", "read", "bash") if getattr(args, n)]
    if len(given) != 1:
        raise UsageError(
            "give exactly one of: a payload file, --write PATH, --read PATH, --bash CMD"
        )
    if args.payload:
        try:
            with open(args.payload, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise UsageError(f"{args.payload}: not a readable JSON payload ({exc})") from None
        if not isinstance(data, dict):
            kind = type(data).__name__
            raise UsageError(
                f"not a hook payload: {args.payload} holds a JSON {kind}, not an object"
            )
        return data
    tool, key, value = (
        ("Write", "file_path", args.write)
        if args.write
        else ("Read", "file_path", args.read)
        if args.read
        else ("Bash", "command", args.bash)
    )
    if key == "file_path":
        value = os.path.abspath(value)
    return {
        "hook_event_name": "PreToolUse",
        "cwd": root,
        "tool_name": tool,
        "tool_input": {key: value, **({"content": ""} if tool == "Write" else {})},
    }


def check(args: argparse.Namespace) -> int:
    from haios.cli.hook import wired_context
    from haios.governance.hookevent import normalise
    from haios.governance.policy import decide

    project = find_project(args.project)
    payload = _payload(args, str(project.root))
    event_name = str(payload.get("hook_event_name") or "PreToolUse")
    try:
        event = normalise(event_name, payload)
    except ValueError as exc:
        raise UsageError(f"not a hook payload: {exc}") from None
    decision = decide(event, wired_context(str(project.root), compiled_config(project)))
    if args.json:
        print_json(None if decision is None else decision._asdict())
    elif decision is None:
        sys.stdout.write("no opinion: Claude Code's own permission rules apply\n")
    else:
        sys.stdout.write(f"{decision.action} ({decision.handler}): {decision.reason}\n")
    return 0
