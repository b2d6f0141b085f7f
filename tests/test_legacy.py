"""WORK.md files written by the original HAIOS: read without loss, changed without collateral."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from haios.project import Project
from haios.runtime import Runtime

LEGACY_WORK = Path(__file__).parent / "fixtures" / "legacy" / "work"
LEGACY_IDS = sorted(p.name for p in LEGACY_WORK.iterdir() if (p / "WORK.md").is_file())
# Fields `haios work show --json` prints besides the frontmatter-derived ones.
NOT_FRONTMATTER = {"path", "documents", "extra", "legacy"}


def as_json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


def split(path: Path) -> tuple[str, str]:
    """(frontmatter text, closing line + body) without using haios."""
    text = path.read_text("utf-8")
    assert text.startswith("---\n")
    end = text.index("\n---\n", 3) + 1
    return text[4:end], text[end:]


def frontmatter(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(split(path)[0])
    assert isinstance(data, dict)
    return data


def without_keys(fm_text: str, keys: set[str]) -> list[str]:
    """The frontmatter lines that do not belong to a top-level key in `keys`."""
    kept, skipping = [], False
    for line in fm_text.splitlines(keepends=True):
        if line[:1] not in (" ", "-", "\t", "#", "\n"):
            skipping = line.split(":", 1)[0].strip() in keys
        if not skipping:
            kept.append(line)
    return kept


@pytest.fixture
def legacy(project: Project) -> Path:
    """The legacy samples copied into the project's docs/work/active/."""
    active = project.root / "docs/work/active"
    for work_id in LEGACY_IDS:
        shutil.copytree(LEGACY_WORK / work_id, active / work_id)
    return active


def test_every_legacy_item_is_listed(haios: Any, legacy: Path) -> None:
    result = haios("work", "list", "--json")
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["errors"] == []
    assert doc["count"] == len(LEGACY_IDS) == 12
    assert sorted(row["id"] for row in doc["items"]) == LEGACY_IDS
    for row in doc["items"]:
        assert row["path"] == f"docs/work/active/{row['id']}/WORK.md"
    assert result.err == ""


def test_doctor_is_happy_with_the_legacy_items(haios: Any, legacy: Path) -> None:
    result = haios("doctor", "--json")
    assert result.code == 0, result.out
    assert result.json()["ok"] is True


@pytest.mark.parametrize("work_id", LEGACY_IDS)
def test_show_json_keeps_every_frontmatter_key(haios: Any, legacy: Path, work_id: str) -> None:
    raw = frontmatter(legacy / work_id / "WORK.md")
    result = haios("work", "show", work_id, "--json")
    assert result.code == 0, result.err
    shown = result.json()
    normalised = set(shown) - NOT_FRONTMATTER
    for key, value in raw.items():
        value = as_json(value)
        if key in shown["legacy"]:
            assert shown["legacy"][key] == value, key
            assert key not in shown["extra"]
        elif key in normalised:
            assert shown[key] == value or (value is None and shown[key] == []), key
            assert key not in shown["extra"]
        else:
            assert shown["extra"].get(key, "missing") == value, key
    assert set(shown["extra"]) == {k for k in raw if k not in normalised and k != "category"}
    assert set(shown["legacy"]) <= set(raw)


@pytest.mark.parametrize(
    ("work_id", "expected", "kept"),
    [
        (
            "CH-005",
            {"status": "complete", "current_node": "complete", "queue_position": "done"},
            {"current_node": "backlog"},
        ),
        (
            "WORK-198",
            {"status": "complete", "current_node": "complete", "cycle_phase": "chain"},
            {"current_node": "CHAIN", "cycle_phase": "CHAIN"},
        ),
        (
            "WORK-289",
            {"status": "complete", "current_node": "complete", "cycle_phase": "done"},
            {"current_node": "DONE"},
        ),
        (
            "WORK-175",
            {"status": "complete", "queue_position": "done", "cycle_phase": None},
            {"current_node": "backlog", "queue_position": "backlog", "cycle_phase": "backlog"},
        ),
        (
            "WORK-208",
            {"status": "active", "current_node": "backlog", "queue_position": "parked"},
            {"status": "open", "cycle_phase": "backlog"},
        ),
        (
            "E2-017",
            {"type": "implementation", "current_node": "complete", "created": "2025-12-23"},
            {"category": "implementation", "current_node": "backlog"},
        ),
        (
            "WORK-282",
            {"status": "active", "current_node": "backlog", "queue_position": "backlog"},
            {"cycle_phase": "backlog"},
        ),
        (
            "WORK-307",
            {"type": "investigation", "queue_position": "parked", "cycle_phase": None},
            {"cycle_phase": "backlog"},
        ),
    ],
)
def test_legacy_values_are_mapped(
    rt: Runtime, legacy: Path, work_id: str, expected: dict[str, Any], kept: dict[str, Any]
) -> None:
    state = rt.work.get(work_id)
    assert {k: getattr(state, k) for k in expected} == expected
    assert dict(state.legacy) == kept


@pytest.mark.parametrize(
    ("status", "node", "phase", "expected"),
    [
        ("in_progress", "CHAIN", "CHAIN", ("active", "backlog", "chain")),
        ("active", "implement", "DO", ("active", "implement", "do")),
        ("Done", "plan", "none", ("complete", "complete", None)),
        ("cancelled", "plan", "", ("abandoned", "plan", None)),
    ],
)
def test_odd_status_node_and_phase_values(
    rt: Runtime, legacy: Path, status: str, node: str, phase: str, expected: tuple[Any, ...]
) -> None:
    path = legacy / "WORK-282" / "WORK.md"
    text = path.read_text("utf-8")
    text = text.replace("status: active\n", f"status: {status}\n")
    text = text.replace("current_node: backlog ", f"current_node: {node} ")
    text = text.replace("cycle_phase: backlog ", f"cycle_phase: '{phase}' ")
    path.write_text(text, "utf-8")
    state = rt.work.get("WORK-282")
    assert (state.status, state.current_node, state.cycle_phase) == expected


def test_missing_type_and_category_fall_back_to_the_default_type(rt: Runtime, legacy: Path) -> None:
    path = legacy / "E2-017" / "WORK.md"
    path.write_text(path.read_text("utf-8").replace("category: implementation\n", ""), "utf-8")
    state = rt.work.get("E2-017")
    assert state.type == "feature"
    assert "category" not in state.legacy


# -- changing a legacy item -----------------------------------------------------------------------


def assert_only_changed(
    path: Path, before: str, keys: set[str], new_values: dict[str, Any]
) -> None:
    """Every frontmatter line outside `keys` and the whole body are what they were."""
    end = before.index("\n---\n", 3) + 1
    old_fm, old_body = before[4:end], before[end:]
    new_fm, new_body = split(path)
    assert new_body == old_body
    assert without_keys(new_fm, keys) == without_keys(old_fm, keys)
    old, new = yaml.safe_load(old_fm), yaml.safe_load(new_fm)
    assert set(new) - set(old) <= keys
    assert {k: v for k, v in new.items() if k not in keys} == {
        k: v for k, v in old.items() if k not in keys
    }
    for key, value in new_values.items():
        assert new[key] == value


def test_transition_keeps_every_other_line_and_the_body(haios: Any, legacy: Path) -> None:
    path = legacy / "WORK-282" / "WORK.md"
    before = path.read_text("utf-8")
    result = haios("work", "move", "WORK-282", "plan")
    assert (result.code, result.out, result.err) == (0, "WORK-282: backlog → plan\n", "")
    assert_only_changed(path, before, {"current_node", "node_history"}, {"current_node": "plan"})
    history = frontmatter(path)["node_history"]
    assert [h["node"] for h in history] == ["backlog", "plan"]
    assert history[0]["entered"] == dt.datetime(2026, 3, 7, 20, 49, 53)
    assert history[0]["exited"] == history[1]["entered"]
    assert history[1]["exited"] is None
    # untouched legacy comments are still there
    assert (
        "queue_position: backlog  # WORK-105: parked|backlog|ready|working|done\n"
        in path.read_text()
    )


def test_queue_move_keeps_every_other_line_and_the_body(rt: Runtime, legacy: Path) -> None:
    path = legacy / "WORK-307" / "WORK.md"
    before = path.read_text("utf-8")
    rt.work.queue("WORK-307", "ready")
    assert_only_changed(
        path, before, {"queue_position", "queue_history"}, {"queue_position": "ready"}
    )
    history = frontmatter(path)["queue_history"]
    assert [h["position"] for h in history] == ["backlog", "parked", "ready"]
    assert history[0]["exited"] == "2026-03-11T00:11:38.100365"


def test_claim_and_release_keep_every_other_line_and_the_body(rt: Runtime, legacy: Path) -> None:
    path = legacy / "WORK-208" / "WORK.md"
    before = path.read_text("utf-8")
    rt.work.claim("WORK-208", "agent-1")
    keys = {"owner", "queue_position", "queue_history"}
    assert_only_changed(path, before, keys, {"owner": "agent-1", "queue_position": "working"})
    rt.work.release("WORK-208", "agent-1")
    assert_only_changed(path, before, keys, {"owner": None, "queue_position": "backlog"})


def test_abandon_keeps_every_other_line_and_the_body(rt: Runtime, legacy: Path) -> None:
    path = legacy / "WORK-282" / "WORK.md"
    before = path.read_text("utf-8")
    rt.work.close("WORK-282", abandon_reason="superseded by WORK-277")
    keys = {"status", "closed", "closed_reason", "queue_position", "queue_history"}
    assert_only_changed(
        path,
        before,
        keys,
        {
            "status": "abandoned",
            "closed_reason": "superseded by WORK-277",
            "queue_position": "done",
        },
    )


def test_closed_legacy_items_do_not_move_and_are_not_rewritten(rt: Runtime, legacy: Path) -> None:
    from haios.errors import InvalidTransition

    path = legacy / "WORK-198" / "WORK.md"
    before = path.read_bytes()
    with pytest.raises(
        InvalidTransition, match=r"^WORK-198 is complete; closed items do not move$"
    ):
        rt.work.transition("WORK-198", "plan")
    assert rt.work.close("WORK-198").status == "complete"
    assert path.read_bytes() == before


def test_crlf_legacy_file_survives_a_transition(rt: Runtime, legacy: Path) -> None:
    path = legacy / "WORK-282" / "WORK.md"
    crlf = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(crlf)
    rt.work.transition("WORK-282", "discovery")
    new = path.read_bytes()
    assert b"\n" not in new.replace(b"\r\n", b"")
    assert new.split(b"\r\n---\r\n", 1)[1] == crlf.split(b"\r\n---\r\n", 1)[1]
    assert rt.work.get("WORK-282").current_node == "discovery"
