"""Property: whatever a person writes in a WORK.md, WorkEngine's writes keep it.

Any Markdown body survives byte for byte, and any frontmatter key haios does not own survives
value for value, through a transition, a queue move and a claim.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from haios.runtime import Runtime
from haios.work.model import KNOWN, jsonable

_LINES = st.one_of(
    st.sampled_from(["---", "--- ", "---\t", "...", "", "# Heading", "key: value", "- [ ] task"]),
    st.text(max_size=40),
)
BODIES = st.one_of(
    st.text(),
    st.tuples(
        st.lists(_LINES, max_size=12),
        st.sampled_from(["\n", "\r\n", "\r"]),
        st.sampled_from(["", "\n", "\r\n"]),
    ).map(lambda t: t[1].join(t[0]) + t[2]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(dt.UTC)),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=10), inner, max_size=4),
    ),
    max_leaves=10,
)
KEYS = st.one_of(st.text(min_size=1, max_size=20).filter(lambda k: k not in KNOWN), st.integers())
EXTRA = st.dictionaries(KEYS, VALUES, max_size=6)


def _own_keys(work_id: str) -> dict[str, Any]:
    at = "2025-01-02T03:04:05+00:00"
    return {
        "id": work_id,
        "title": "a property",
        "type": "feature",
        "status": "active",
        "priority": "medium",
        "created": at,
        "owner": None,
        "queue_position": "backlog",
        "current_node": "backlog",
        "blocked_by": [],
        "node_history": [{"node": "backlog", "entered": at, "exited": None}],
    }


def _split(text: str) -> tuple[dict[str, Any], str]:
    """(frontmatter, body) the way a reader of the format sees them: body after the 2nd ---."""
    lines = text.splitlines(keepends=True)
    assert lines[0].rstrip() == "---"
    end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    return yaml.safe_load("".join(lines[1:end])), "".join(lines[end + 1 :])


def _check(path: Path, body: str, extra: dict[str, Any]) -> dict[str, Any]:
    meta, kept = _split(path.read_bytes().decode("utf-8"))
    assert kept == body
    assert {k: meta[k] for k in extra} == extra
    return meta


_ids = itertools.count(1)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODIES, extra=EXTRA, order=st.randoms(use_true_random=False), crlf=st.booleans())
def test_body_and_foreign_keys_survive_every_write(
    rt: Runtime, body: str, extra: dict[str, Any], order: Any, crlf: bool
) -> None:
    work_id = f"PROP-{next(_ids)}"
    items = [*_own_keys(work_id).items(), *extra.items()]
    order.shuffle(items)
    meta = dict(items)
    fm = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    assume(yaml.safe_load(fm) == meta)  # only values YAML itself round-trips
    if crlf:
        fm = fm.replace("\n", "\r\n")
    path = rt.work.work_dir / "active" / work_id / "WORK.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(f"---\n{fm}---\n{body}".encode())

    rt.work.transition(work_id, "plan")
    after = _check(path, body, extra)
    assert after["current_node"] == "plan"
    assert [e["node"] for e in after["node_history"]] == ["backlog", "plan"]

    rt.work.queue(work_id, "ready")
    assert _check(path, body, extra)["queue_position"] == "ready"

    state = rt.work.claim(work_id, "prop-owner")
    after = _check(path, body, extra)
    assert (after["owner"], after["queue_position"]) == ("prop-owner", "working")
    assert dict(state.extra) == {k: jsonable(v) for k, v in extra.items()}
    assert dict(rt.work.get(work_id).extra) == dict(state.extra)
