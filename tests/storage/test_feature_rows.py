"""An items page and a single item written straight from the store's rows
(``feature_rows``, ``feature_row`` and ``feature_json``) say what ``resource_feature``
says of the same resources, on both backends: statuses known and unknown, verified, late
services, open problem reports, a chosen service's flat copies, and text that JSON must
escape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.layers import Area, SortKey
from app.domain.records import SeedData
from app.domain.statuses import State, StatusReport
from app.geo.ogc_crs import EPSG
from app.services.feature_json import FeatureShape
from app.services.layers import (
    COLLECTIONS,
    feature_text,
    feature_texts,
    features,
    resource_feature,
    shaped,
)
from app.services.problems import open_problems
from app.storage.errors import NotFound
from app.storage.port import Store
from tests.storage.test_store_contract import SERVICES, _hospital

SHAPES = [
    FeatureShape(crs=f"{EPSG}3857"), FeatureShape(crs=f"{EPSG}4490", geometry=False),
    FeatureShape(properties=frozenset({"name", "state", "statuses"})),
    FeatureShape(properties=frozenset()),
]  # fmt: skip
"""Output CRSs, no geometry, some properties and none."""


def _resources(store: Store) -> list:
    """Twelve hospitals with statuses, late services, problem reports and awkward text."""
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    names = ['引号"与\\反斜杠', "换行\n与制表\t", "Ünïcødé 医院", "plain"]
    added, _ = store.apply_resource_changes(
        [
            _hospital(ref=f"h{n}", name=name, name_en=None if n % 2 else f"H{n}",
                      address=None if n == 1 else f"某路{n}号",
                      phones=() if n == 2 else ("1", '2"'),
                      services=("dialysis", "emergency") if n % 2 else ("dialysis",),
                      location_verified=n == 3, lon=121.0 + n / 7, lat=31.0 + n / 9)
            for n, name in enumerate(names * 3)
        ], []
    )  # fmt: skip
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    for n, resource in enumerate(added[:8]):
        report = StatusReport(
            (State.open, State.limited, State.closed)[n % 3], reported_by="v",
            conditions=("需预约", 'say "hi"') if n % 2 else (),
            reported_at=an_hour_ago - timedelta(hours=n * 3),
        )  # fmt: skip
        version = store.set_status(resource.id, "dialysis", report, resource.version).version
        if n % 4 == 0:
            store.verify_status(resource.id, "dialysis", "checker", version)
    store.set_status(added[9].id, "emergency", StatusReport(State.open, "v"), 1)
    store.add_problem_report(added[0].id, None, "wrong phone")
    store.add_problem_report(added[5].id, "dialysis", "closed today")
    store.add_problem_report(added[10].id, None, "no status to answer it")
    store.add_problem_report(added[2].id, "emergency", "not offered: never shown")
    return added


def test_feature_texts_say_what_resource_features_say(store: Store):
    _resources(store)
    hospitals = COLLECTIONS["hospitals"]
    now = datetime.now(UTC)
    for area, limit, offset in [
        (Area(), 100, 0), (Area(), 5, 3), (Area(), 5, 100),
        (Area(service="dialysis", states=frozenset({State.open, State.closed})), 100, 0),
        (Area(service="emergency", states=frozenset({State.open})), 100, 0),
        (Area(bbox=(121.0, 31.0, 121.5, 31.3)), 100, 0),
    ]:  # fmt: skip
        total, expected = features(store, hospitals, area, limit, offset, now, 12.0)
        written = feature_texts(store, hospitals, area, limit, offset, now, 12.0)
        assert written[0] == total
        assert [json.loads(text) for text in written[1]] == expected, area
    flagged = [f for f in expected if f["properties"]["problem_reported_at"]]
    assert flagged, "the problem reports are shown"

    by_status = Area(service="dialysis", states=frozenset(State),
                     sortby=(SortKey("status_time", descending=True),))  # fmt: skip
    for shape in SHAPES:
        total, expected = features(store, hospitals, by_status, 5, 2, now, 12.0, shape)
        written = feature_texts(store, hospitals, by_status, 5, 2, now, 12.0, shape)
        assert [json.loads(text) for text in written[1]] == expected, shape
        kept = shape.properties
        assert all(kept is None or set(f["properties"]) == kept for f in expected)
        assert all((f["geometry"] is None) != shape.geometry for f in expected)


def test_an_item_says_what_its_resource_feature_says(store: Store):
    added = _resources(store)
    hospitals, offices = COLLECTIONS["hospitals"], COLLECTIONS["offices"]
    now = datetime.now(UTC)
    views = store.view_resources(ids=[r.id for r in added], limit=len(added))
    problems = open_problems(store, views)
    for view in views:
        expected = resource_feature(view, now, 12.0, problem_at=problems.get(view.resource.id))
        assert json.loads(feature_text(store, hospitals, view.resource.id, now, 12.0)) == expected
    assert problems, "the problem reports are shown"
    for collection, feature_id in [(offices, added[0].id), (hospitals, added[-1].id + 1)]:
        with pytest.raises(NotFound):
            feature_text(store, collection, feature_id, now, 12.0)
    first = views[0]
    plain = resource_feature(first, now, 12.0, problem_at=problems.get(first.resource.id))
    for shape in SHAPES:
        written = feature_text(store, hospitals, first.resource.id, now, 12.0, shape)
        assert json.loads(written) == shaped(plain, shape), shape
