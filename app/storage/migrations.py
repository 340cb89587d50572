"""The hand-written steps from before Alembic, one per schema version (1-6).

Only a database made before Alembic runs them (each step it has not had, in order, inside
the migration's one transaction), before it is stamped with the first revision
(``revisions.py``); new schema changes are Alembic revisions, never steps here. A step is
a snapshot of its own time: it carries its own constants rather than importing rules that
may change later, and finds out what is already done, so a database whose tables are
partly newer than its recorded version still upgrades.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, inspect, select, update

from app.core.text import clean_optional, clean_text
from app.storage import schema as t
from app.storage.sql_support import start_of_day

SHARE_DECIMALS = 3
"""Schema 6 keeps a shared position to 0.001° (~100 m), as new shares are kept."""


def _columns(conn: Connection, table: str) -> set[str]:
    return {column["name"] for column in inspect(conn).get_columns(table)}


def _late_reports(conn: Connection) -> None:
    """Schema 6: history rows may be late reports, kept but never current."""
    if "late" not in _columns(conn, "status_history"):
        conn.exec_driver_sql(
            "ALTER TABLE status_history ADD COLUMN late BOOLEAN NOT NULL DEFAULT FALSE"
        )


def _private_geocode_cache(conn: Connection) -> None:
    """Schema 6: the cache forgets the text it was asked and the time of day; answers for
    a house or building (possibly someone's home, asked by anyone) are dropped."""
    c = t.geocode_cache.c
    rows = conn.execute(select(c.provider, c.query_key, c.answer, c.created_at)).all()
    for provider, key, answer, created_at in rows:
        where = (c.provider == provider, c.query_key == key)
        if isinstance(answer, dict) and answer.get("precision") == "exact":
            conn.execute(delete(t.geocode_cache).where(*where))
        else:
            day = start_of_day(created_at)
            conn.execute(update(t.geocode_cache).where(*where).values(created_at=day))
    if "query" in _columns(conn, "geocode_cache"):
        conn.exec_driver_sql("ALTER TABLE geocode_cache DROP COLUMN query")


def _private_shares(conn: Connection) -> None:
    """Schema 6: shares keep no typed address and positions only to ~100 m. Every code
    keeps working; two views that become equal keep both codes (the second's hash then
    names its code too, so the unique hash still holds)."""
    c = t.shares.c
    hashes = set(conn.execute(select(c.view_hash)).scalars())
    for code, text, old_hash in conn.execute(select(c.code, c.view, c.view_hash)).all():
        view = json.loads(text)
        nearest = view.get("nearest")
        if isinstance(nearest, dict):
            nearest.pop("address", None)
            for axis in ("lon", "lat"):
                if isinstance(nearest.get(axis), int | float):
                    nearest[axis] = round(nearest[axis], SHARE_DECIMALS)
        if isinstance(view.get("center"), list):
            view["center"] = [round(value, SHARE_DECIMALS) for value in view["center"]]
        private = json.dumps(view, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        if private == text:
            continue
        digest = hashlib.sha256(private.encode()).hexdigest()
        if digest in hashes:
            digest = hashlib.sha256(f"{private}\n{code}".encode()).hexdigest()
        hashes.discard(old_hash)
        hashes.add(digest)
        conn.execute(update(t.shares).where(c.code == code).values(view=private, view_hash=digest))


def _clean_resource_text(conn: Connection) -> None:
    """Schema 6: resources hold no direction overrides or invisible characters in their
    text, as imports now read it (``clean_text``, which cleans its own output to itself);
    a resource whose text changes gets a new version. History is append-only and kept."""
    c = t.resources.c
    now = datetime.now(UTC)
    fields = (c.name, c.name_en, c.aliases, c.address, c.phones, c.attributes)
    for row in conn.execute(select(c.id, *fields)).mappings().all():
        cleaned = {
            "name": clean_text(row["name"]) or row["name"],
            "name_en": clean_optional(row["name_en"]),
            "aliases": _cleaned_list(row["aliases"]),
            "address": clean_optional(row["address"]),
            "phones": _cleaned_list(row["phones"]),
            "attributes": _cleaned_attributes(row["attributes"]),
        }
        changed = {key: value for key, value in cleaned.items() if value != row[key]}
        if changed:
            values = changed | {"version": c.version + 1, "updated_at": now}
            conn.execute(update(t.resources).where(c.id == row["id"]).values(**values))


def _cleaned_list(values: list[Any]) -> list[Any]:
    texts = (clean_text(value) if isinstance(value, str) else value for value in values)
    return [value for value in texts if value != ""]


def _cleaned_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    cleaned = {}
    for key, value in attributes.items():
        text = clean_text(value, multiline=True) if isinstance(value, str) else value
        if clean_text(key) and text != "":
            cleaned[clean_text(key)] = text
    return cleaned


STEPS: tuple[tuple[int, Callable[[Connection], None]], ...] = (
    (6, _late_reports),
    (6, _private_geocode_cache),
    (6, _private_shares),
    (6, _clean_resource_text),
)
"""(the schema version a step brings, the step), oldest first."""


def upgrade(conn: Connection, current: int) -> None:
    """Run every step newer than schema ``current`` (an existing database's version)."""
    for version, step in STEPS:
        if current < version:
            step(conn)
