"""Every command of the CLI as data: name, handler, help and arguments (one table, no logic)."""

from __future__ import annotations

TYPE_CHECKING = False  # `haios work ready|list` read this table: importing typing costs ~2 ms
if TYPE_CHECKING:
    from typing import Any

    Arg = tuple[tuple[str, ...], dict[str, Any]]
OWNER = "who acts (default: HAIOS_SESSION, else the Claude Code session id, else user@host)"


def arg(*flags: str, **options: Any) -> Arg:
    return flags, options


ID = arg("id", help="work item id, e.g. WORK-007 (or just 7)")
TIER = arg("--tier", choices=("full", "light", "minimal"), help="override the tier")
TRIGGER = arg(
    "--trigger",
    choices=("coldstart", "session_recovery", "resume", "clear"),
    default="coldstart",
    help="what starts the session (default: coldstart)",
)
# name -> (handler as module:function under haios.cli, help, arguments, takes --json)
if TYPE_CHECKING:
    Commands = dict[str, tuple[str, str, tuple[Arg, ...], bool]]
WORK: Commands = {
    "new": (
        "work:new",
        "Create a work item in the backlog.",
        (
            arg("title", help="what the work is, in one line"),
            arg("--type", help="item type (see work.types in haios.yaml)"),
            arg("--priority", choices=("critical", "high", "medium", "low")),
            arg(
                "--blocked-by",
                action="append",
                default=[],
                metavar="ID",
                help="an item this one waits for (repeatable)",
            ),
        ),
        True,
    ),
    "show": ("work:show", "Show one work item with its history and documents.", (ID,), True),
    "list": (
        "work:list_",
        "List work items, optionally filtered.",
        (
            arg("--status", choices=("active", "complete", "abandoned")),
            arg("--node", help="lifecycle node, e.g. plan"),
            arg("--queue", choices=("parked", "backlog", "ready", "working", "done")),
            arg("--type", help="item type"),
            arg("--owner", help="who claimed it"),
            arg("--text", help="words in the title or id"),
        ),
        True,
    ),
    "ready": (
        "work:ready",
        "Open items not blocked by open items, best first.",
        (
            arg(
                "--limit", type=int, metavar="N", help="show the top N (default: work.ready_limit)"
            ),
            arg("--all", action="store_true", help="show every ready item"),
        ),
        True,
    ),
    "next": (
        "work:next_",
        "Show (or --claim) the top ready item.",
        (
            arg("--claim", action="store_true", help="claim it in the same step"),
            arg("--owner", help=OWNER),
        ),
        True,
    ),
    "claim": (
        "work:claim",
        "Mark an item as being worked on by you.",
        (ID, arg("--owner", help=OWNER)),
        True,
    ),
    "release": (
        "work:release",
        "Give a claimed item back to the queue.",
        (
            ID,
            arg("--owner", help=OWNER),
            arg("--force", action="store_true", help="release another owner's claim"),
        ),
        True,
    ),
    "move": (
        "work:move",
        "Move an item along the lifecycle (e.g. plan → implement).",
        (ID, arg("node", help="target node, e.g. implement")),
        True,
    ),
    "queue": (
        "work:queue",
        "Set an open item's queue position (parked, backlog, ready).",
        (ID, arg("position", help="parked, backlog or ready")),
        True,
    ),
    "phase": (
        "work:phase",
        "Set an item's cycle phase (explore, design, plan, do, check, done, …; `none` clears).",
        (ID, arg("phase", help="a cycle phase from haios.yaml work.cycle_phases, or none")),
        True,
    ),
    "close": (
        "work:close",
        "Complete an item (from implement or close), or abandon it.",
        (
            ID,
            arg("--abandon", action="store_true", help="close it as not going to be done"),
            arg("--reason", help="why it is abandoned (required with --abandon)"),
            arg(
                "--archive",
                action="store_true",
                default=None,
                help="move its folder to archive/ (default: work.archive_on_close)",
            ),
        ),
        True,
    ),
    "doc": (
        "work:doc",
        "Create an item's plan, investigation or other gated document from its template.",
        (
            ID,
            arg("kind", help="plan, investigation, observations (the documents gates check)"),
        ),
        True,
    ),
    "block": (
        "work:block",
        "Record that an item waits for another (--by).",
        (ID, arg("--by", required=True, metavar="ID", help="the blocking item")),
        True,
    ),
    "unblock": (
        "work:unblock",
        "Remove a blocked-by link between two items.",
        (ID, arg("--by", required=True, metavar="ID", help="the blocking item")),
        True,
    ),
    "reindex": ("work:reindex", "Rebuild the derived index from the WORK.md files.", (), True),
    "renumber": ("work:renumber", "Give duplicates of an id (after a merge) new ids.", (ID,), True),
}
AUDIT: Commands = {
    "verify": (
        "audit:verify",
        "Check the journal's hash chain; exit 1 at the first bad line.",
        (),
        True,
    ),
    "tail": (
        "audit:tail",
        "Show the last events of the journal.",
        (arg("-n", type=int, default=20, metavar="N", help="how many (default 20)"),),
        True,
    ),
    "stats": (
        "audit:stats",
        "Hook decisions per handler, latency p50/p95 per event, notable events (hook log).",
        (arg("--session", metavar="ID", help="only this session's calls"),),
        True,
    ),
}
TOP: Commands = {
    "init": (
        "setup:init",
        "Create the haios layout and register its hooks in .claude/settings.json (idempotent).",
        (
            arg("dir", nargs="?", help="repository folder (default: the cwd)"),
            arg("--dry-run", action="store_true", help="show what would change; change nothing"),
            arg("--no-hooks", action="store_true", help="leave .claude/settings.json alone"),
        ),
        True,
    ),
    "uninstall": (
        "setup:uninstall",
        "Remove exactly haios' hook entries from .claude/settings.json; keep everything else.",
        (arg("--dry-run", action="store_true", help="show what would change; change nothing"),),
        True,
    ),
    "doctor": (
        "setup:doctor",
        "Check the installation and the data; exit 1 on problems.",
        (
            arg(
                "--hooks",
                action="store_true",
                help="also run every registered haios hook as Claude Code would, and time it",
            ),
        ),
        True,
    ),
    "demo": (
        "demo:demo",
        "Run the main job on embedded defaults in a temporary folder.",
        (arg("--dir", help="run in this (empty or new) folder and keep it"),),
        False,
    ),
    "coldstart": (
        "context:coldstart",
        "Print the session context, exactly as the SessionStart hook injects it.",
        (
            TIER,
            TRIGGER,
        ),
        True,
    ),
    "context": (
        "context:context",
        "Show the session context; --explain says what was kept, left out and why.",
        (
            arg("--explain", action="store_true", help="a table of sections, forms and tokens"),
            TIER,
            TRIGGER,
        ),
        True,
    ),
    "status": (
        "context:status",
        "One screen: session, held item and phase, ready, blockers, memory, hook errors.",
        (),
        True,
    ),
    "statusline": (
        "statusline:from_args",
        "The line for Claude Code's statusLine setting (session JSON on stdin).",
        (),
        False,
    ),
    "hook": (
        "hook:from_args",
        "Answer one Claude Code hook call (payload on stdin); registered in settings.json.",
        (arg("event", help="the hook event, e.g. PreToolUse"),),
        False,
    ),
}
POLICY: Commands = {
    "check": (
        "policy:check",
        "Show what the hook policy would decide for a tool call, and which handler decides.",
        (
            arg("payload", nargs="?", help="a hook payload file (JSON), as Claude Code sends it"),
            arg("--write", metavar="PATH", help="a Write of this file"),
            arg("--read", metavar="PATH", help="a Read of this file"),
            arg("--bash", metavar="CMD", help="a Bash call of this command"),
        ),
        True,
    ),
}
CYCLE_OPT = arg("--cycle", help="the cycle, when the item's phase is in more than one")
CYCLE: Commands = {
    "list": ("cycle:list_", "List the cycles, their phases and how they chain.", (), True),
    "show": (
        "cycle:show",
        "Show one cycle: each phase's prompt and gates.",
        (arg("cycle", help="a cycle id, e.g. implementation"),),
        True,
    ),
    "start": (
        "cycle:start",
        "Put an item in the first phase of a cycle (default: the one bound to its node).",
        (ID, arg("cycle", nargs="?", help="a cycle id (default: the cycle of the item's node)")),
        True,
    ),
    "status": (
        "cycle:status",
        "Show the cycle and phase an item is in, and what the phase asks for.",
        (ID, CYCLE_OPT),
        True,
    ),
    "resume": (
        "cycle:resume",
        "Where to pick up: an item's phase and its prompt, or (no id) what comes next.",
        (
            arg("id", nargs="?", help="work item id (default: route the top ready item)"),
            CYCLE_OPT,
        ),
        True,
    ),
    "check": (
        "cycle:check",
        "Check the exit gates of an item's phase; exit 1 listing the failing ones.",
        (ID, CYCLE_OPT),
        True,
    ),
    "advance": (
        "cycle:advance",
        "Move an item to the next phase once its gates pass (exit 1 when they do not).",
        (ID, CYCLE_OPT),
        True,
    ),
}
SESSION: Commands = {
    "current": ("context:current", "Show this session's number and what it recorded.", (), True),
    "list": ("context:list_", "List the recorded sessions, newest first.", (), True),
}
REPEAT = {"action": "append", "default": [], "metavar": "TEXT"}
CHECKPOINT: Commands = {
    "new": (
        "context:checkpoint_new",
        "Write this session's checkpoint in docs/checkpoints/ (the next session reads it).",
        (
            arg("title", help="what the session was about, in one line"),
            arg("--done", help="something finished (repeatable)", **REPEAT),
            arg("--decision", help="a decision taken (repeatable)", **REPEAT),
            arg("--next", help="a next step (repeatable)", **REPEAT),
            arg("--pending", help="an item or question left open (repeatable)", **REPEAT),
            arg("--drift", help="docs or state found out of step (repeatable)", **REPEAT),
            arg(
                "--memory-ref",
                action="append",
                default=[],
                metavar="ID",
                help="a memory to load next time (repeatable)",
            ),
            arg("--work", metavar="ID", help="the work item (default: the one held)"),
        ),
        True,
    ),
}
MEMORY: Commands = {
    "serve": (
        "memory:serve",
        "Run the MCP memory server (stdio; --http for Streamable HTTP on 127.0.0.1).",
        (
            arg("--http", action="store_true", help="serve Streamable HTTP on 127.0.0.1"),
            arg("--port", type=int, default=8765, help="the HTTP port (default 8765)"),
            arg("--db", metavar="PATH", help="the database (default: state/memory.db)"),
        ),
        False,
    ),
    "search": (
        "memory:search",
        "Search the learnings (ranked full-text, stemmed); exit 1 when memory is unavailable.",
        (
            arg("query", help="words to look for"),
            arg("--mode", default="semantic", choices=("semantic", "knowledge_lookup")),
            arg("--limit", type=int, default=5, metavar="N", help="at most N concepts (1-50)"),
            arg("--offset", type=int, default=0, metavar="N", help="skip N (from `more:`)"),
            arg(
                "--include-superseded",
                action="store_true",
                help="also memories a newer one replaced",
            ),
        ),
        True,
    ),
    "store": (
        "memory:store",
        "Store one learning (queued in the outbox when the server is unreachable).",
        (
            arg("content", help="the learning, or - to read it from stdin"),
            arg("--source", metavar="PATH", help="the file it came from"),
            arg("--work", metavar="ID", help="the work item (default: from --source)"),
        ),
        True,
    ),
    "get": (
        "memory:get",
        "One memory in full, with its provenance and links.",
        (arg("id", help="its id (on a knowledge graph, also its entity name)"),),
        True,
    ),
    "link": (
        "memory:link",
        "Link two memories (the server's memory_link, or a relation of a knowledge graph).",
        (
            arg("src", help="from this memory (id)"),
            arg("dst", help="to this one (id)"),
            arg(
                "--relation",
                default="related",
                help="related (default), supersedes, synonym, derived_from or contradicts",
            ),
        ),
        True,
    ),
    "stats": ("memory:stats", "Counts of the memory server's database.", (), True),
    "outbox": ("memory:outbox", "Show the writes waiting for the memory server.", (), True),
    "flush": (
        "memory:flush",
        "Send the waiting writes (outbox and hook failures), then refresh the digest.",
        (arg("--lock", metavar="PATH", help="a lock file to remove when done (background use)"),),
        True,
    ),
    "prune": (
        "memory:prune",
        "List memories whose source file is gone (--delete removes them).",
        (arg("--delete", action="store_true", help="delete the stale memories"),),
        True,
    ),
    "import": (
        "memory:import_",
        "Store the learnings of Markdown files: checkpoints, closed WORK.md files, docs.",
        (arg("paths", nargs="+", metavar="PATH", help="Markdown files or folders"),),
        True,
    ),
}
GROUPS = {
    "work": ("Work items: create, list, move, claim, close.", WORK),
    "cycle": ("Cycles: phase-based workflows whose gates are checked by code.", CYCLE),
    "audit": ("The hash-chained audit journal and the hook log.", AUDIT),
    "policy": ("The hook policy: what it decides, and why.", POLICY),
    "session": ("Session numbers: one per Claude Code session.", SESSION),
    "checkpoint": ("Session checkpoints: what the next session starts from.", CHECKPOINT),
    "memory": ("Learnings across sessions: the MCP memory server and its outbox.", MEMORY),
}
