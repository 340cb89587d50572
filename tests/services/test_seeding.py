"""The bundled data as it is loaded: hospitals honest about their points, seeding once."""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from app.core.config import REPO_GEODATA_DIR
from app.domain.enums import Precision
from app.domain.records import SeedData
from app.geo.gazetteer import GazetteerFileError, read_csv, read_district_outlines
from app.services.seeding import (
    HOSPITALS_FILE,
    bundled_seed,
    ensure_seeded,
    read_services,
)
from app.storage.port import Store

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
    views = store.view_resources(kind="hospital", limit=1000)
    assert len(views) == len(HOSPITAL_ROWS)
    assert all(v.resource.district_id is not None and v.resource.version == 1 for v in views)
    assert all(v.statuses == {} for v in views)
    assert {v.resource.attributes["level"] for v in views} == {"tertiary", "secondary"}
    assert store.get_meta("seed_version") == bundled_seed(REPO_GEODATA_DIR)[1]


def test_missing_bundled_files_are_named(tmp_path: Path):
    _geodata_copy(tmp_path)
    (tmp_path / "geodata" / HOSPITALS_FILE).unlink()
    with pytest.raises(GazetteerFileError, match=r"hospitals\.csv"):
        bundled_seed(tmp_path / "geodata")


def _geodata_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "geodata"
    shutil.copytree(REPO_GEODATA_DIR, copy)
    return copy


def _edit_first_hospital(geodata: Path, column: str, value: str) -> None:
    rows = read_csv(geodata / HOSPITALS_FILE)
    rows[0][column] = value
    with (geodata / HOSPITALS_FILE).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_a_hospital_district_may_be_an_alias(tmp_path: Path):
    geodata = _geodata_copy(tmp_path)
    _edit_first_hospital(geodata, "district", "浦东")
    data, _ = bundled_seed(geodata)
    assert data.resources[0][1] == "310115000000"


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("district", "火星区", "unknown district '火星区'"),
        ("lon", "east", "could not convert string to float"),
        ("lat", "95", "coordinates out of range"),
        ("services", "dialysis|teleport", "unknown services"),
    ],
)
def test_a_bad_hospital_row_is_named(tmp_path: Path, column: str, value: str, message: str):
    geodata = _geodata_copy(tmp_path)
    _edit_first_hospital(geodata, column, value)
    with pytest.raises(GazetteerFileError, match=r"hospitals\.csv line 2: ") as error:
        bundled_seed(geodata)
    assert message in str(error.value)


def test_a_broken_hierarchy_is_named(tmp_path: Path):
    geodata = _geodata_copy(tmp_path)
    units = geodata / "admin_units.csv"
    lines = units.read_text("utf-8").splitlines(keepends=True)
    units.write_text("".join([lines[0], *lines[17:]]), "utf-8")  # drop the districts
    with pytest.raises(GazetteerFileError, match="needs a district parent"):
        bundled_seed(geodata)
