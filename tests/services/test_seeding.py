"""The bundled data as it is loaded: hospitals honest about their points, seeding once."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from app.core.config import REPO_GEODATA_DIR
from app.geo.gazetteer import read_csv, read_district_outlines
from app.services.seeding import (
    HOSPITALS_FILE,
    SeedDataMissing,
    bundled_seed,
    ensure_seeded,
    read_services,
)
from app.storage.base import Precision, SeedData, Store

HOSPITAL_ROWS = read_csv(REPO_GEODATA_DIR / HOSPITALS_FILE)
PHONE = re.compile(r"^021-\d{8}$")


def test_every_district_has_hospitals_inside_its_outline(bundled: tuple[SeedData, str]):
    data, _ = bundled
    outlines = {code: shape(g) for code, g in read_district_outlines(REPO_GEODATA_DIR).items()}
    assert len(data.resources) >= 60
    per_district = Counter(code for _, code in data.resources)
    assert set(per_district) == set(outlines) and min(per_district.values()) >= 2
    for hospital, district_code in data.resources:
        assert outlines[district_code].contains(Point(hospital.lon, hospital.lat)), hospital.name


def test_hospitals_are_marked_approximate_and_unverified(bundled: tuple[SeedData, str]):
    data, _ = bundled
    for hospital, _ in data.resources:
        assert hospital.kind == "hospital"
        assert hospital.precision is Precision.approximate
        assert hospital.location_verified is False
        assert "not verified" in hospital.source


def test_hospital_rows_are_well_formed():
    services = {s.code for s in read_services(REPO_GEODATA_DIR)}
    refs = [row["ref"] for row in HOSPITAL_ROWS]
    assert len(set(refs)) == len(refs)
    assert len({row["name"] for row in HOSPITAL_ROWS}) == len(HOSPITAL_ROWS)
    for row in HOSPITAL_ROWS:
        assert re.fullmatch(r"[a-z0-9-]+", row["ref"])
        assert row["name"] and row["address"] and row["level"] in {"tertiary", "secondary"}
        assert all(PHONE.match(p) for p in row["phones"].split("|") if p)
        offered = row["services"].split("|")
        assert offered and set(offered) <= services, row["ref"]


def test_seeding_loads_once_and_starts_every_status_unknown(store: Store):
    assert ensure_seeded(store, REPO_GEODATA_DIR) is True
    assert ensure_seeded(store, REPO_GEODATA_DIR) is False
    hospitals = store.list_resources(kind="hospital", limit=1000)
    assert len(hospitals) == len(HOSPITAL_ROWS)
    assert all(h.district_id is not None and h.version == 1 for h in hospitals)
    assert all(store.get_statuses(h.id) == {} for h in hospitals)
    assert store.get_meta("seed_version") == bundled_seed(REPO_GEODATA_DIR)[1]


def test_missing_bundled_files_are_named(tmp_path: Path):
    shutil.copytree(REPO_GEODATA_DIR, tmp_path / "geodata")
    (tmp_path / "geodata" / HOSPITALS_FILE).unlink()
    with pytest.raises(SeedDataMissing, match=r"hospitals\.csv"):
        bundled_seed(tmp_path / "geodata")
