"""The learned geocoder taught one half of the dev rows and asked the other half."""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import Settings
from app.domain.enums import LearnedFrom, Precision
from app.domain.learned import LearnedPoint
from app.geo.address import parse_address
from app.geo.distance import haversine_m
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.base import GeocodeQuery, Outcome
from app.geo.geocoders.learned import LearnedGeocoder
from app.geo.geocoders.registry import build_chain
from app.geo.house_numbers import house_key, place_key
from app.geo.learned_index import LearnedIndex
from app.geo.sources import LearnedSource
from app.storage.port import Store
from tests.geo.fake_providers import DevRow, read_dev_rows


class Points:
    """A LearnedSource over a list: geo's protocol, fed without the store's table."""

    def __init__(self, points: list[LearnedPoint]) -> None:
        self.points = points

    def iter_learned(self) -> Iterator[LearnedPoint]:
        return iter(self.points)

    def learned_version(self) -> str | None:
        return str(len(self.points))


def taught(rows: list[DevRow], index: GazetteerIndex, source=LearnedFrom.taught) -> list:
    points = []
    for row in rows:
        parsed = parse_address(row.address, index, row.district)
        key, place = house_key(parsed), place_key(parsed)
        if parsed.district is None or not (parsed.road or place):
            continue
        points.append(
            LearnedPoint(
                source=source,
                address=parsed.text,
                district_id=parsed.district.id,
                lon=row.wgs84[0],
                lat=row.wgs84[1],
                road=parsed.road,
                house_number=key.number if parsed.road else None,
                house_text=key.text if parsed.road else None,
                place=None if parsed.road else place,
            )
        )
    return points


@pytest.fixture
def halves(eval_dir: Path) -> tuple[list[DevRow], list[DevRow]]:
    rows = read_dev_rows(eval_dir)
    random.Random(22).shuffle(rows)
    return rows[: len(rows) // 2], rows[len(rows) // 2 :]


def test_half_taught_places_the_other_half(seeded_store: Store, halves, tmp_path: Path):
    teach, ask = halves
    index = GazetteerIndex.from_store(seeded_store)
    source: LearnedSource = Points(taught(teach, index))
    learned = LearnedIndex.from_source(source)
    settings = Settings(data_dir=tmp_path, database_url="")
    chain = build_chain(settings, seeded_store, online=False, learned=lambda: learned)
    assert [g.name for g in chain.geocoders] == ["gazetteer", "learned"]
    errors: dict[str, list[float]] = defaultdict(list)
    kinds = Counter()
    for row in ask:
        result = chain.geocode(GeocodeQuery(row.address, row.district))
        assert result.found
        if result.provider != "learned":
            assert result.evidence is None
            continue
        kinds[result.raw_level] += 1
        assert result.precision is not Precision.exact  # taught only: never exact
        assert result.district == row.district
        assert result.evidence.sources == ("taught",) and not result.evidence.verified
        assert 0 < result.confidence <= 0.8 and len(result.evidence.neighbours) <= 4
        errors[result.raw_level].append(haversine_m(result.lon, result.lat, *row.wgs84))
    assert {"exact", "interpolated", "nearest_number", "road_median", "place"} <= set(kinds)
    assert statistics.median(errors["interpolated"]) < 200
    assert sum(kinds.values()) > 0.5 * len(ask)


def test_a_verified_point_is_exact_and_says_so(seeded_store: Store, halves):
    teach, _ = halves
    index = GazetteerIndex.from_store(seeded_store)
    row = next(r for r in teach if taught([r], index))
    learned = LearnedIndex(taught([row], index, LearnedFrom.verified))
    result = LearnedGeocoder(index, lambda: learned).geocode(
        GeocodeQuery(row.address, row.district)
    )
    assert result.precision is Precision.exact and result.evidence.verified
    assert result.confidence >= 0.7 and (result.lon, result.lat) == row.wgs84


def test_without_a_district_one_district_answers_several_are_candidates(seeded_store: Store):
    index = GazetteerIndex.from_store(seeded_store)
    pudong, minhang = index.district("浦东新区"), index.district("闵行区")

    def point(district, lon, number) -> LearnedPoint:
        return LearnedPoint(
            LearnedFrom.taught, f"测试路{number}号", district.id, lon, 31.2, road="测试路",
            house_number=number, house_text=f"{number}号",
        )  # fmt: skip

    one = LearnedIndex([point(pudong, 121.55, 1), point(pudong, 121.56, 21)])
    geocoder = LearnedGeocoder(index, lambda: one)
    guessed = geocoder.geocode(GeocodeQuery("测试路11号"))
    assert guessed.found and guessed.district == "浦东新区"
    assert guessed.lon == pytest.approx(121.555) and "learned only in" in guessed.notes[-1]
    with_district = geocoder.geocode(GeocodeQuery("测试路11号", "浦东新区"))
    assert guessed.confidence == pytest.approx(with_district.confidence * 0.7, abs=1e-3)
    two = LearnedIndex([point(pudong, 121.55, 1), point(minhang, 121.4, 3)])
    ambiguous = LearnedGeocoder(index, lambda: two).geocode(GeocodeQuery("测试路11号"))
    assert ambiguous.outcome is Outcome.ambiguous
    assert {c.district for c in ambiguous.candidates} == {"浦东新区", "闵行区"}


def test_nothing_learned_leaves_the_gazetteer_answer(seeded_store: Store, tmp_path: Path):
    settings = Settings(data_dir=tmp_path, database_url="")
    empty = LearnedIndex([])
    chain = build_chain(settings, seeded_store, online=False, learned=lambda: empty)
    result = chain.geocode(GeocodeQuery("浦电路221号", "浦东新区"))
    assert result.provider == "gazetteer" and result.precision is Precision.district
    assert not any(note.startswith("learned") for note in result.notes)  # a silent miss


def test_the_step_follows_the_gazetteer_unless_turned_off(seeded_store: Store, tmp_path: Path):
    off = Settings(data_dir=tmp_path, database_url="", learn_addresses=False)
    assert [g.name for g in build_chain(off, seeded_store, online=False).geocoders] == ["gazetteer"]
    on = Settings(data_dir=tmp_path, database_url="")
    names = [g.name for g in build_chain(on, seeded_store, online=False).geocoders]
    assert names == ["gazetteer", "learned"]
