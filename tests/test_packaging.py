"""The wheel carries the packaged defaults, and an installed haios finds them there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_wheel_ships_the_packaged_defaults(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("haios-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    shipped = ("haios.yaml", "node-bindings.yaml", "work-template.md", "overrides.yaml")
    shipped += ("haios.just", "starters/north-star.md", "documents/plan.md")
    for name in shipped:
        assert f"haios/_defaults/{name}" in names
    found = subprocess.run(
        [sys.executable, "-c", "from haios.project import packaged_defaults as p; print(p())"],
        env={"PYTHONPATH": str(tmp_path / "site")},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert found == str(tmp_path / "site" / "haios" / "_defaults")
