"""Amap and Nominatim adapters against local fake servers built from the dev rows."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.domain.enums import Precision
from app.geo.crs import gcj02_to_wgs84
from app.geo.distance import haversine_m
from app.geo.geocoders.amap import DWELLING_LEVELS, AmapGeocoder, precision_for_level
from app.geo.geocoders.base import GeocodeQuery, GeocodeResult, Outcome, ProviderSettings
from app.geo.geocoders.confidence import CONFIDENCE, shanghai_address
from app.geo.geocoders.nominatim import NominatimGeocoder, is_dwelling, precision_for_place
from tests.geo.fake_providers import BAD_KEY, DevRow, FakeAmap, FakeNominatim, read_dev_rows

KEY = "test-key"
SHORT_TIMEOUT_S = 0.3
CSV_WGS84_TOLERANCE_M = 2.5


def sample(rows: list[DevRow], n: int) -> list[DevRow]:
    """``n`` rows spread evenly over ``rows``."""
    step = max(1, len(rows) // n)
    return rows[::step][:n]


def assert_failed(result: GeocodeResult, outcome: Outcome) -> None:
    """A result without a point, with the expected outcome and a note."""
    assert result.outcome is outcome, result.notes
    assert result.lon is None and result.lat is None and result.precision is None
    assert result.notes and all(result.notes)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def dev_rows(eval_dir: Path) -> list[DevRow]:
    return read_dev_rows(eval_dir)


@pytest.fixture
def amap_server(dev_rows: list[DevRow]) -> Iterator[FakeAmap]:
    with FakeAmap(dev_rows) as server:
        yield server


@pytest.fixture
def nominatim_server(dev_rows: list[DevRow]) -> Iterator[FakeNominatim]:
    with FakeNominatim(dev_rows) as server:
        yield server


def amap_at(url: str, key: str | None = KEY, timeout_s: float = 2.0) -> AmapGeocoder:
    return AmapGeocoder(ProviderSettings(base_url=url, key=key, timeout_s=timeout_s))


def nominatim_at(
    url: str, user_agent: str = "aidmap-tests", timeout_s: float = 2.0
) -> NominatimGeocoder:
    settings = ProviderSettings(base_url=url, timeout_s=timeout_s, user_agent=user_agent)
    return NominatimGeocoder(settings)


# -- shared -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "district", "text"),
    [
        ("浦电路221号", "浦东新区", "上海市浦东新区浦电路221号"),
        ("浦电路221号", None, "上海市浦电路221号"),
        ("浦东新区浦电路221号", "浦东新区", "上海市浦东新区浦电路221号"),
        ("上海市浦东新区浦电路221号", "浦东新区", "上海市浦东新区浦电路221号"),
        ("上海浦电路221号", "浦东新区", "上海市浦东新区浦电路221号"),
    ],
)
def test_query_text_adds_city_and_district_once(address, district, text):
    assert shanghai_address(GeocodeQuery(address, district)) == text


def test_confidence_falls_with_precision():
    values = [CONFIDENCE[p] for p in Precision]
    assert values == sorted(values, reverse=True)
    assert CONFIDENCE[Precision.exact] == 0.9 and CONFIDENCE[Precision.district] == 0.3


# -- amap ---------------------------------------------------------------------


def test_amap_answers_dev_rows_within_two_metres_in_wgs84(amap_server, dev_rows):
    rows = sample(dev_rows, 200)
    assert len(rows) == 200
    with amap_at(amap_server.url) as amap:
        for row in rows:
            result = amap.geocode(GeocodeQuery(row.address, row.district))
            assert result.outcome is Outcome.found, (row, result.notes)
            point = (result.lon, result.lat)
            assert haversine_m(*point, *gcj02_to_wgs84(*row.gcj02)) < 0.01, row  # the exact inverse
            assert haversine_m(*point, *row.gcj02) > 100.0  # converted, not passed through
            # The csv's wgs84 column was derived from gcj02 with the usual one-step inverse,
            # which is up to ~2.3 m off the exact one in Shanghai, hence 2.5 m and not 2 m.
            assert haversine_m(*point, *row.wgs84) < CSV_WGS84_TOLERANCE_M, row
            assert result.precision is Precision.exact
            assert result.confidence == 0.9
            assert result.district == row.district
            assert result.raw_level == ("门牌号" if row.address.endswith("号") else "兴趣点")
            assert result.provider == "amap"
    assert len(amap_server.requests) == 200


def test_amap_sends_key_city_and_full_address(amap_server, dev_rows):
    row = dev_rows[0]
    with amap_at(amap_server.url) as amap:
        amap.geocode(GeocodeQuery(row.address, row.district))
    (seen,) = amap_server.requests
    assert seen.path == "/v3/geocode/geo"
    assert seen.params == {
        "key": KEY,
        "address": f"上海市{row.district}{row.address}",
        "city": "上海",
        "output": "JSON",
    }


def test_amap_without_key_is_bad_key_without_a_request(amap_server):
    for key in (None, ""):
        with amap_at(amap_server.url, key=key) as amap:
            assert_failed(amap.geocode(GeocodeQuery("浦电路221号")), Outcome.bad_key)
    assert amap_server.requests == []


def test_amap_invalid_key_is_bad_key(amap_server):
    with amap_at(amap_server.url, key=BAD_KEY) as amap:
        result = amap.geocode(GeocodeQuery("浦电路221号"))
    assert_failed(result, Outcome.bad_key)
    assert "INVALID_USER_KEY" in result.notes[0]


@pytest.mark.parametrize(
    ("address", "outcome", "note"),
    [
        ("限额", Outcome.quota, "DAILY_QUERY_OVER_LIMIT"),
        ("错误码10004", Outcome.rate_limited, "ACCESS_TOO_FREQUENT"),
        ("错误码10014", Outcome.rate_limited, "QPS"),
        ("错误码10019", Outcome.rate_limited, "QPS"),
        ("错误码10020", Outcome.rate_limited, "QPS"),
        ("错误码10021", Outcome.rate_limited, "CUQPS_HAS_EXCEEDED_THE_LIMIT"),
        ("错误码10044", Outcome.quota, "USER_DAILY_QUERY_OVER_LIMIT"),
        ("错误码10045", Outcome.quota, "10045"),
        ("错误码10009", Outcome.bad_key, "USERKEY_PLAT_NOMATCH"),
        ("错误码10010", Outcome.bad_key, "IP_QUERY_OVER_LIMIT"),
        ("错误码20000", Outcome.error, "INVALID_PARAMS"),
        ("错误码20003", Outcome.error, "UNKNOWN_ERROR"),
        ("坏JSON", Outcome.error, "JSON"),
        ("500", Outcome.error, "500"),
        ("没有这个地址路1号", Outcome.not_found, "no match"),
        ("外省", Outcome.not_found, "江苏省"),
        ("只到市", Outcome.not_found, "市"),
    ],
)
def test_amap_failures_become_outcomes(amap_server, address, outcome, note):
    with amap_at(amap_server.url) as amap:
        result = amap.geocode(GeocodeQuery(address))
    assert_failed(result, outcome)
    assert note in result.notes[0]
    assert len(amap_server.requests) == 1


def test_amap_timeout_is_timeout(amap_server):
    with amap_at(amap_server.url, timeout_s=SHORT_TIMEOUT_S) as amap:
        started = time.monotonic()
        result = amap.geocode(GeocodeQuery("超时"))
    assert time.monotonic() - started < 2.0
    assert_failed(result, Outcome.timeout)


def test_amap_unreachable_server_is_error():
    with amap_at(closed_port_url()) as amap:
        assert_failed(amap.geocode(GeocodeQuery("浦电路221号")), Outcome.error)


@pytest.mark.parametrize(
    ("address", "precision", "street"),
    [("只到区", Precision.district, None), ("街道级", Precision.street, "潍坊新村街道")],
)
def test_amap_coarse_levels_keep_their_precision(amap_server, address, precision, street):
    with amap_at(amap_server.url) as amap:
        result = amap.geocode(GeocodeQuery(address))
    assert result.outcome is Outcome.found
    assert result.precision is precision
    assert result.confidence == CONFIDENCE[precision]
    assert result.district == "浦东新区"
    assert result.street == street


def test_amap_several_geocodes_become_candidates(amap_server, dev_rows):
    with amap_at(amap_server.url) as amap:
        result = amap.geocode(GeocodeQuery("两处"))
    assert result.found
    assert [c.name for c in result.candidates] == [
        f"上海市{row.district}{row.address}" for row in dev_rows[:2]
    ]
    assert haversine_m(result.candidates[1].lon, result.candidates[1].lat, *dev_rows[1].wgs84) < 2


@pytest.mark.parametrize(
    ("levels", "precision"),
    [
        (("门牌号", "门址", "单元号", "楼栋", "兴趣点", "住宅区", "公交地铁站点"), Precision.exact),
        (("道路", "道路交叉路口", "村庄", "热点商圈", "小巷"), Precision.approximate),
        (("乡镇", "开发区"), Precision.street),
        (("区县",), Precision.district),
        (("国家", "省", "市", "未知", "", None), None),
    ],
)
def test_amap_level_precision(levels, precision):
    assert all(precision_for_level(level) is precision for level in levels)


# -- nominatim ----------------------------------------------------------------


def test_nominatim_answers_dev_rows_in_wgs84(nominatim_server, dev_rows):
    rows = sample(dev_rows, 50)
    with nominatim_at(nominatim_server.url) as nominatim:
        for row in rows:
            result = nominatim.geocode(GeocodeQuery(row.address, row.district))
            assert result.outcome is Outcome.found, (row, result.notes)
            assert haversine_m(result.lon, result.lat, *row.wgs84) < 0.1, row
            assert result.precision is Precision.exact
            assert result.confidence == 0.9
            assert result.district == row.district
            assert result.street == row.street
            assert result.raw_level == ("house" if row.address.endswith("号") else "building")
            assert result.provider == "nominatim"
    assert len(nominatim_server.requests) == len(rows)


def test_nominatim_sends_search_parameters(nominatim_server, dev_rows):
    row = dev_rows[0]
    with nominatim_at(nominatim_server.url, user_agent="aidmap-tests/1") as nominatim:
        nominatim.geocode(GeocodeQuery(row.address, row.district))
    (seen,) = nominatim_server.requests
    assert seen.path == "/search"
    assert seen.params["q"] == f"上海市{row.district}{row.address}"
    assert seen.params["addressdetails"] == "1"
    assert seen.params["countrycodes"] == "cn"
    assert seen.params["accept-language"] == "zh"
    assert seen.headers["user-agent"] == "aidmap-tests/1"


@pytest.mark.parametrize(
    ("address", "outcome"),
    [
        ("限额", Outcome.rate_limited),
        ("坏JSON", Outcome.error),
        ("500", Outcome.error),
        ("没有这个地址路1号", Outcome.not_found),
        ("外省", Outcome.not_found),
        ("只到市", Outcome.not_found),
    ],
)
def test_nominatim_failures_become_outcomes(nominatim_server, address, outcome):
    with nominatim_at(nominatim_server.url) as nominatim:
        result = nominatim.geocode(GeocodeQuery(address))
    assert_failed(result, outcome)
    assert len(nominatim_server.requests) == 1


def test_nominatim_blocked_user_agent_is_bad_key(nominatim_server):
    with nominatim_at(nominatim_server.url, user_agent=BAD_KEY) as nominatim:
        result = nominatim.geocode(GeocodeQuery("浦电路221号"))
    assert_failed(result, Outcome.bad_key)


def test_nominatim_timeout_is_timeout(nominatim_server):
    with nominatim_at(nominatim_server.url, timeout_s=SHORT_TIMEOUT_S) as nominatim:
        started = time.monotonic()
        result = nominatim.geocode(GeocodeQuery("超时"))
    assert time.monotonic() - started < 2.0
    assert_failed(result, Outcome.timeout)


def test_nominatim_unreachable_server_is_error():
    with nominatim_at(closed_port_url()) as nominatim:
        assert_failed(nominatim.geocode(GeocodeQuery("浦电路221号")), Outcome.error)


def test_nominatim_district_answer_has_district_precision(nominatim_server):
    with nominatim_at(nominatim_server.url) as nominatim:
        result = nominatim.geocode(GeocodeQuery("只到区"))
    assert result.found and result.precision is Precision.district
    assert result.district == "浦东新区" and result.confidence == 0.3


@pytest.mark.parametrize(
    ("place", "precision"),
    [
        ({"addresstype": "house", "type": "house", "class": "place"}, Precision.exact),
        ({"addresstype": "building", "type": "yes", "class": "building"}, Precision.exact),
        ({"addresstype": "amenity", "type": "hospital", "class": "amenity"}, Precision.exact),
        ({"type": "hospital", "class": "amenity"}, Precision.exact),
        ({"addresstype": "road", "type": "primary", "class": "highway"}, Precision.approximate),
        ({"type": "tertiary", "class": "highway"}, Precision.approximate),
        ({"addresstype": "neighbourhood"}, Precision.approximate),
        ({"addresstype": "residential"}, Precision.approximate),
        ({"addresstype": "hamlet"}, Precision.approximate),
        ({"addresstype": "suburb"}, Precision.street),
        ({"addresstype": "town"}, Precision.street),
        ({"addresstype": "city_district"}, Precision.district),
        ({"addresstype": "county"}, Precision.district),
        ({"addresstype": "city", "type": "administrative", "class": "boundary"}, None),
        ({"addresstype": "state"}, None),
        ({}, None),
    ],
)
def test_nominatim_feature_precision(place, precision):
    assert precision_for_place(place)[0] is precision


def test_nominatim_429_is_a_rate_limit_with_its_retry_after(nominatim_server):
    with nominatim_at(nominatim_server.url) as nominatim:
        result = nominatim.geocode(GeocodeQuery("限额"))
    assert result.outcome is Outcome.rate_limited and result.retry_after_s == 60


def test_amap_marks_houses_buildings_and_compounds_as_dwellings(amap_server, dev_rows):
    house = next(row for row in dev_rows if row.address.endswith("号"))
    place = next(row for row in dev_rows if not row.address.endswith("号"))
    with amap_at(amap_server.url) as amap:
        assert amap.geocode(GeocodeQuery(house.address, house.district)).dwelling
        assert not amap.geocode(GeocodeQuery(place.address, place.district)).dwelling  # 兴趣点
        assert not amap.geocode(GeocodeQuery("街道级")).dwelling
    assert {"门牌号", "门址", "单元号", "楼栋", "住宅区"} == DWELLING_LEVELS


@pytest.mark.parametrize(
    ("place", "dwelling"),
    [
        ({"addresstype": "house", "type": "house", "class": "place"}, True),
        ({"addresstype": "building", "type": "yes", "class": "building"}, True),
        ({"type": "apartments", "class": "building"}, True),
        ({"addresstype": "residential", "type": "residential", "class": "landuse"}, True),
        ({"addresstype": "road", "type": "residential", "class": "highway"}, False),
        ({"addresstype": "amenity", "type": "hospital", "class": "amenity"}, False),
        ({"addresstype": "suburb", "type": "suburb", "class": "place"}, False),
    ],
)
def test_nominatim_dwellings(place, dwelling):
    assert is_dwelling(place) is dwelling
