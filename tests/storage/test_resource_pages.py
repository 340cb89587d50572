"""Pages of a layer come from an index, not from sorting the layer (issue 13, finding 15),
and an older database gets that index when it upgrades."""

from __future__ import annotations

from sqlalchemy import create_engine, event, inspect, text

from app.core.config import Settings
from app.domain.layers import Area
from app.domain.records import SeedData
from app.domain.statuses import State
from app.storage import open_store
from app.storage.port import Store
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
