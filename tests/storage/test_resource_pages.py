"""Pages of a layer come from an index, not from sorting the layer (issue 13, finding 15),
an older database gets that index when it upgrades, and a whole layer is read in pages
from one snapshot."""

from __future__ import annotations

from sqlalchemy import create_engine, event, inspect, text

from app.core.config import Settings
from app.domain.layers import Area
from app.domain.records import SeedData
from app.domain.statuses import State, StatusReport
from app.storage import open_store
from app.storage.port import Store
from app.storage.sql_support import BATCH
from tests.storage.test_migrations import _as_schema_5
from tests.storage.test_store_contract import SERVICES, _hospital


def test_a_page_of_a_kind_is_read_in_index_order_without_a_sort(sqlite_settings: Settings):
    store = open_store(sqlite_settings)
    try:
        store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
        for n in range(30):
            store.add_resource(_hospital(ref=f"h{n}", kind="hospital" if n % 3 else "office"))
        statements: list[tuple[str, object]] = []

        def record(_conn, _cursor, sql, params, _context, _many) -> None:
            statements.append((sql, params))

        event.listen(store._engine, "before_cursor_execute", record)
        for area in (Area(), Area(service="dialysis", states=frozenset({State.open}))):
            total, page = store.resources_in("hospital", area, 5, 3)
            assert total in (20, 0) and len(page) == (5 if total else 0)
        event.remove(store._engine, "before_cursor_execute", record)
        with store._engine.connect() as conn:
            plans = [
                " ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", args))
                for sql, args in statements
                if "ORDER BY resources.id" in sql
            ]
        assert plans and not [plan for plan in plans if "TEMP B-TREE" in plan], plans
    finally:
        store.close()


def test_an_older_database_gets_the_page_index(store_settings: Settings):
    store: Store = open_store(store_settings)
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    store.close()
    _as_schema_5(store_settings)
    engine = create_engine(store_settings.database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_resources_kind_id"))
    open_store(store_settings).close()
    with engine.connect() as conn:
        indexes = {index["name"] for index in inspect(conn).get_indexes("resources")}
    engine.dispose()
    assert "ix_resources_kind_id" in indexes


def test_a_whole_layer_is_read_in_pages_from_one_snapshot(store: Store):
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    kinds = ["office" if n % 7 == 0 else "hospital" for n in range(BATCH + 30)]
    added, _ = store.apply_resource_changes(
        [_hospital(ref=f"h{n}", kind=kind) for n, kind in enumerate(kinds)], []
    )
    second = added[2]  # the second hospital (the first resource is an office)
    report = StatusReport(State.open, reported_by="tester")
    store.set_status(second.id, "dialysis", report, expected_version=second.version)
    hospitals = [r.id for r in added if r.kind == "hospital"]

    walk = store.iter_views(kind="hospital")
    assert next(walk).resource.id == hospitals[0]
    late = store.add_resource(_hospital(ref="after-the-walk-began"))  # a commit meanwhile
    views = list(walk)
    assert [v.resource.id for v in views] == hospitals[1:]  # in id order, past one page
    assert views[0].statuses["dialysis"].state is State.open
    assert [r.id for r in store.iter_resources()] == [r.id for r in added] + [late.id]


def test_a_filtered_page_and_its_count_are_read_on_one_connection(store: Store):
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    for n in range(3):
        store.add_resource(_hospital(ref=f"h{n}"))
    checkouts: list[object] = []

    def record(dbapi_connection, _record, _proxy) -> None:
        checkouts.append(dbapi_connection)

    event.listen(store._engine, "checkout", record)
    try:
        total, page = store.resources_in("hospital", Area(name="测试"), 2, 1)
    finally:
        event.remove(store._engine, "checkout", record)
    assert (total, len(page)) == (3, 2)
    assert len(checkouts) == 1


def test_the_resources_marker_moves_with_resources_not_with_statuses(store: Store):
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    assert store.resources_changed_at() is None
    hospital = store.add_resource(_hospital())
    marker = store.resources_changed_at()
    assert marker is not None
    report = StatusReport(State.open, reported_by="tester")
    store.set_status(hospital.id, "dialysis", report, expected_version=hospital.version)
    assert store.resources_changed_at() == marker
    store.update_resource(hospital.id, hospital.version + 1, name="改名医院")
    assert store.resources_changed_at() > marker
