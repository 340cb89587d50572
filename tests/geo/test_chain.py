"""The geocoder chain with a fake Amap: better answers win, answers are cached, bad ones ignored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.metrics import GEOCODER_CACHE, GEOCODER_CALLS
from app.domain.enums import Precision
from app.geo.geocoders.base import GeocodeQuery, Outcome
from app.geo.geocoders.chain import Asking
from app.geo.geocoders.gate import RATE_LIMIT_PAUSE_S, TIMEOUT_PAUSE_S, Pace, ProviderGate
from app.geo.geocoders.registry import build_chain
from app.services.imports.plan import plan_import
from app.services.imports.read import read_table
from app.services.imports.records import RowAction
from app.storage.port import Store
from tests.geo.fake_providers import FakeAmap, read_dev_rows
from tests.geo.test_gate import FakeTime


@pytest.fixture(scope="module")
def amap_rows(eval_dir: Path):
    return read_dev_rows(eval_dir)[:300]


@pytest.fixture
def amap(amap_rows) -> Iterator[FakeAmap]:
    with FakeAmap(amap_rows) as server:
        yield server


@pytest.fixture
def amap_settings(settings: Settings, amap: FakeAmap) -> Settings:
    return Settings(
        data_dir=settings.data_dir,
        database_url="",
        geocoders="gazetteer,amap",
        amap_key="test-key",
        amap_url=amap.url,
        amap_qps=1000,  # pacing is test_gate's; these tests ask as fast as they like
        geocoder_timeout_s=0.3,
    )


def test_a_finer_provider_answer_replaces_the_gazetteers(
    seeded_store: Store, amap_settings: Settings, amap: FakeAmap, amap_rows
):
    row = amap_rows[0]
    result = build_chain(amap_settings, seeded_store).geocode(
        GeocodeQuery(row.address, row.district)
    )
    assert result.provider == "amap" and result.precision is Precision.exact
    assert len(amap.requests) == 1


def test_answers_are_cached_so_asking_again_never_calls_out(
    seeded_store: Store, amap_settings: Settings, amap: FakeAmap, amap_rows
):
    query = GeocodeQuery(amap_rows[1].address, amap_rows[1].district)
    first = build_chain(amap_settings, seeded_store).geocode(query)
    again = build_chain(amap_settings, seeded_store).geocode(query)  # a new process, same store
    assert again == first and len(amap.requests) == 1
    missing = GeocodeQuery("不存在路999号", "黄浦区")
    for _ in range(2):
        assert build_chain(amap_settings, seeded_store).geocode(missing).provider == "gazetteer"
    assert len(amap.requests) == 2  # not-found answers are cached too


def geocoder_counts() -> dict[tuple[str, ...], float]:
    """Every geocoder counter: (sample name, provider, outcome or result) → value."""
    return {
        (sample.name, *sample.labels.values()): sample.value
        for metric in (GEOCODER_CALLS, GEOCODER_CACHE)
        for family in metric.collect()
        for sample in family.samples
        if sample.name.endswith("_total")
    }


def test_provider_calls_and_cache_lookups_are_counted(
    seeded_store: Store, amap_settings: Settings, amap: FakeAmap, amap_rows
):
    before = geocoder_counts()
    query = GeocodeQuery(amap_rows[2].address, amap_rows[2].district)
    for _ in range(2):  # the second chain finds amap's answer in the store's cache
        build_chain(amap_settings, seeded_store).geocode(query)
    build_chain(amap_settings, seeded_store).geocode(GeocodeQuery("限额"))
    after = geocoder_counts()
    grown = {
        key: after[key] - before.get(key, 0.0) for key in after if after[key] != before.get(key)
    }
    calls, cache = "aidmap_geocoder_calls_total", "aidmap_geocoder_cache_lookups_total"
    assert {key: n for key, n in grown.items() if key[1] == "amap"} == {
        (calls, "amap", "found"): 1, (calls, "amap", "quota"): 1,
        (cache, "amap", "miss"): 2, (cache, "amap", "hit"): 1,
    }  # fmt: skip
    assert sum(n for (name, provider, _), n in grown.items() if provider == "gazetteer") == 3
    assert all(name == calls for name, provider, _ in grown if provider == "gazetteer")
    assert len(amap.requests) == 2


def test_timeouts_are_a_note_are_not_cached_and_pause_the_provider_briefly(
    seeded_store: Store, amap_settings: Settings, amap: FakeAmap
):
    clock = FakeTime(datetime(2022, 4, 12, tzinfo=UTC))
    gates = {"amap": ProviderGate(Pace(100), monotonic=clock.monotonic, sleep=clock.sleep)}
    chain = build_chain(amap_settings, seeded_store, gates=gates)
    assert "amap: timeout" in chain.geocode(GeocodeQuery("超时")).notes
    paused = chain.geocode(GeocodeQuery("超时"))
    assert "amap: not asked (timeout, paused for another 10 s)" in paused.notes
    clock.t += TIMEOUT_PAUSE_S
    assert "amap: timeout" in chain.geocode(GeocodeQuery("超时")).notes
    assert len(amap.requests) == 2


def test_a_rate_limit_pauses_the_provider_for_seconds_not_for_good(
    seeded_store: Store, amap_settings: Settings, amap: FakeAmap, amap_rows
):
    clock = FakeTime(datetime(2022, 4, 12, tzinfo=UTC))
    gates = {"amap": ProviderGate(Pace(100), monotonic=clock.monotonic, sleep=clock.sleep)}
    chain = build_chain(amap_settings, seeded_store, gates=gates)
    request = Asking(wait_s=0)
    assert "amap: rate_limited" in chain.geocode(GeocodeQuery("错误码10021"), request).notes
    row = amap_rows[3]
    query = GeocodeQuery(row.address, row.district)
    assert chain.geocode(query, request).provider == "gazetteer"
    clock.t += RATE_LIMIT_PAUSE_S
    assert chain.geocode(query, request).provider == "amap"
    chain.geocode(GeocodeQuery("错误码10021"))
    row = amap_rows[4]
    waited = chain.geocode(GeocodeQuery(row.address, row.district))  # an import waits
    assert waited.provider == "amap" and clock.slept == RATE_LIMIT_PAUSE_S


def test_an_answer_outside_the_stated_district_is_ignored(
    seeded_store: Store, amap_settings: Settings, amap_rows
):
    row = next(r for r in amap_rows if r.district == "浦东新区")
    assert any(r.district == "黄浦区" for r in amap_rows)  # so the fake reads the prefix
    result = build_chain(amap_settings, seeded_store).geocode(GeocodeQuery(row.address, "黄浦区"))
    assert result.provider == "gazetteer" and result.district == "黄浦区"
    assert any(note.startswith("amap: answer ignored, point lies") for note in result.notes)


def test_a_bad_key_is_a_clear_outcome(seeded_store: Store, amap_settings: Settings, amap_rows):
    bad = Settings(**amap_settings.model_dump() | {"amap_key": "bad-key", "geocoders": ["amap"]})
    result = build_chain(bad, seeded_store).geocode(GeocodeQuery(amap_rows[0].address))
    assert result.outcome is Outcome.not_found
    assert "amap: bad_key" in result.notes


def test_reimporting_a_file_asks_the_provider_nothing(
    seeded_store: Store, amap_settings: Settings, amap: FakeAmap, amap_rows
):
    lines = ["名称,区,地址"] + [
        f"测试点{n},{row.district},{row.address}" for n, row in enumerate(amap_rows[:40])
    ]
    table = read_table("\n".join(lines).encode(), "points.csv")
    chain = build_chain(amap_settings, seeded_store)
    plan = plan_import(seeded_store, chain, table, "hospitals", "points.csv")
    assert {row.located_by for row in plan.rows} == {"amap"}
    asked = len(amap.requests)
    replan = plan_import(
        seeded_store, build_chain(amap_settings, seeded_store), table, "hospitals", "points.csv"
    )
    assert len(amap.requests) == asked
    assert [r.action for r in replan.rows] == [RowAction.add] * 40
