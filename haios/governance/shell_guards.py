"""PreToolUse guards for Bash commands: the entry of destructive_command (its rules live in
haios.governance.destructive), destructive SQL through a database client, PowerShell; and what
every Bash guard shares.

Each guard reads the command through `shell.parse` (cached, so the guards of one call share
one parse) and returns a Decision or None, like the guards of the file tools. A call of another
tool costs this module's import and nothing more: the parser and the rules load for Bash only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from haios.governance.hookevent import Context, Decision, HookEvent

TYPE_CHECKING = False  # importing typing costs ~3 ms on every hook call
if TYPE_CHECKING:
    from typing import Any

    from haios.governance import shell

_RANK = {"deny": 2, "ask": 1}
_POWERSHELL = frozenset({"pwsh", "powershell", "pwsh.exe", "powershell.exe"})
# every rule of destructive_command needs one of these (or mkfs*) in the command
_JUDGED = frozenset({"rm", "find", "git", "chmod", "curl", "wget", "dd"})


Found = tuple[str, str] | None  # (the setting that holds the action, the reason), or nothing


def bash_script(event: HookEvent) -> shell.Script | None:
    """The parsed command of a Bash call, or None for any other call."""
    command = event.tool_input.get("command") if event.tool_name == "Bash" else None
    if not isinstance(command, str) or not command.strip():
        return None
    from haios.governance.shell import parse  # only Bash calls load the parser's module

    return parse(command)


def strongest(handler: str, settings: Mapping[str, Any], found: Iterable[Found]) -> Decision | None:
    """The strongest of the findings, each with the action its setting gives it."""
    best: Decision | None = None
    for item in found:
        if item is None or settings[item[0]] == "none":
            continue
        decision = Decision(settings[item[0]], f"haios: {item[1]}", handler)
        if best is None or _RANK[decision.action] > _RANK[best.action]:
            best = decision
    return best


def shown(command: shell.Command, limit: int = 60) -> str:
    """The command as the reason quotes it."""
    text = " ".join(w.text for w in command.words)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def destructive_command(event: HookEvent, context: Context) -> Decision | None:
    """Deletions of /, ~, the project or .git, force pushes to protected branches, discarded
    changes, world-writable trees, downloaded scripts run unseen, formatted disks."""
    script = bash_script(event)
    if script is None or not (script.truncated or any(map(_judged, script.commands))):
        return None
    from haios.governance.destructive import judge  # its rules load when they have work

    return judge(script, event, context)


def _judged(command: shell.Command) -> bool:
    """Whether destructive_command has a rule for this command (or its name is unknown)."""
    unknown = bool(command.words) and command.words[0].dynamic
    return unknown or command.name in _JUDGED or command.name.startswith("mkfs")


# -- sql_blocking --------------------------------------------------------------------------------


# client -> (options whose value is SQL, other options that take the next word as their value,
# whether SQL may follow the database as plain arguments)
_SQLITE = (
    "-cmd --cmd",
    "-init -separator -nullvalue -newline -vfs -mmap -heap -lookaside -pagecache -maxsize "
    "--init --separator --nullvalue --newline --vfs",
    True,
)
_MYSQL = ("-e --execute", "-u -h -P -D -S --user --host --port --database --socket", False)
_CLIENTS = {
    "sqlite3": _SQLITE,
    "duckdb": ("-c -cmd -s", "-init -separator -nullvalue", True),
    "psql": (
        "-c --command",
        "-d -h -p -U -f -o -v -P -T -F -R -L --dbname --host --port --username --file --output "
        "--set --variable --pset --log-file",
        False,
    ),
    "mysql": _MYSQL,
    "mariadb": _MYSQL,
}


def sql_blocking(event: HookEvent, context: Context) -> Decision | None:
    """DROP, TRUNCATE, ALTER … DROP, DELETE or UPDATE without WHERE through a database client."""
    script = bash_script(event)
    if script is None:
        return None
    found: list[Found] = []
    for command in script.commands:
        texts = _sql_texts(command)
        if not texts:
            continue
        from haios.governance.sql import destructive  # only database clients need it

        for text in texts:
            what = destructive(text)
            if what:
                found.append(
                    (
                        "on_destructive",
                        f"`{what}` through {command.name} is blocked: it destroys data for "
                        "good. Limit it (a WHERE clause), or ask the user to run it.",
                    )
                )
    return strongest("sql_blocking", context.settings, found)


def _sql_texts(command: shell.Command) -> list[str]:
    """The SQL a client command line runs: option values, sqlite3's arguments, its stdin."""
    if command.name not in _CLIENTS:
        return []
    sql_options, value_options, after_database = _CLIENTS[command.name]
    sql, values = sql_options.split(), value_options.split()
    texts, positional = [], []
    words = [w.text for w in command.words[1:]]
    n = 0
    while n < len(words):
        text = words[n]
        key, eq, value = text.partition("=") if text.startswith("--") else (text, "", "")
        short = next((o for o in sql if len(o) == 2 and text.startswith(o)), None)
        if key in sql:
            texts.append(value if eq else " ".join(words[n + 1 : n + 2]))
            n += 1 if eq else 2
            continue
        if short and len(text) > 2 and not text.startswith("--"):
            texts.append(text[2:])  # -c"DROP …"
        elif key in values and not eq:
            n += 1
        elif not text.startswith("-"):
            positional.append(text)
        n += 1
    if after_database:
        texts += positional[1:]
    if command.stdin is not None:
        texts.append(command.stdin)
    return texts


# -- powershell_blocking -------------------------------------------------------------------------


def powershell_blocking(event: HookEvent, context: Context) -> Decision | None:
    """PowerShell started from Bash: its commands escape every rule for Bash commands."""
    script = bash_script(event)
    commands = script.commands if script else ()
    command = next((c for c in commands if c.name.lower() in _POWERSHELL), None)
    if command is None:
        return None
    found: Found = (
        "on_powershell",
        f"running PowerShell (`{command.name}`) from Bash is blocked: its commands would escape "
        "haios' checks on Bash commands. Use Bash commands instead.",
    )
    return strongest("powershell_blocking", context.settings, [found])
