"""Logs: structured lines on stderr (stdout is data, and in hooks it is protocol).

structlog costs tens of milliseconds to import, so it is loaded only when a line is actually
written: below the level (HAIOS_LOG_LEVEL, default warning; `haios -v` means debug) nothing runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}
_state: dict[str, Any] = {"level": LEVELS.get(os.environ.get("HAIOS_LOG_LEVEL", "").lower(), 30)}


def set_level(name: str) -> None:
    _state["level"] = LEVELS[name]
    _state.pop("logger", None)


def _logger() -> Any:
    if "logger" not in _state:
        import structlog

        structlog.configure(
            processors=[
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=False),
                structlog.dev.ConsoleRenderer(colors=False),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(_state["level"]),
            logger_factory=structlog.PrintLoggerFactory(sys.stderr),
            cache_logger_on_first_use=False,
        )
        _state["logger"] = structlog.get_logger("haios")
    return _state["logger"]


def log(level: str, event: str, **fields: Any) -> None:
    """Write one log line on stderr if `level` is enabled."""
    if LEVELS[level] >= _state["level"]:
        getattr(_logger(), level)(event, **fields)


def write_traceback(exc: BaseException, state_dir: str | os.PathLike[str] | None) -> Path | None:
    """Append `exc`'s traceback to haios-error.log in `state_dir` (else the temp folder).

    Only the command line and the traceback: never the environment, which holds API keys.
    """
    import tempfile
    import traceback

    from haios import __version__

    folder = Path(state_dir if state_dir is not None else tempfile.gettempdir())
    log = folder / "haios-error.log"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"--- haios {__version__} {' '.join(sys.argv[1:])[:500]}\n")
            fh.write("".join(traceback.format_exception(exc)))
    except OSError:
        return None
    return log
