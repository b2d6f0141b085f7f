"""The docs keep up with the code: every command has help text and a section in docs/cli.md,
and every config key is described in docs/config.md."""

from __future__ import annotations

import argparse
import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from haios.cli.parser import build_parser
from haios.config import Config
from haios.project import CONFIG_FILES

DOCS = Path(__file__).resolve().parent.parent / "docs"
CLI_MD = DOCS / "cli.md"
CONFIG_MD = DOCS / "config.md"


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str | None, argparse.ArgumentParser]]:
    """(command path, help text, parser) for every command and subcommand, depth first."""
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        for name, sub in action.choices.items():
            yield (*path, name), helps.get(name), sub
            yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(build_parser()))
IDS = [" ".join(path) for path, _, _ in COMMANDS]


def _sections(text: str) -> dict[str, str]:
    """`### haios <path>` heading -> the text up to the next heading of level 1 to 3."""
    sections: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        heading = re.match(r"^(#{1,3}) (.*?)\s*$", line)
        if heading:
            title = heading.group(2)
            current = title if heading.group(1) == "###" and title.startswith("haios ") else None
            if current is not None:
                sections[current] = ""
            continue
        if current is not None:
            sections[current] += line + "\n"
    return sections


def test_the_parser_has_commands() -> None:
    assert {"init", "work new", "audit verify"} <= set(IDS)


@pytest.mark.parametrize(("path", "help_text", "parser"), COMMANDS, ids=IDS)
def test_every_command_has_help(
    path: tuple[str, ...], help_text: str | None, parser: argparse.ArgumentParser
) -> None:
    assert help_text and help_text.strip(), f"`haios {' '.join(path)}` has no help text"
    assert parser.description, f"`haios {' '.join(path)}` has no description"


@pytest.mark.parametrize(("path", "help_text", "parser"), COMMANDS, ids=IDS)
def test_every_command_has_a_section_in_cli_md(
    path: tuple[str, ...], help_text: str | None, parser: argparse.ArgumentParser
) -> None:
    heading = f"haios {' '.join(path)}"
    assert heading in _sections(CLI_MD.read_text("utf-8")), (
        f"docs/cli.md has no `### {heading}` heading"
    )


@pytest.mark.parametrize(("path", "help_text", "parser"), COMMANDS, ids=IDS)
def test_every_option_is_described_in_its_section(
    path: tuple[str, ...], help_text: str | None, parser: argparse.ArgumentParser
) -> None:
    section = _sections(CLI_MD.read_text("utf-8")).get(f"haios {' '.join(path)}", "")
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction) or not action.option_strings:
            continue
        flag = max(action.option_strings, key=len)
        assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", section), (
            f"docs/cli.md, `### haios {' '.join(path)}`: option {flag} is not described"
        )


def test_every_global_option_is_described() -> None:
    text = CLI_MD.read_text("utf-8")
    for action in build_parser()._actions:
        if isinstance(action, argparse._HelpAction) or not action.option_strings:
            continue
        for flag in action.option_strings:
            assert f"`{flag}" in text, f"docs/cli.md does not describe the global option {flag}"


def _model_of(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """(the model inside an annotation, whether it sits under mapping keys) or (None, False)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is dict and len(args) == 2:
        model, _ = _model_of(args[1])
        return model, model is not None
    if origin in (typing.Union, types.UnionType, tuple, list):
        for arg in args:
            model, keyed = _model_of(arg)
            if model is not None:
                return model, keyed
    return None, False


def _keys(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every key of `model` as a dotted path; mapping keys are written `<name>`."""
    for name, field in model.model_fields.items():
        dotted = f"{prefix}{name}"
        yield dotted
        sub, keyed = _model_of(field.annotation)
        if sub is not None:
            yield from _keys(sub, f"{dotted}.<name>." if keyed else f"{dotted}.")


def _file_models() -> list[tuple[str, type[BaseModel]]]:
    models = []
    for name, field in Config.model_fields.items():
        model, _ = _model_of(field.annotation)
        assert model is not None, f"Config.{name} is not a model"
        models.append((name, model))
    return models


KEYS = [key for _, model in _file_models() for key in _keys(model)]


def test_the_config_models_have_keys() -> None:
    assert {"paths.work_dir", "work.id_prefix", "nodes.<name>.next"} <= set(KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_every_config_key_is_in_config_md(key: str) -> None:
    assert f"`{key}`" in CONFIG_MD.read_text("utf-8"), f"docs/config.md does not describe `{key}`"


@pytest.mark.parametrize("name", CONFIG_FILES)
def test_every_config_file_has_a_section_in_config_md(name: str) -> None:
    assert re.search(rf"^## {re.escape(name)}$", CONFIG_MD.read_text("utf-8"), re.MULTILINE), (
        f"docs/config.md has no `## {name}` section"
    )


@pytest.mark.parametrize("name", [name for name, _ in _file_models()])
def test_every_config_section_name_is_in_config_md(name: str) -> None:
    # the compiled cache keeps one top-level key per file: `haios`, `node_bindings`
    assert f"`{name}`" in CONFIG_MD.read_text("utf-8")
