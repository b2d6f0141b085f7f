"""The one evaluator of hook policy, used by `haios hook` and `haios policy check`.

A hook payload becomes a `HookEvent`; every enabled handler of the registry looks at it and may
return a `Decision`; the strongest wins (deny, then ask, then context). There is no "allow": no
opinion is `None`, which lets Claude Code's own permission rules apply. Standard library only:
this runs on every tool call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from haios.governance import guards
from haios.governance.hookevent import Context, Decision, HookEvent

_RANK = {"deny": 3, "ask": 2, "context": 1}


Handler = Callable[[HookEvent, Context], "Decision | None"]
# name -> (events it looks at, handler); switched on and configured by hook-handlers.yaml
HANDLERS: dict[str, tuple[frozenset[str], Handler]] = {
    "path_governance": (frozenset({"PreToolUse"}), guards.path_governance),
    "single_writer": (frozenset({"PreToolUse"}), guards.single_writer),
}


def decide(event: HookEvent, context: Context) -> Decision | None:
    """The strongest decision of the enabled handlers for this event, or None."""
    best: Decision | None = None
    for name, (events, handler) in HANDLERS.items():
        if event.event not in events or not context.settings.get(name, {}).get("enabled"):
            continue
        decision = handler(event, context._replace(settings=context.settings[name]))
        if decision is not None and (best is None or _RANK[decision.action] > _RANK[best.action]):
            best = decision
    return best


def context_for(root: str, config: Mapping[str, Any]) -> Context:
    """The handlers' context from the compiled config of the project at `root`."""
    return Context(root, config["haios"]["paths"]["work_dir"], config["hook_handlers"])
