"""The one evaluator of hook policy, used by `haios hook` and `haios policy check`.

A hook payload becomes a `HookEvent`; every enabled handler of the registry that looks at its
event may return a `Decision`. The strongest blocking one wins (deny, then ask, then block);
without one, the context of every handler that gave some is joined, in registry order. There is
no "allow": no opinion is `None`, which lets Claude Code's own permission rules apply. Standard
library only: this runs on every tool call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module

from haios.governance.hookevent import Context, Decision, HookEvent

TYPE_CHECKING = False  # importing typing costs ~3 ms on every hook call
if TYPE_CHECKING:
    from typing import Any

_RANK = {"deny": 4, "ask": 3, "block": 2, "context": 1}
PROMPT = frozenset({"UserPromptSubmit"})
TOOLS = frozenset({"PreToolUse", "PermissionRequest"})

Handler = Callable[[HookEvent, Context], "Decision | None"]
# name -> (events it looks at, handler or "module:function" in haios.governance, imported only
# when its event comes: a PreToolUse never loads the prompt handlers); switched on and
# configured by hook-handlers.yaml. Order matters only for joined context (a prompt's first).
HANDLERS: dict[str, tuple[frozenset[str], Handler | str]] = {
    "path_governance": (TOOLS, "guards:path_governance"),
    "single_writer": (TOOLS, "guards:single_writer"),
    "destructive_command": (TOOLS, "shell_guards:destructive_command"),
    "sql_blocking": (TOOLS, "shell_guards:sql_blocking"),
    "powershell_blocking": (TOOLS, "shell_guards:powershell_blocking"),
    "activity_matrix": (TOOLS, "phases:activity_matrix"),
    "scope_guard": (TOOLS, "phases:scope_guard"),
    "exit_gate_check": (TOOLS, "exitgates:exit_gate_check"),
    "session_brief": (frozenset({"SessionStart"}), "session:session_brief"),
    "date_time_inject": (PROMPT, "session:date_time_inject"),
    "context_percentage": (PROMPT, "session:context_percentage"),
    "slim_status_refresh": (PROMPT, "session:slim_status_refresh"),
    "vitals_inject": (PROMPT, "session:vitals_inject"),
    "checkpoint_reminder": (frozenset({"Stop"}), "session:checkpoint_reminder"),
    "error_capture": (frozenset({"PostToolUseFailure"}), "aftercare:error_capture"),
    "template_validation": (frozenset({"PostToolUse"}), "aftercare:template_validation"),
    "artifact_refresh": (frozenset({"PostToolUse"}), "aftercare:artifact_refresh"),
    "cascade_trigger": (frozenset({"PostToolUse"}), "aftercare:cascade_trigger"),
}


def decide(event: HookEvent, context: Context) -> Decision | None:
    """What the enabled handlers say about this event together, or None."""
    best: Decision | None = None
    notes: list[Decision] = []
    for name, (events, handler) in HANDLERS.items():
        if event.event not in events or not context.settings.get(name, {}).get("enabled"):
            continue
        if isinstance(handler, str):
            module, _, function = handler.partition(":")
            handler = getattr(import_module(f"haios.governance.{module}"), function)
        decision = handler(event, context._replace(settings=context.settings[name]))
        if decision is None:
            continue
        if decision.action == "context":
            notes.append(decision)
        elif best is None or _RANK[decision.action] > _RANK[best.action]:
            best = decision
    if best is not None or not notes:
        return best
    text = "\n".join(n.reason for n in notes)
    if event.event in PROMPT:
        limit = context.config.get("thresholds", {}).get("prompt", {}).get("max_chars", 300)
        text = text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"
    return Decision("context", text, "+".join(n.handler for n in notes))


def context_for(
    root: str,
    config: Mapping[str, Any],
    refresh_work: Callable[[], None] | None = None,
    exit_gates: Callable[[str], Mapping[str, Any] | None] | None = None,
) -> Context:
    """The handlers' context from the compiled config of the project at `root`, with the
    callbacks into other modules the caller wires; without them the work cache is read as it
    is and no item's gates are known."""
    context = Context(root, config["haios"]["paths"]["work_dir"], config["hook_handlers"], config)
    if refresh_work is not None:
        context = context._replace(refresh_work=refresh_work)
    return context if exit_gates is None else context._replace(exit_gates=exit_gates)
