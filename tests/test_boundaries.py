"""The architecture's boundaries, checked by parsing the source with `ast` (ARCHITECTURE.md §1).

1. A black box (haios/{context,work,cycles,memory,governance}) imports none of the other four,
   nor haios.runtime or haios.cli (which import everything, so they would be a back door).
   The shared modules (haios.contracts, events, errors, config, project, …) are fine.
2. Only haios/memory imports `mcp`.
3. Nothing outside haios/work writes a WORK.md. The heuristic: a function (or the module level)
   whose code names "WORK.md" (in a string, or through a module constant whose value does), and
   that calls a file-writing API, is a writer of WORK.md. Writing APIs: open/.open with a mode
   containing w, a, x or +, os.open with O_WRONLY/O_RDWR/O_APPEND/O_CREAT/O_TRUNC, .write_text,
   .write_bytes, write_atomic, os.replace/os.rename/os.renames, a one-argument .replace() or
   .rename() (Path's; str.replace takes two), shutil.move/copy/copy2/copyfile. It misses a path
   built elsewhere and passed in; a false alarm is fixed by keeping the write away from code
   that names WORK.md.
4. The read path stays light: `haios work ready --json` imports nothing heavy (a subprocess).

Every rule is shown to fail on planted modules before it is trusted on the real source.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import haios
from haios.project import Project

BLACK_BOXES = ("context", "work", "cycles", "memory", "governance")
BACK_DOORS = ("runtime", "cli")
HEAVY = {"pydantic", "pydantic_core", "yaml", "_yaml", "frontmatter", "filelock"}
HEAVY |= {"structlog", "blinker", "mcp"}
_WRITE_FLAGS = {"O_WRONLY", "O_RDWR", "O_APPEND", "O_CREAT", "O_TRUNC"}
_WRITE_METHODS = {"write_text", "write_bytes", "write_atomic"}
_MOVES = {("os", "replace"), ("os", "rename"), ("os", "renames")}
_MOVES |= {("shutil", n) for n in ("move", "copy", "copy2", "copyfile")}


@dataclass(frozen=True, order=True)
class Violation:
    path: str
    line: int
    rule: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: rule {self.rule}: {self.message}"


def _module_name(rel: Path) -> tuple[str, bool]:
    parts = list(rel.with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_package else parts), is_package


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of everything a module imports, static or by importlib with a literal.

    `from a import b` yields `a.b`: b may be a submodule, and an attribute does no harm.
    """
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and _callee(node) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _receiver(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id
    return ""


def _mode_writes(mode: ast.expr | None) -> bool:
    if mode is None:
        return False  # the default mode reads
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(c in mode.value for c in "wax+")
    return True  # a mode computed at run time may write


def _writes(call: ast.Call) -> bool:
    name, receiver = _callee(call), _receiver(call)
    keywords = {k.arg: k.value for k in call.keywords}
    if name == "open" and receiver == "os":
        flags = call.args[1] if len(call.args) > 1 else keywords.get("flags")
        named = {getattr(n, "attr", getattr(n, "id", "")) for n in ast.walk(flags or call)}
        named = {n for n in named if n.startswith("O_")}
        return bool(named & _WRITE_FLAGS) or not named  # flags computed elsewhere may write
    if name == "open":
        position = 1 if isinstance(call.func, ast.Name) or receiver in ("io", "builtins") else 0
        mode = call.args[position] if len(call.args) > position else keywords.get("mode")
        return _mode_writes(mode)
    if name in _WRITE_METHODS or (receiver, name) in _MOVES:
        return True
    return name in ("replace", "rename") and len(call.args) == 1 and not call.keywords


def _mentions(nodes: list[ast.AST], constants: set[str]) -> bool:
    """Whether the nodes name WORK.md: in a string, or through a module constant that does."""
    return any(
        (isinstance(n, ast.Constant) and isinstance(n.value, str) and "WORK.md" in n.value)
        or (isinstance(n, ast.Name) and n.id in constants)
        for n in nodes
    )


def _work_md_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound to a value that names WORK.md (NAME = "WORK.md")."""
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
        if _mentions(list(ast.walk(node.value)), set())
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }


def _scopes(tree: ast.Module) -> Iterator[list[ast.AST]]:
    """The nodes of each function (nested ones included), and of the module outside functions."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
    outside: list[ast.AST] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, functions):
                yield list(ast.walk(child))
            else:
                outside.append(child)
                stack.append(child)
    yield outside


def check(root: Path) -> list[Violation]:
    """Every boundary violation in the `haios` package under `root`."""
    found: set[Violation] = set()
    for path in sorted((root / "haios").rglob("*.py")):
        rel = path.relative_to(root)
        module, is_package = _module_name(rel)
        tree = ast.parse(path.read_text("utf-8"), str(rel))
        parts = module.split(".")
        box = parts[1] if len(parts) > 1 and parts[1] in BLACK_BOXES else None
        for line, name in imports(tree, module, is_package):
            target = name.split(".")
            if target[0] == "mcp" and box != "memory":
                found.add(Violation(rel.as_posix(), line, 2, f"imports {name}: only memory may"))
            if (
                box
                and target[0] == "haios"
                and len(target) > 1
                and target[1] in (*BLACK_BOXES, *BACK_DOORS)
                and target[1] != box
            ):
                found.add(Violation(rel.as_posix(), line, 1, f"{box} imports {name}"))
        if box == "work":
            continue
        constants = _work_md_constants(tree)
        for scope in _scopes(tree):
            if not _mentions(scope, constants):
                continue
            for node in scope:
                if isinstance(node, ast.Call) and _writes(node):
                    what = ast.unparse(node.func)
                    found.add(Violation(rel.as_posix(), node.lineno, 3, f"{what}() near WORK.md"))
    return sorted(found)


def heavy_imports(importtime_stderr: str) -> set[str]:
    """Top-level names of the heavy packages in `python -X importtime` output."""
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in importtime_stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    return {n.split(".")[0] for n in names} & HEAVY


# -- the checker fails on planted violations -----------------------------------------------

PLANTED = {
    "haios/__init__.py": "",
    "haios/contracts.py": "",
    "haios/runtime.py": "from haios.work import engine\nfrom haios.memory import bridge\n",
    "haios/cli/__init__.py": "",
    "haios/cli/main.py": """
        import mcp.client
        def parser():
            return "Work items kept as docs/work/*/<id>/WORK.md."
        def log(path):
            with open(path, "a") as fh:
                fh.write("crash")
    """,
    "haios/work/__init__.py": "",
    "haios/work/engine.py": """
        import os
        from haios.contracts import WorkState
        from haios.events import emit
        from haios import __version__
        from . import files
        from haios.governance import journal
        def write(folder, text):
            (folder / "WORK.md").write_text(text)
            os.replace(folder / "tmp", folder / "WORK.md")
    """,
    "haios/governance/__init__.py": "from ..work import engine\n",
    "haios/cycles/__init__.py": """
        import importlib
        def load():
            return importlib.import_module("haios.memory.bridge")
    """,
    "haios/context/__init__.py": """
        from haios import work
        import haios.runtime
        import mcp
    """,
    "haios/context/checkpoint.py": """
        import os, shutil
        from pathlib import Path
        NAME = "WORK.md"
        def touch_item(folder: Path, text: str) -> None:
            path = folder / NAME
            with open(path, "w") as fh:
                fh.write(text)
            with path.open(mode="r+") as fh:
                fh.write(text)
            path.write_bytes(text.encode())
            os.rename(path, path)
            Path(path).replace(folder / "x")
            shutil.move(path, folder)
            os.open(path, os.O_WRONLY | os.O_APPEND)
        def read_item(folder: Path) -> str:
            text = open(folder / f"{folder.name}/WORK.md").read()
            os.open(folder / "WORK.md", os.O_RDONLY)
            return text.replace("\\r\\n", "\\n")
        def save(path: Path, text: str) -> None:
            path.write_text(text)
    """,
    "haios/memory/__init__.py": "import mcp\nfrom mcp.client import session\n",
}


def test_the_checker_finds_every_planted_violation(tmp_path: Path) -> None:
    for name, source in PLANTED.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"), "utf-8")

    found = [(v.path, v.line, v.rule) for v in check(tmp_path)]

    assert found == [
        ("haios/cli/main.py", 1, 2),
        ("haios/context/__init__.py", 1, 1),
        ("haios/context/__init__.py", 2, 1),
        ("haios/context/__init__.py", 3, 2),
        *(("haios/context/checkpoint.py", line, 3) for line in (6, 8, 10, 11, 12, 13, 14)),
        ("haios/cycles/__init__.py", 3, 1),
        ("haios/governance/__init__.py", 1, 1),
        ("haios/work/engine.py", 6, 1),
    ]


def test_the_haios_source_keeps_its_boundaries() -> None:
    root = Path(haios.__file__).parent.parent
    assert [str(v) for v in check(root)] == []


def test_heavy_import_detection_works_on_a_real_importtime_trace() -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import json, filelock"],
        capture_output=True,
        text=True,
    )
    assert heavy_imports(proc.stderr) == {"filelock"}


def test_the_read_path_imports_nothing_heavy(project: Project, haios: Any) -> None:
    for title in ("first", "second", "third"):
        assert haios("work", "new", title).code == 0
    assert haios("work", "block", "WORK-003", "--by", "WORK-001").code == 0
    warm = haios("work", "ready", "--json")  # the index and the compiled config are now current
    assert warm.code == 0, warm.err

    console_script = "import sys; from haios.cli.main import main; sys.exit(main())"
    proc = subprocess.run(  # as the console script runs it (`-m` adds runpy's imports)
        [sys.executable, "-X", "importtime", "-c", console_script, "work", "ready", "--json"],
        cwd=project.root,
        capture_output=True,
        text=True,
    )

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == warm.out
    assert "haios.work.index" in proc.stderr  # the trace is real
    assert heavy_imports(proc.stderr) == set()
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()}
    assert "typing" not in imported  # ~2 ms of a ~50 ms command
    assert "pathlib" not in imported  # ~5 ms (urllib.parse, ipaddress)
