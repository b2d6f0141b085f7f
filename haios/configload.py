"""Loading the effective config: packaged defaults, then packs, then the project's files, then
HAIOS_* variables, validated once into the models of `haios.config`.

An error names the file (or variable), the key, the value and what is allowed, in one line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from haios.config import Config, PackInfo
from haios.cycleconfig import cross_problem
from haios.errors import ConfigError
from haios.log import log
from haios.packs import FILES as PACK_FILES
from haios.packs import PROJECT_PACKS, Pack, Refused, discover
from haios.project import CONFIG_FILES, Project, packaged_defaults
from haios.schemas import CONTRACTS

ENV_PREFIX = "HAIOS_"

# file name -> field of Config
_FIELDS = {
    "haios.yaml": "haios",
    "node-bindings.yaml": "node_bindings",
    "governance-toggles.yaml": "governance_toggles",
    "hook-handlers.yaml": "hook_handlers",
    "thresholds.yaml": "thresholds",
    "activity-matrix.yaml": "activity_matrix",
    "cycle-definitions.yaml": "cycle_definitions",
    "gates.yaml": "gates",
    "memory.yaml": "memory",
}
assert set(_FIELDS) == set(CONFIG_FILES)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: {problem}; fix the YAML syntax") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: expected a mapping of keys at the top, got {type(data).__name__}"
        )
    return data


def _overlay(
    base: dict[str, Any],
    top: dict[str, Any],
    source: str,
    origin: dict[tuple[str, ...], str],
    prefix: tuple[str, ...] = (),
) -> None:
    for key, value in top.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _overlay(base[key], value, source, origin, path)
        else:
            base[key] = value
            origin[path] = source


def _env_layers(environ: Mapping[str, str]) -> dict[str, dict[str, dict[str, Any]]]:
    """file name -> {variable: layer}. HAIOS_SECTION__KEY=value sets haios.yaml `section.key`;
    a first part naming another file (HAIOS_THRESHOLDS__CONTEXT__WARN_LEFT_PCT) sets a key
    of that file. Values are parsed as YAML."""
    files = {name.removesuffix(".yaml").replace("-", "_"): name for name in _FIELDS}
    layers: dict[str, dict[str, dict[str, Any]]] = {}
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        keys = [k.lower() for k in name[len(ENV_PREFIX) :].split("__")]
        target = files.get(keys[0], "haios.yaml") if len(keys) > 2 else "haios.yaml"
        if target != "haios.yaml":
            keys = keys[1:]
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        node = layers.setdefault(target, {}).setdefault(name, {})
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return layers


def _describe(error: Any, keys: tuple[str, ...], fields: dict[tuple[str, ...], Any]) -> str:
    dotted = ".".join(keys) or "(top)"
    if error["type"] == "extra_forbidden":
        parent: list[str] = next((v for k, v in fields.items() if _fits(k, keys[:-1])), [])
        known = ", ".join(sorted(parent)) or "none"
        return f"unknown key {dotted!r}; known keys here: {known}"
    value = error.get("input")
    message = str(error["msg"]).removeprefix("Value error, ")
    if isinstance(value, dict):  # a check across keys: the message names them, not the dump
        return f"{dotted}: {message}" if keys else message
    return f"{dotted} = {value!r}: {message}"


def _fits(pattern: tuple[str, ...], keys: tuple[str, ...]) -> bool:
    """Whether `keys` is the path `pattern`, where `*` stands for any mapping key."""
    return len(pattern) == len(keys) and all(
        p in ("*", k) for p, k in zip(pattern, keys, strict=True)
    )


def _known_keys(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    known: dict[tuple[str, ...], Any] = {prefix: list(model.model_fields)}
    for name, field in model.model_fields.items():
        sub, path = field.annotation, (*prefix, name)
        if get_origin(sub) is dict:  # a mapping of models, e.g. nodes: {name: NodeRule}
            sub, path = get_args(sub)[-1], (*path, "*")
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            known.update(_known_keys(sub, path))
    return known


def _validate(
    model: type[BaseModel], data: dict[str, Any], file: str, origin: dict[tuple[str, ...], str]
) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        keys = tuple(str(k) for k in error["loc"])
        source = _blame(keys, origin, file)
        raise ConfigError(f"{source}: {_describe(error, keys, _known_keys(model))}") from None


def _blame(keys: tuple[str, ...], origin: dict[tuple[str, ...], str], file: str) -> str:
    """Which user layer to name for an error at `keys` (the packaged defaults are valid)."""
    for n in range(len(keys), 0, -1):  # the layer that set this key or a parent of it
        if keys[:n] in origin:
            return origin[keys[:n]]
    # a check across keys: a layer that set a key under it, an environment variable first
    below = [source for path, source in origin.items() if path[: len(keys)] == keys]
    return max(below, key=lambda s: s.startswith("environment variable"), default=file)


def load_config(project: Project, environ: Mapping[str, str] | None = None) -> Config:
    """Read, overlay and validate every config file once (`environ` defaults to os.environ):
    the packaged defaults, then the packs, then the project's files, then HAIOS_* variables."""
    defaults = packaged_defaults()
    env = _env_layers(os.environ if environ is None else environ)
    packs = _packs(project)
    parts: dict[str, BaseModel] = {}
    for name, field in _FIELDS.items():
        data: dict[str, Any] = {}
        origin: dict[tuple[str, ...], str] = {}
        _overlay(data, _read_yaml(defaults / name), str(defaults / name), {})
        for pack in packs:
            if (pack.folder / name).is_file() and name in PACK_FILES:
                _overlay(data, _read_yaml(pack.folder / name), str(pack.folder / name), origin)
        override = project.config_dir / name
        if override.is_file():
            _overlay(data, _read_yaml(override), str(override), origin)
        for var, layer in env.get(name, {}).items():
            _overlay(data, layer, f"environment variable {var}", origin)
        model = Config.model_fields[field].annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        parts[field] = _validate(model, data, str(override), origin)
    info = [PackInfo(name=p.name, version=p.version, origin=p.origin,
                     files=tuple(str(f) for f in p.files())) for p in packs]  # fmt: skip
    config = Config.model_validate({**{k: v.model_dump() for k, v in parts.items()}, "packs": info})
    _check_across_files(config, project)
    return config


def _packs(project: Project) -> list[Pack]:
    """The packs that fit this haios; a refused one is logged and left out."""
    packs, refused = find_packs(project)
    for pack in refused:
        log("warning", "pack refused", pack=pack.where, reason=pack.reason)
    return packs


def find_packs(project: Project) -> tuple[list[Pack], list[Refused]]:
    """The project's and the installed packs: those that fit, and those refused (why)."""
    versions = {name: version for name, (version, _) in CONTRACTS.items()}
    return discover(project.haios_dir / PROJECT_PACKS, versions)


def _check_across_files(config: Config, project: Project) -> None:
    """Names one file uses and another defines: phases, gates, bound cycles."""
    bound = {node: rule.cycle for node, rule in config.node_bindings.nodes.items()}
    problem = cross_problem(
        config.cycle_definitions, config.gates, config.haios.work.cycle_phases, bound
    )
    if problem:
        name, message = problem
        file = project.config_dir / name
        source = file if file.is_file() else packaged_defaults() / name
        raise ConfigError(f"{source}: {message}")
