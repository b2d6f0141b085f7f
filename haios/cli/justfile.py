"""One `import?` line in the user's justfile for haios' own recipe file (created with the
justfile when there is none), and its removal. A recipe of the user's with the name of one of
haios' would make `just` refuse the whole file, so then the line is not added, and init says so.
"""

from __future__ import annotations

import json
import re

from haios.project import packaged_defaults

FILE = "justfile"
RECIPES = "haios.just"
CREATED = "# Recipes of this repository. `haios init` added the import of haios' recipes.\n"
_IMPORT = re.compile(r"^import\??\s+(['\"])(?P<path>[^'\"]*/haios\.just)\1[^\n]*$", re.M)
_LINE = re.compile(_IMPORT.pattern + r"\n?", re.M)
_RECIPE = re.compile(r"^@?(?P<name>[A-Za-z_][A-Za-z0-9_-]*)(?:\s+[^:\n]*)?:(?!=)", re.M)
_KEYWORDS = {"set", "import", "mod", "alias", "export"}


def recipes_file() -> str:
    return str(packaged_defaults() / RECIPES)


def line() -> str:
    path = recipes_file()
    quoted = f"'{path}'" if "'" not in path else json.dumps(path)  # just: '' raw, "" escapes
    return f"import? {quoted}  # haios' recipes\n"


def recipe_names(text: str) -> set[str]:
    """The names of the recipes a justfile defines (a line-based reading, no `just` needed)."""
    return {m["name"] for m in _RECIPE.finditer(text) if m["name"] not in _KEYWORDS}


def _haios_names() -> set[str]:
    return recipe_names((packaged_defaults() / RECIPES).read_text("utf-8"))


def merged(text: str | None) -> tuple[str, str | None]:
    """(the justfile with haios' import line, a notice when it could not be added)."""
    if text is None:
        return CREATED + line(), None
    if _IMPORT.search(text):  # another installation's path is replaced in place
        return _IMPORT.sub(line().rstrip("\n"), text, count=1), None
    clash = sorted(recipe_names(text) & _haios_names())
    if clash and "allow-duplicate-recipes" not in text:
        return text, (
            f"{FILE}: not importing haios' recipes: your recipes "
            f"{', '.join(clash)} have the names of haios' and just would refuse the file. "
            f"Rename yours, or add `mod haios {recipes_file()!r}` to use them as `just haios …`"
        )
    return text + ("" if not text or text.endswith("\n") else "\n") + line(), None


def removed(text: str) -> str | None:
    """The justfile without haios' import line; None when nothing of the user's is left."""
    rest = _LINE.sub("", text)
    return None if rest.strip() in ("", CREATED.strip()) else rest
