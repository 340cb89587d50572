"""Upgrading a schema-5 database in place, on both backends: nothing lost, nothing
personal kept.

The schema-5 shape is made from a new database by undoing what schema 6 changed (the
``late`` column added, the ``query`` column dropped) and forgetting its Alembic revision,
then filled as schema 5 filled it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from app.core.config import Settings
from app.domain.records import SeedData
from app.domain.statuses import StatusReport
from app.storage import open_store
from app.storage.revisions import SCHEMA_VERSION
from tests.storage.first_revision import later_tables
from tests.storage.test_store_contract import SERVICES, _hospital

ASKED_AT = datetime(2022, 4, 12, 14, 31, 7, 123456, tzinfo=UTC)


def _as_schema_5(settings: Settings) -> None:
    engine = create_engine(settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE status_history DROP COLUMN late"))
        conn.execute(text("ALTER TABLE geocode_cache ADD COLUMN query TEXT NOT NULL DEFAULT ''"))
        conn.execute(text("UPDATE meta SET value = '5' WHERE key = 'schema_version'"))
        conn.execute(text("DROP TABLE alembic_version"))  # made before Alembic
        for name in later_tables():
            conn.execute(text(f"DROP TABLE {name}"))
        cache = text(
            "INSERT INTO geocode_cache (provider, query_key, query, answer, created_at) "
            "VALUES ('amap', :key, :query, :answer, :at)"
        )
        for key, query, precision in [
            ("home", '["黄浦区","人民大道200号3室"]', "exact"),
            ("road", '["浦东新区","浦电路"]', "approximate"),
        ]:
            answer = json.dumps({"precision": precision, "lon": 121.5, "lat": 31.2})
            conn.execute(cache, {"key": key, "query": query, "answer": answer, "at": ASKED_AT})
        share = text(
            "INSERT INTO shares (code, view, view_hash, created_at) "
            "VALUES (:code, :view, :hash, :at)"
        )
        views = {
            "aaaaaa": {"center": [121.4737123, 31.2304456], "zoom": 15,
                       "nearest": {"lon": 121.4737123, "lat": 31.2304456, "k": 3,
                                   "address": "黄浦区人民大道200号3室 王先生 13800138000"}},
            "bbbbbb": {"center": [121.4737, 31.2304], "zoom": 15,
                       "nearest": {"lon": 121.47371, "lat": 31.23044, "k": 3}},
        }  # fmt: skip
        for code, view in views.items():
            text_ = json.dumps(view, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            conn.execute(share, {"code": code, "view": text_, "hash": code * 10, "at": ASKED_AT})
    engine.dispose()


def test_a_schema_5_database_upgrades_in_place(store_settings: Settings):
    store = open_store(store_settings)
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    hospital = store.add_resource(_hospital())
    store.set_status(hospital.id, "dialysis", StatusReport("open", "王阿姨"), 1)
    store.close()
    _as_schema_5(store_settings)

    upgraded = open_store(store_settings)
    try:
        assert upgraded.get_meta("schema_version") == str(SCHEMA_VERSION)
        [entry] = upgraded.history(hospital.id)
        assert entry.status.state == "open" and entry.resource_version == 2
        assert upgraded.cached_answer("amap", "home") is None  # a house: maybe a home
        assert upgraded.cached_answer("amap", "road")["precision"] == "approximate"
        first, second = upgraded.get_share("aaaaaa"), upgraded.get_share("bbbbbb")
        nearest = {"lon": 121.474, "lat": 31.23, "k": 3}
        private = {"center": [121.474, 31.23], "zoom": 15, "nearest": nearest}
        assert first.view == second.view == private
        same = upgraded.create_share(first.view, lambda: "cccccc")
        assert same.code in {"aaaaaa", "bbbbbb"}
    finally:
        upgraded.close()
    engine = create_engine(store_settings.database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM geocode_cache")).mappings().all()
        stored = conn.execute(text("SELECT view FROM shares")).scalars().all()
    engine.dispose()
    assert [set(row) for row in rows] == [{"provider", "query_key", "answer", "created_at"}]
    assert "13800138000" not in " ".join(stored)
    day = rows[0]["created_at"]
    day = day if isinstance(day, datetime) else datetime.fromisoformat(day)
    assert (day.hour, day.minute, day.second, day.microsecond) == (0, 0, 0, 0)


def test_upgrading_cleans_the_text_of_stored_resources(store_settings: Settings):
    """Resources imported before imports cleaned text lose their direction overrides and
    invisible characters, with a new version; clean ones are left as they are."""
    store = open_store(store_settings)
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    forged = store.add_resource(
        _hospital(
            name="瑞金\u200b医院\u202e", name_en="\u2066Ruijin\u2069", address="\u200d\ufeff",
            aliases=("瑞金\u3164", "\u200b"), phones=("\u202e021-6437\u200b0045",),
            attributes={"备\u200b注": "第一行\u2028第二行\u202e", "空": "\u200b"},
        )
    )  # fmt: skip
    clean = store.add_resource(_hospital(ref="clean", name="华山医院", attributes={"a": "b"}))
    store.close()
    _as_schema_5(store_settings)

    upgraded = open_store(store_settings)
    try:
        read = upgraded.get_resource(forged.id)
        assert (read.name, read.name_en, read.address) == ("瑞金医院", "Ruijin", None)
        assert read.aliases == ("瑞金",) and read.phones == ("021-64370045",)
        assert read.attributes == {"备注": "第一行\n第二行"}
        assert read.version == forged.version + 1
        assert upgraded.get_resource(clean.id).version == clean.version
    finally:
        upgraded.close()


def test_a_revision_0007_database_gains_the_learned_addresses_and_keeps_its_rows(
    store_settings: Settings,
):
    store = open_store(store_settings)
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    hospital = store.add_resource(_hospital())
    store.close()
    engine = create_engine(store_settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE learned_addresses"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0007'"))
    engine.dispose()

    upgraded = open_store(store_settings)
    try:
        assert upgraded.get_resource(hospital.id) == hospital
        assert list(upgraded.iter_learned()) == [] and upgraded.learned_version() is None
    finally:
        upgraded.close()
    engine = create_engine(store_settings.database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0008"
        assert conn.execute(text("SELECT count(*) FROM learned_addresses")).scalar() == 0
    engine.dispose()
