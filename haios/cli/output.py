"""Printing: human text by default, one JSON document with --json. stdout is data only."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence

TYPE_CHECKING = False  # `haios coldstart` prints through here: no typing import
if TYPE_CHECKING:
    from typing import Any


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def warn(message: str) -> None:
    sys.stderr.write(f"haios: warning: {message}\n")


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    """Left-aligned columns; the last column is not padded."""
    cells = [[str(c) for c in headers], *([("" if c is None else str(c)) for c in r] for r in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers) - 1)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(r, widths, strict=False)), r[-1]]).rstrip()
        for r in cells
    ]
    return "\n".join(lines) + "\n"
