"""tree-sitter's parse of a Bash line, walked into the commands of haios.governance.shell.

Loaded only for lines that are not plain words. tree-sitter-bash gets a few things wrong that
bash does not (`a | b | c && d`, a newline after such a pipeline, the redirection of `a && b > f`,
`echo > f x`, characters past U+FFFF): each is put right here, where it is met.
"""

from __future__ import annotations

import functools
import re
from collections import namedtuple
from collections.abc import Iterable

from haios.governance.shell import Builder, Redirect
from haios.governance.shellwords import Word

# The hook path never imports typing (~3 ms a call): tuples are declared for the type checker
# and made with collections.namedtuple at run time (see haios.governance.hookevent).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NamedTuple

    from tree_sitter import Node

# left at the head of a command by tree-sitter's error recovery (`if then rm -rf /`)
_STRAY = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{"})
_COMMANDS = frozenset({"command", "declaration_command", "unset_command"})
_SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution"})
_EXPANSIONS = frozenset({"simple_expansion", "expansion", "arithmetic_expansion"})
_ASTRAL = "[\U00010000-\U0010ffff]"


def walk(builder: Builder, line: str, depth: int) -> None:
    """Add the commands of `line` to `builder`."""
    src = line.encode("utf-8", "surrogatepass")
    root = _parser().parse(_bmp(line)).root_node
    builder.errors |= root.has_error
    _Walker(builder, src)._walk(root, _Scope(depth))


@functools.cache
def _parser() -> Any:
    """A tree-sitter parser for bash. Both extensions are loaded on their own: the packages'
    __init__ modules import typing and importlib.resources, which cost several times the parse."""
    binding, grammar = _extension("tree_sitter"), _extension("tree_sitter_bash")
    return binding.Parser(binding.Language(grammar.language()))


def _extension(package: str) -> Any:
    """`package._binding`, without running `package/__init__.py` (reused when imported)."""
    import importlib.machinery
    import sys

    name = f"{package}._binding"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.machinery.PathFinder.find_spec(package)
    where = spec.submodule_search_locations if spec else None
    found = importlib.machinery.PathFinder.find_spec(name, where)
    if found is None or found.loader is None:  # not an extension beside its package
        return importlib.import_module(name)
    module = found.loader.create_module(found)
    if module is None:
        return importlib.import_module(name)
    sys.modules[name] = module  # `import package` later finds it instead of loading it twice
    found.loader.exec_module(module)
    return module


if TYPE_CHECKING:

    class _Scope(NamedTuple):
        """Where the walk is: what a simple command found here inherits."""

        depth: int
        pipeline: int | None = None
        position: int = 0
        redirects: tuple[Redirect, ...] = ()  # of an enclosing compound: for every command in it
        trailing: tuple[Redirect, ...] = ()  # tree-sitter hangs `a && b > f`'s `> f` on the list
        extra: tuple[Node, ...] = ()  # and the x of `echo > f x` on the redirect

else:
    _Scope = namedtuple(
        "_Scope", "depth pipeline position redirects trailing extra", defaults=(None, 0, (), (), ())
    )


class _Walker:
    def __init__(self, builder: Builder, src: bytes) -> None:
        self.b = builder
        self.src = src

    def _walk(self, node: Node, scope: _Scope) -> None:
        kind = node.type
        if kind in _COMMANDS:
            self._command(node, scope)
        elif kind == "redirected_statement":
            self._redirected(node, scope)
        elif kind in ("list", "pipeline"):
            self._sequence(node, scope)
        elif kind in ("subshell", "function_definition", *_SUBSTITUTIONS):
            saved = self.b.cwd
            inner = _Scope(scope.depth) if kind != "subshell" else _flat(scope)
            for child in node.named_children:
                self._walk(child, inner)
            self.b.cwd = saved
        else:
            for child in node.named_children:
                self._walk(child, _flat(scope))

    def _sequence(self, node: Node, scope: _Scope) -> None:
        """A list runs its parts in turn; a pipeline at once, each part in a subshell."""
        if node.type == "list":
            self._in_turn(node.named_children, scope)
            return
        parts, after = _unfold(node)
        number, first = self.b.new_pipeline(), 0
        for n, part in enumerate(parts):
            last = n == len(parts) - 1 and not after
            inner = scope if last else scope._replace(trailing=(), extra=())
            saved, self.b.restart = self.b.cwd, None
            self._walk(part, inner._replace(pipeline=number, position=n - first))
            if len(parts) > 1:
                self.b.cwd = saved
            if self.b.restart is not None:
                number, first = self.b.restart, n
        self.b.restart = None
        self._in_turn(after, scope)

    def _in_turn(self, parts: list[Node], scope: _Scope) -> None:
        for n, part in enumerate(parts):
            self._walk(
                part, scope if n == len(parts) - 1 else scope._replace(trailing=(), extra=())
            )

    def _redirected(self, node: Node, scope: _Scope) -> None:
        redirects: list[Redirect] = []
        extra: list[Node] = []
        piped: list[Node] = []
        after: list[Node] = []
        for child in node.children_by_field_name("redirect"):
            redirects.append(self._redirect(child, scope, extra))
            for part in child.named_children:  # tree-sitter nests what follows a heredoc here
                if part.type == "file_redirect":
                    redirects.append(self._redirect(part, scope, extra))
                elif part.type == "pipeline":
                    piped.extend(part.named_children)
            after.extend(child.children_by_field_name("right"))
        body = node.child_by_field_name("body")
        inner = scope._replace(
            trailing=tuple(redirects) + scope.trailing, extra=tuple(extra) + scope.extra
        )
        if piped:  # `cat <<EOF | sh`: the body is the first part of the pipeline
            inner = inner._replace(pipeline=self.b.new_pipeline(), position=0)
        if body is not None:
            self._walk(body, inner)
        for n, part in enumerate(piped, 1):
            self._walk(part, _Scope(scope.depth, inner.pipeline, n))
        for part in after:
            self._walk(part, _Scope(scope.depth))

    def _redirect(self, node: Node, scope: _Scope, extra: list[Node]) -> Redirect:
        """One redirect node; words tree-sitter wrongly hangs on it go to `extra`."""
        op = next((c.type for c in node.children if not c.is_named), "")
        fd = node.child_by_field_name("descriptor")
        if node.type == "heredoc_redirect":
            body = [c for c in node.named_children if c.type == "heredoc_body"]
            start = self._word(body, scope) if body else Word("")
            return Redirect(op, start, "")
        targets = node.children_by_field_name("destination") or [
            c for c in node.named_children if c.type != "file_descriptor"
        ]
        extra.extend(targets[1:])
        target = self._word(targets[:1], scope) if targets else Word("")
        return Redirect(op, target, self._text(fd) if fd else "")

    def _command(self, node: Node, scope: _Scope) -> None:
        items = [(n, False) for n in scope.extra]  # (node, whether it is a redirect)
        for n, child in enumerate(node.children):
            field = node.field_name_for_child(n)
            if field == "redirect":
                items.append((child, True))
            elif field == "name":
                items.extend((c, False) for c in child.named_children or [child])
            elif field == "argument" or node.type != "command":
                items.append((child, False))
            else:  # FOO=$(…) cmd: the assignment is no word, its substitutions still run
                self._word([child], scope)
        lines = _lines(sorted(items, key=lambda item: item[0].start_byte), self.src)
        for k, line in enumerate(lines):
            here = scope
            if k:  # a new pipeline starts after the newline; the rest of this one joins it
                self.b.restart = self.b.new_pipeline() if scope.pipeline is not None else None
                here = _Scope(scope.depth, self.b.restart, redirects=scope.redirects)
            self._simple(line, here if k == len(lines) - 1 else here._replace(trailing=()))

    def _simple(self, items: list[tuple[Node, bool]], scope: _Scope) -> None:
        parts: list[Node] = []
        redirects = list(scope.redirects + scope.trailing)
        for node, redirect in items:
            if redirect:
                redirects.append(self._redirect(node, scope, parts))
            else:
                parts.append(node)
        words = [self._word(group, scope) for group in _groups(parts)]
        while words and words[0].text in _STRAY and not words[0].dynamic:
            words.pop(0)
        self.b.add(words, tuple(redirects), scope.depth, scope.pipeline, scope.position)

    def _word(self, nodes: Iterable[Node], scope: _Scope) -> Word:
        """The word these adjacent nodes make; the commands of its substitutions are walked."""
        found: list[Node] = []
        text, dynamic = "", False
        nodes = list(nodes)
        for n, node in enumerate(nodes):
            if node.type == "$" and n + 1 < len(nodes):
                continue  # $"…" is a translated string: tree-sitter splits off the $
            piece, changes = self._piece(node, found)
            text, dynamic = text + piece, dynamic or changes
        start = len(self.b.commands)
        for node in found:
            self._walk(node, _Scope(scope.depth))
        return Word(text, dynamic, tuple(range(start, len(self.b.commands))))

    def _piece(self, node: Node, found: list[Node]) -> tuple[str, bool]:
        """(text with quotes removed, whether it expands) of one part of a word."""
        kind, text = node.type, self._text(node)
        if kind in _SUBSTITUTIONS:
            found.append(node)
            return text, True
        if kind == "word":
            return _unescape(text, _UNQUOTED), False
        if kind == "raw_string":
            return text[1:-1] if len(text) > 1 and text.endswith("'") else text[1:], False
        if kind == "ansi_c_string":
            return _ansi_c(text[2:-1] if text.endswith("'") else text[2:]), False
        if kind in ("string", "concatenation", "variable_assignment", "heredoc_body"):
            return self._join(node, found)
        nested = _find(node, _SUBSTITUTIONS)
        found.extend(nested)
        return text, bool(nested) or kind in _EXPANSIONS or bool(_find(node, _EXPANSIONS))

    def _join(self, node: Node, found: list[Node]) -> tuple[str, bool]:
        quoted = node.type in ("string", "heredoc_body")
        out, dynamic, at = [], False, node.start_byte
        for child in node.children:
            out.append(self.src[at : child.start_byte].decode("utf-8", "replace"))
            at = child.end_byte
            if quoted and child.type in ('"', "string_content", "heredoc_content"):
                out.append("" if child.type == '"' else self._text(child))
                continue
            piece, changes = self._piece(child, found)
            out.append(piece)
            dynamic = dynamic or changes
        out.append(self.src[at : node.end_byte].decode("utf-8", "replace"))
        text = "".join(out)
        return (_unescape(text, _IN_QUOTES) if node.type == "string" else text), dynamic

    def _text(self, node: Node) -> str:
        return self.src[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _bmp(line: str) -> bytes:
    """`line` as UTF-8 with every character past U+FFFF as four ASCII letters: the same bytes
    long, so nodes still index the real text. tree-sitter-bash's scanner crashes the process
    on some of them (`{` then U+956D8), and a crashed hook lets the call through."""
    return re.sub(_ASTRAL, "aaaa", line).encode("utf-8", "surrogatepass")


def _unfold(pipeline: Node) -> tuple[list[Node], list[Node]]:
    """(the parts of a pipeline, the statements after it in its list). tree-sitter-bash reads
    `a | b | c && d` as `a | (b | c && d)`; bash, and this, as `(a | b | c) && d`."""
    parts = pipeline.named_children
    if not parts or parts[-1].type != "list":
        return parts, []
    first = parts[-1]
    after: list[Node] = []
    while first.type == "list" and first.named_children:
        after = first.named_children[1:] + after
        first = first.named_children[0]
    if first.type != "pipeline":
        return [*parts[:-1], first], after
    more, also = _unfold(first)
    return parts[:-1] + more, also + after


def _flat(scope: _Scope) -> _Scope:
    """A compound's redirections apply to every command inside it."""
    return scope._replace(redirects=scope.redirects + scope.trailing, trailing=(), extra=())


def _lines(items: list[tuple[Node, bool]], src: bytes) -> list[list[tuple[Node, bool]]]:
    """The parts of a command split where a newline ends it. tree-sitter-bash sometimes runs
    on past one (`a | b | c⏎d && e` makes d an argument of c); bash never does."""
    lines: list[list[tuple[Node, bool]]] = []
    for item in items:
        gap = src[lines[-1][-1][0].end_byte : item[0].start_byte] if lines else b""
        if not lines or re.search(rb"(?<!\\)\n", gap):
            lines.append([])
        lines[-1].append(item)
    return lines


def _groups(nodes: list[Node]) -> list[list[Node]]:
    """Nodes that touch form one word (`$"x"`, which tree-sitter gives as two)."""
    groups: list[list[Node]] = []
    for node in sorted(nodes, key=lambda n: n.start_byte):
        if groups and groups[-1][-1].end_byte == node.start_byte:
            groups[-1].append(node)
        else:
            groups.append([node])
    return groups


def _find(node: Node, kinds: frozenset[str]) -> list[Node]:
    """The outermost descendants of `node` of these kinds."""
    found: list[Node] = []
    for child in node.named_children:
        if child.type in kinds:
            found.append(child)
        else:
            found.extend(_find(child, kinds))
    return found


_UNQUOTED = r"(?s)\\(.)"
_IN_QUOTES = r'\\([$`"\\\n])'
_ANSI_C = r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|.)"
_ANSI_NAMED = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unescape(text: str, pattern: str) -> str:
    """Backslash escapes removed; a backslash-newline joins lines."""
    return re.sub(pattern, lambda m: "" if m[1] == "\n" else m[1], text)


def _ansi_c(text: str) -> str:
    """The value of $'…'."""

    def one(m: re.Match[str]) -> str:
        code = m[1]
        if code[0] in "xuU" and len(code) > 1:
            return chr(min(int(code[1:], 16), 0x10FFFF))
        if code[0] in "01234567":
            return chr(int(code, 8))
        return _ANSI_NAMED.get(code, "\x1b" if code == "e" else code)

    return re.sub(_ANSI_C, one, text)
