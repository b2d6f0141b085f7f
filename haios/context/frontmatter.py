"""The YAML a checkpoint's frontmatter uses, read without a YAML library.

Checkpoints hold top-level keys with scalars, flow lists (`[a, b]`) and block lists (`- a`),
comments included (`- 88476  # findings`). That subset is read here in a few milliseconds, so a
session start need not import PyYAML. A line outside the subset is not fatal: it is reported
and its key left out. Standard library only.
"""

from __future__ import annotations

import json
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_KEY = re.compile(r"^([A-Za-z_][\w.-]*)\s*:(?:\s+(.*))?$")
_ITEM = re.compile(r"^\s*-(?:\s+(.*))?$")
_INT = re.compile(r"^[-+]?\d+$")


def split(text: str) -> tuple[str, str] | None:
    """(frontmatter text, body) or None when the text does not start with `---`."""
    lines = text.lstrip("\ufeff").split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None
    for n in range(1, len(lines)):
        if lines[n].rstrip() in ("---", "..."):
            return "\n".join(lines[1:n]), "\n".join(lines[n + 1 :])
    return None


def parse(fm: str) -> tuple[dict[str, Any], list[str]]:
    """(keys and values, problems) of a frontmatter text in the checkpoint subset."""
    data: dict[str, Any] = {}
    problems: list[str] = []
    key: str | None = None
    for number, raw in enumerate(fm.split("\n"), start=2):  # line 1 is the opening ---
        line = _uncomment(raw).rstrip()
        if not line.strip():
            continue
        item = _ITEM.match(line)
        match = _KEY.match(line) if not line[0].isspace() else None
        if match:
            key, value = match.group(1), (match.group(2) or "").strip()
            data[key] = [] if not value else _value(value)
            if data[key] is _BAD:
                problems.append(f"line {number}: cannot read the value of {key!r}")
                del data[key]
                key = None
        elif item and key is not None and isinstance(data.get(key), list):
            value = _value((item.group(1) or "").strip())
            if value is _BAD:
                problems.append(f"line {number}: cannot read an item of {key!r}")
            else:
                data[key].append(value)
        else:
            problems.append(f"line {number}: not a `key: value` line: {raw.strip()[:60]}")
            if key is not None:
                data.pop(key, None)
                key = None
    return data, problems


_BAD = object()


def _value(text: str) -> Any:
    if not text:
        return None
    if text[0] == "[":
        return _flow(text)
    if text[0] == "{":
        return {} if text.replace(" ", "") == "{}" else _BAD
    if text[0] == '"':
        try:
            return json.loads(text)
        except ValueError:
            return _BAD
    if text[0] == "'":
        return text[1:-1].replace("''", "'") if len(text) > 1 and text[-1] == "'" else _BAD
    if text in ("null", "~", "Null", "NULL"):
        return None
    if text in ("true", "True", "false", "False"):
        return text.lower() == "true"
    if text in ("|", ">", "|-", ">-"):
        return _BAD
    return int(text) if _INT.match(text) else text


def _flow(text: str) -> Any:
    if not text.endswith("]"):
        return _BAD
    inner, items, quote, current = text[1:-1], [], "", ""
    for char in inner:
        if quote:
            current += char
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote, current = char, current + char
        elif char == ",":
            items.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        items.append(current.strip())
    values = [_value(i) for i in items]
    return _BAD if any(v is _BAD or isinstance(v, list) for v in values) else values


def _uncomment(line: str) -> str:
    """`line` without a trailing ` # comment` (a # inside quotes stays)."""
    if "#" not in line:
        return line
    quote = ""
    for n, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (n == 0 or line[n - 1] in " \t"):
            return line[:n]
    return line


def render(data: dict[str, Any]) -> str:
    """Frontmatter text for `data` in the same subset (strings as JSON, which YAML reads)."""
    out = []
    for key, value in data.items():
        if isinstance(value, list):
            items = "".join(f"\n  - {_scalar(v)}" for v in value)
            out.append(f"{key}:{items}" if value else f"{key}: []")
        else:
            out.append(f"{key}: {_scalar(value)}")
    return "\n".join(out) + "\n"


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    plain = re.fullmatch(r"[A-Za-z0-9][\w./ -]*", text) and not text.endswith(" ")
    return text if plain and _value(text) == text else json.dumps(text, ensure_ascii=False)
