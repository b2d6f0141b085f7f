"""ContextLoader: levels, tiers, the token budget and its shortening order, degraded inputs,
checkpoints written and read back, SessionStarted. Real files in a real project throughout."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from haios import bootstrap
from haios.context import checkpoints, frontmatter
from haios.context.budget import SHORTEN_ORDER, tokens
from haios.context.checkpoint import CheckpointFrontmatter
from haios.context.loader import ContextLoader, Rendered
from haios.contracts import QueryResult, StoreResult
from haios.memory import digest
from haios.project import Project, compiled_config
from haios.runtime import Runtime

from .conftest import LEGACY_CHECKPOINTS

SESSION = "9d1c-session"
NORTH_STAR = """<!-- starter comment: what this project is for -->
# North star

Ship a governance runtime people trust: short context, honest gates.

## Principles

- Files are the truth; caches are rebuilt.
- Never block a session on memory.
"""


def context_dir(project: Project) -> Path:
    folder = project.root / ".claude" / "config"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def grounded(project: Project, **files: str) -> None:
    for name, text in {"north-star.md": NORTH_STAR, **files}.items():
        (context_dir(project) / name).write_text(text, encoding="utf-8")


def legacy_checkpoints(project: Project, age_hours: float = 0) -> Path:
    folder = project.root / "docs" / "checkpoints"
    shutil.copytree(LEGACY_CHECKPOINTS, folder, dirs_exist_ok=True)
    when = time.time() - age_hours * 3600
    for path in folder.iterdir():
        os.utime(path, (when, when))
    return folder


def render(project: Project, trigger: str = "coldstart", tier: str | None = None) -> Rendered:
    config = compiled_config(project)
    with bootstrap.session_loader(str(project.root), config, SESSION) as loader:
        return loader.render(loader.load(trigger, tier))


def row(rendered: Rendered, section: str) -> dict[str, Any]:
    return next(r for r in rendered.rows if r["section"] == section)


def items(rt: Runtime, count: int) -> None:
    for n in range(count):
        rt.work.create(f"Item number {n} with a title of ordinary length")


# -- levels and tiers --------------------------------------------------------------------------


def test_a_default_coldstart_is_short_and_puts_pending_and_drift_first(
    project: Project, rt: Runtime
) -> None:
    grounded(project, **{"invariants.md": "# Invariants\n\n- One writer per file.\n"})
    legacy_checkpoints(project, age_hours=100)  # not recent: the full tier
    items(rt, 40)
    digest.write(project.state_dir, [{"id": "1", "content": "Run the tests first.", "uses": 2}])
    rendered = render(project)
    text = rendered.text
    lines = text.split("\n")
    assert lines[0] == "haios · session 486 (prior 485) · coldstart · tier full"
    assert lines[2] == (
        "Pending from session 485: WORK-289: Implement Tiered Session Architecture "
        "(carried from S484)"
    )
    assert tokens(text) <= 1500 and len(text) <= 9000
    essentials = text.index("Last checkpoint: docs/checkpoints/2026-03-10-02-SESSION-485-")
    assert essentials < 2000
    assert "North star (.claude/config/north-star.md):" in text
    assert "starter comment" not in text  # HTML comments are for the person writing the file
    assert "- Run the tests first." in text
    assert "Ready (40); take the next with `haios work next --claim`:" in text
    assert [r["section"] for r in rendered.rows] == [
        "header",
        "warnings",
        "notes",
        "session",
        "ready",
        "operational",
        "strategies",
        "north_star",
        "invariants",
        "roadmap",
    ]
    assert row(rendered, "roadmap")["reason"] == "missing: write .claude/config/roadmap.md"


def test_a_recent_checkpoint_makes_the_light_tier_the_default(project: Project) -> None:
    grounded(project)
    legacy_checkpoints(project)
    rendered = render(project)
    assert rendered.context.tier == "light"
    assert "North star" not in rendered.text
    assert row(rendered, "north_star")["tokens_full"] > 40
    assert row(rendered, "north_star") == {
        "section": "north_star",
        "level": "l0",
        "source": ".claude/config/north-star.md",
        "form": "left out",
        "tokens_full": row(rendered, "north_star")["tokens_full"],
        "tokens": 0,
        "reason": "tier light leaves it out",
    }
    assert render(project, tier="full").context.tier == "full"


def test_after_compaction_the_context_is_minimal_and_keeps_the_number(
    project: Project, rt: Runtime
) -> None:
    legacy_checkpoints(project)
    items(rt, 3)
    first = render(project)
    again = render(project, "session_recovery")
    assert again.context.session_number == first.context.session_number == 486
    assert again.context.tier == "minimal"
    assert "Ready" not in again.text and len(again.text) < len(first.text)
    assert again.text.startswith("haios · session 486 (prior 485) · session_recovery · tier")


def test_the_held_item_comes_from_this_sessions_claim(project: Project, rt: Runtime) -> None:
    item = rt.work.create("Retry with backoff")
    rt.work.claim(item.id, SESSION)
    rt.work.set_cycle_phase(item.id, "do")
    text = render(project).text
    assert "\nYou hold WORK-001 «Retry with backoff» (node backlog, phase do).\n" in text


# -- the budget --------------------------------------------------------------------------------


def test_over_its_level_budget_a_file_becomes_a_summary_then_a_pointer(project: Project) -> None:
    long = NORTH_STAR + "".join(f"- principle {n}: keep going\n" for n in range(200))
    grounded(project, **{"north-star.md": long})
    rendered = render(project, tier="full")
    assert row(rendered, "north_star")["form"] == "summary"
    assert row(rendered, "north_star")["reason"] == "over the l0 budget of 200 tokens"
    assert "Ship a governance runtime people trust" in rendered.text
    assert "principle 3:" not in rendered.text
    one_paragraph = "# North star\n" + "word " * 2000 + "\n"
    grounded(project, **{"north-star.md": one_paragraph})
    rendered = render(project, tier="full")
    assert row(rendered, "north_star")["form"] == "pointer"
    assert "North star: read .claude/config/north-star.md (≈" in rendered.text


def test_a_small_cap_shortens_in_the_stated_order_and_never_cuts_a_line(
    project: Project, rt: Runtime
) -> None:
    grounded(project, **{"invariants.md": "# Invariants\n\n- One writer per file.\n"})
    folder = legacy_checkpoints(project, age_hours=100)
    items(rt, 10)
    os.environ["HAIOS_THRESHOLDS__COLDSTART__MAX_CHARS"] = "1200"
    try:
        rendered = render(project)
    finally:
        del os.environ["HAIOS_THRESHOLDS__COLDSTART__MAX_CHARS"]
    latest = "docs/checkpoints/" + max(p.name for p in folder.iterdir() if "485" in p.name)
    assert len(rendered.text) <= 1200
    assert rendered.text.split("\n")[6:] == [
        f"… 5 more: read {latest}",
        "Note: memory: degraded (no memory digest yet)",
        "You hold no work item; `haios work next --claim` takes the top ready one.",
        f"Last checkpoint: read {latest}.",
        "",
    ]
    forms = {r["section"]: (r["form"], r["reason"]) for r in rendered.rows}
    over = "context over 1200 characters"
    assert forms == {
        "header": ("full", ""),
        "warnings": ("summary", over),
        "notes": ("full", ""),
        "session": ("pointer", over),
        "ready": ("left out", over),
        "operational": ("left out", over),
        "strategies": ("left out", "empty"),
        "north_star": ("left out", over),
        "invariants": ("left out", over),
        "roadmap": ("left out", "missing: write .claude/config/roadmap.md"),
    }
    assert SHORTEN_ORDER == (  # the order docs/context.md states
        "invariants",
        "north_star",
        "roadmap",
        "strategies",
        "operational",
        "ready",
        "session",
        "warnings",
    )


# -- bad input ---------------------------------------------------------------------------------


def test_a_5_mb_north_star_is_read_only_in_part_with_a_note(project: Project) -> None:
    huge = NORTH_STAR + ("- an endless principle, repeated to make the file big\n" * 100_000)
    grounded(project, **{"north-star.md": huge})
    size = os.path.getsize(context_dir(project) / "north-star.md")
    assert size > 5_000_000
    rendered = render(project, tier="full")
    note = f"Note: north-star.md is {size / 1048576:.1f} MB; only its first 64 KB were read"
    assert note in rendered.text
    assert len(rendered.text) <= 9000


def test_empty_and_missing_files_are_skipped_and_explained(project: Project) -> None:
    grounded(project, **{"north-star.md": "<!-- write the mission here -->\n\n", "roadmap.md": ""})
    rendered = render(project, tier="full")
    assert [row(rendered, s)["reason"] for s in ("north_star", "invariants", "roadmap")] == [
        "empty",
        "missing: write .claude/config/invariants.md",
        "empty",
    ]


def test_a_checkpoint_with_broken_frontmatter_still_gives_a_context(project: Project) -> None:
    folder = project.root / "docs" / "checkpoints"
    folder.mkdir(parents=True)
    (folder / "checkpoint-12.md").write_text(
        "---\nsession: 12\npending:\n  - WORK-004\ndrift_observed: [unclosed\n---\n# notes\n"
    )
    text = render(project).text
    assert text.startswith("haios · session 13 (prior 12)")
    assert "Pending from session 12: WORK-004" in text
    assert (
        "Checkpoint docs/checkpoints/checkpoint-12.md: frontmatter partly unreadable (line 5: "
        "cannot read the value of 'drift_observed'); read the file itself"
    ) in text


class HangingMemory:
    """A memory that never answers (an MCP server that hangs)."""

    def query(self, query: str, mode: str = "semantic") -> QueryResult:
        time.sleep(30)
        return QueryResult()

    def store(self, content: str, source_path: str, work_id: str | None = None) -> StoreResult:
        raise NotImplementedError


def test_a_memory_that_hangs_degrades_the_context_after_its_timeout(
    project: Project, rt: Runtime
) -> None:
    config = json.loads(json.dumps(compiled_config(project)))
    config["thresholds"]["coldstart"]["memory_timeout_ms"] = 50
    loader = ContextLoader(str(project.root), config, rt.work, HangingMemory(), SESSION)
    rendered = loader.render(loader.load())
    assert "Note: memory: no answer within 0.05 s; strategies left out" in rendered.text


def test_session_started_is_emitted_once_and_journalled(project: Project, rt: Runtime) -> None:
    first = rt.context.load()
    rt.context.load("session_recovery")
    events = [e for e in rt.governance._journal.tail(50) if e["event"] == "SessionStarted"]
    assert [e["payload"] for e in events] == [{"session": first.session_number, "prior": None}]
    render(project)  # the hook's light path journals it too
    events = [e for e in rt.governance._journal.tail(50) if e["event"] == "SessionStarted"]
    assert [e["payload"] for e in events][-1] == {"session": 2, "prior": 1}


def test_a_preview_records_nothing(project: Project, rt: Runtime) -> None:
    context = rt.context.load(start=False)
    assert context.session_number == 1
    assert not (project.state_dir / "session.json").exists()


# -- checkpoints -------------------------------------------------------------------------------


def test_the_frontmatter_reader_agrees_with_yaml_on_every_legacy_checkpoint() -> None:
    for path in sorted(LEGACY_CHECKPOINTS.glob("*.md")):
        fm, _ = frontmatter.split(path.read_text("utf-8")) or ("", "")
        data, problems = frontmatter.parse(fm)
        expected = yaml.safe_load(fm)
        assert problems == [], path.name
        assert data == {k: _plain(v) for k, v in expected.items()}, path.name


def _plain(value: Any) -> Any:
    """YAML's dates and floats as the text they were written as."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value if isinstance(value, str | int | bool | type(None)) else str(value)


def test_a_written_checkpoint_fits_the_contract_and_leads_the_next_coldstart(
    project: Project,
) -> None:
    folder = str(project.root / "docs" / "checkpoints")
    path = checkpoints.write(
        folder,
        7,
        6,
        "Budget the coldstart: done!",
        work_id="WORK-007",
        lists={
            "completed": ["WORK-007: the budget"],
            "decisions": ['Tokens are "characters ÷ 4"'],
            "next_steps": ["Benchmark the hook"],
            "pending": ["WORK-008"],
            "drift_observed": ["docs/cli.md lists a removed flag"],
            "load_memory_refs": [88476, "mem-9"],
        },
    )
    name = os.path.basename(path)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d-01-SESSION-7-budget-the-coldstart-done\.md", name)
    text = Path(path).read_text("utf-8")
    fm, body = frontmatter.split(text) or ("", "")
    data = yaml.safe_load(fm)
    schema = json.loads(
        (Path(__file__).parents[1] / "docs/contracts/checkpoint-frontmatter.v2.json").read_text()
    )
    jsonschema.validate({k: _plain(v) for k, v in data.items()}, schema)
    CheckpointFrontmatter.model_validate({k: _plain(v) for k, v in data.items()})
    assert frontmatter.parse(fm) == ({k: _plain(v) for k, v in data.items()}, [])
    assert '\n## Decisions\n\n- Tokens are "characters ÷ 4"\n' in body
    lines = render(project).text.split("\n")
    assert lines[2:4] == [
        "Pending from session 7: WORK-008",
        "Drift seen in session 7: docs/cli.md lists a removed flag",
    ]
    assert "Next: Benchmark the hook" in lines
    second = checkpoints.write(folder, 7, 6, "Budget the coldstart: done!")
    assert os.path.basename(second).startswith(name[:11] + "02-SESSION-7-")


@pytest.mark.parametrize(
    ("trigger", "message"), [("later", "unknown trigger 'later'; one of coldstart, ")]
)
def test_an_unknown_trigger_is_refused(rt: Runtime, trigger: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        rt.context.load(trigger)


def test_the_starter_files_of_init_cost_nothing_until_written(haios: Any, tmp_path: Path) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    assert haios("init", cwd=repo).code == 0
    explained = haios("context", "--json", "--tier", "full", cwd=repo).json()
    reasons = {r["section"]: r["reason"] for r in explained["sections"]}
    assert [reasons[s] for s in ("north_star", "invariants", "roadmap")] == ["empty"] * 3
    (repo / ".claude/config/north-star.md").write_text(
        (repo / ".claude/config/north-star.md").read_text() + "\nShip it.\n"
    )
    text = haios("coldstart", "--tier", "full", cwd=repo).out
    assert (
        "North star (.claude/config/north-star.md):\n# North star\n\n## Principles\n\nShip it.\n"
        in text
    )
