# Developer entry point. `just check` is the one gate: lint, format, types, tests.

venv := ".venv/bin"

default:
    @just --list

# Lint, format check, type check and tests: keep this green.
check: lint typecheck test

lint:
    {{venv}}/ruff check .
    {{venv}}/ruff format --check .

# Apply the formatter and the safe lint fixes.
fmt:
    {{venv}}/ruff format .
    {{venv}}/ruff check --fix .

typecheck:
    {{venv}}/mypy

test *args:
    {{venv}}/python -m pytest {{args}}

# Median times and peak memory of the read and write paths against the interpreter's floor,
# then the memory server (ingest, search in process and over stdio, size, tools/list tokens).
bench *args:
    {{venv}}/python benchmarks/bench.py {{args}}
    {{venv}}/python benchmarks/memory.py

# The main job on embedded defaults, in a temporary folder.
demo:
    {{venv}}/haios demo

# Write the JSON Schemas of docs/contracts/ (refuses to change a released version).
contracts:
    {{venv}}/python -m haios.schemas docs/contracts

# Write the Claude Code plugin's files (.claude-plugin/, hooks/hooks.json, commands/, skills/,
# .mcp.json) from the packaged cycle definitions.
plugin:
    {{venv}}/python -m haios.cli.plugin .
