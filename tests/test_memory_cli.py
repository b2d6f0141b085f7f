"""`haios memory search|get|link` through the real CLI and the real embedded server: pages
with --offset, superseded memories on request, one memory in full, links, and the errors."""

from __future__ import annotations

from typing import Any

import pytest

from haios.memory.store import NAME, MemoryStore
from haios.project import Project

ENV = {"HAIOS_MEMORY__CLIENT__BACKGROUND": "false"}


@pytest.fixture
def stored(project: Project) -> None:
    """Seven deploy facts, and a test-runner how-to superseded by a newer one (same subject)."""
    with MemoryStore(project.state_dir / NAME, project.root) as db:
        for n in range(1, 8):
            db.ingest(f"The deploy script of region {n} writes its log to deploy-{n}.log")
        db.ingest("Test runner: use pytest", "docs/testing.md")  # 8, superseded by 9
        db.ingest("Test runner: use pytest -q -x", "docs/testing.md")


def _ids(document: Any) -> list[int]:
    return [c["id"] for c in document["concepts"]]


@pytest.mark.usefixtures("stored")
def test_search_pages_with_offset_without_overlap(haios: Any) -> None:
    first = haios("memory", "search", "deploy script", "--limit", "3", env=ENV)
    second = haios(
        "memory", "search", "deploy script", "--limit", "3", "--offset", "3", "--json", env=ENV
    )
    last = haios(
        "memory", "search", "deploy script", "--limit", "3", "--offset", "6", "--json", env=ENV
    )

    assert first.code == 0, first.err
    lines = first.out.splitlines()
    assert lines[0].split() == ["ID", "KIND", "WORK", "TEXT"] and lines[4:] == ["more: --offset 3"]
    page = [int(line.split()[0]) for line in lines[1:4]]
    assert (second.json()["next_offset"], last.json()["next_offset"]) == (6, None)
    everything = page + _ids(second.json()) + _ids(last.json())
    assert sorted(everything) == list(range(1, 8))  # every fact once: no overlap, no gap


@pytest.mark.usefixtures("stored")
def test_superseded_memories_come_back_only_when_asked(haios: Any) -> None:
    hidden = haios("memory", "search", "test runner", env=ENV)
    shown = haios("memory", "search", "test runner", "--include-superseded", env=ENV)
    as_json = haios("memory", "search", "test runner", "--include-superseded", "--json", env=ENV)

    assert (hidden.code, shown.code) == (0, 0), hidden.err + shown.err
    strategies = "strategies (most used first):\n  9  (0 uses)  Test runner: use pytest -q -x\n"
    assert hidden.out == (
        "ID  KIND    WORK  TEXT\n9   techne        Test runner: use pytest -q -x\n" + strategies
    )
    assert shown.out == (
        "ID  KIND    WORK  TEXT\n"
        "8   techne        [superseded by 9] Test runner: use pytest\n"
        "9   techne        Test runner: use pytest -q -x\n" + strategies
    )
    assert [c.get("superseded_by") for c in as_json.json()["concepts"]] == [9, None]


def test_a_bad_page_is_refused_before_the_server_starts(haios: Any) -> None:
    negative = haios("memory", "search", "deploy", "--offset", "-1")
    zero = haios("memory", "search", "deploy", "--limit", "0")

    assert (negative.code, negative.out) == (2, "")
    assert negative.err == (
        "haios: error: --offset -1: must be 0 or more (the number a search prints after `more:`)\n"
    )
    assert (zero.code, zero.err) == (2, "haios: error: --limit 0: must be 1 to 50\n")


@pytest.mark.usefixtures("stored")
def test_get_shows_one_memory_and_link_links_two(haios: Any) -> None:
    linked = haios("memory", "link", "1", "9", "--relation", "derived_from", env=ENV)
    again = haios("memory", "link", "1", "9", "--relation", "derived_from", "--json", env=ENV)
    shown = haios("memory", "get", "8", env=ENV)
    as_json = haios("memory", "get", "9", "--json", env=ENV)

    assert (linked.code, linked.out) == (0, "linked: 1 derived_from 9\n"), linked.err
    assert again.json() == {"linked": False, "src": 1, "dst": 9, "relation": "derived_from"}
    lines = shown.out.splitlines()
    assert lines[:4] == [
        "memory 8: techne (an instruction (starts with 'use')), superseded by 9",
        "Test runner: use pytest",
        "subject: test-runner",
        "source_path: docs/testing.md",
    ]
    assert lines[4].startswith("created: ") and lines[5:] == ["link: 9 supersedes 8"]
    document = as_json.json()
    assert (document["content"], document["links"]) == (
        "Test runner: use pytest -q -x",
        [
            {"src": 9, "dst": 8, "relation": "supersedes"},
            {"src": 1, "dst": 9, "relation": "derived_from"},
        ],
    )


def test_get_and_link_say_what_is_wrong(haios: Any) -> None:
    missing = haios("memory", "get", "42", env=ENV)
    named = haios("memory", "get", "deploy", env=ENV)
    bad = haios("memory", "link", "1", "2", "--relation", "likes", env=ENV)

    assert (missing.code, missing.err) == (
        1,
        "haios: error: memory server: no memory 42; search for ids first\n",
    )
    assert (named.code, named.err) == (
        2,
        "haios: error: 'deploy' is not a memory id (a number: search shows them)\n",
    )
    assert (bad.code, bad.err) == (
        1,
        "haios: error: memory server: unknown relation 'likes'; relations are: related, "
        "supersedes, synonym, derived_from, contradicts\n",
    )
