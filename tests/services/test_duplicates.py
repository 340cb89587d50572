"""The duplicate rule imports and coordinators share: names, phones, similar names within
200 m, and an edit's news only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.domain.enums import Precision
from app.domain.records import Resource
from app.services.duplicates import (
    Candidate,
    Why,
    find_duplicates,
    new_duplicates,
    phone_key,
    similar_names,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def stored(rid: int, name: str, *, phones=(), aliases=(), lon=121.466, lat=31.212) -> Resource:
    return Resource(
        id=rid, version=1, created_at=NOW, updated_at=NOW, kind="hospital", name=name,
        aliases=aliases, phones=phones, lon=lon, lat=lat, precision=Precision.approximate,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("phone", "key"),
    [("021-64370045", "64370045"), ("+86 21 6437 0045", "64370045"), ("(021)64370045", "64370045"),
     ("64370045转123", "64370045"), ("13912345678", "13912345678"), ("120", "120")],
)  # fmt: skip
def test_phones_compare_without_country_and_city_codes(phone: str, key: str):
    assert phone_key(phone) == key


@pytest.mark.parametrize(
    ("first", "second", "similar"),
    [
        ("瑞金医院", "上海交通大学医学院附属瑞金医院", True),
        ("上海市第一人民医院（南部）", "第一人民医院", True),
        ("上海市第一人民医院(南院区)", "上海市第一人民医院", True),
        ("仁济医院", "瑞金医院", False),
        ("上海市医院", "上海医院", False),  # nothing left but generic words
        ("中山医院", "上海市第六人民医院", False),
        ("长征", "长征医院", True),
        ("六", "第六人民医院", False),  # one character is held in too much
    ],
)
def test_similar_names(first: str, second: str, similar: bool):
    assert similar_names(first, second) is similar
    assert similar_names(second, first) is similar


def test_each_stored_hospital_once_for_its_strongest_reason_nearest_first():
    ruijin = stored(
        1, "上海交通大学医学院附属瑞金医院", phones=("021-64370045",), aliases=("瑞金医院",)
    )
    east = stored(2, "瑞金医院东院", lon=121.467)  # ~95 m away, similar name
    far = stored(3, "瑞金医院北院", lat=31.3)  # similar, but far
    clinic = stored(4, "某诊所", phones=("64370045",), lon=121.6)
    found = find_duplicates(
        [ruijin, east, far, clinic],
        Candidate("瑞金医院", phones=("+86 21 64370045",), point=(121.466, 31.212)),
    )
    assert [(d.resource.id, d.why) for d in found] == [
        (1, Why.same_name), (4, Why.same_phone), (2, Why.similar_name_nearby),
    ]  # fmt: skip
    assert found[0].distance_m == 0 and 90 < found[2].distance_m < 100
    unplaced = find_duplicates([ruijin, east], Candidate("瑞金医院"))
    assert [(d.resource.id, d.distance_m) for d in unplaced] == [(1, None)]
    assert find_duplicates([ruijin], Candidate("瑞金医院"), exclude=1) == []


def test_an_edit_reports_only_the_duplicates_it_makes():
    campus = stored(1, "某医院南院", phones=("021-11112222",))
    other = stored(2, "某医院北院", phones=("021-11112222",), lat=31.3)
    third = stored(3, "别的医院", phones=("021-33334444",), lat=31.3)
    before = Candidate(campus.name, phones=campus.phones, point=(campus.lon, campus.lat))
    address_only = new_duplicates([campus, other, third], before, before, 1)
    assert address_only == []  # the shared switchboard was known
    new_phone = Candidate(campus.name, phones=(*campus.phones, "33334444"), point=before.point)
    found = new_duplicates([campus, other, third], before, new_phone, 1)
    assert [(d.resource.id, d.why) for d in found] == [(3, Why.same_phone)]
