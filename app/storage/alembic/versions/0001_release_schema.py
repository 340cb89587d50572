"""The schema of the last release before Alembic (``meta.schema_version`` 6), written out.

A snapshot of its time: later changes to ``schema.py`` go into later revisions, never here.
A database that release made is stamped with this revision without running it (after the
hand-written steps of ``migrations.py`` if it is older); a new one runs it.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from app.storage.errors import StoreUnavailable

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LEVELS = ("district", "street", "committee")
PRECISIONS = ("exact", "approximate", "committee", "street", "district")
ROLES = ("volunteer", "verifier", "coordinator", "admin")
SOURCE_CRS = ("wgs84", "gcj02", "bd09")
STATES = ("open", "limited", "closed", "unknown")

SQLITE_EXTRAS = [
    f"""CREATE TRIGGER status_history_no_{verb} BEFORE {verb.upper()} ON status_history
        BEGIN SELECT RAISE(ABORT, 'status_history is append-only'); END"""
    for verb in ("update", "delete")
]
"""Status history is append-only inside the database itself."""
SPATIAL_TABLES = ("resources", "admin_units")
POSTGIS_EXTRAS = [
    *(
        f"""ALTER TABLE {table} ADD COLUMN geog geography(Point, 4326) GENERATED ALWAYS AS
            (ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED"""
        for table in SPATIAL_TABLES
    ),
    *(f"CREATE INDEX ix_{table}_geog ON {table} USING gist (geog)" for table in SPATIAL_TABLES),
    # The point as a 3-D unit vector: its n-D GiST index orders by chord length, which is
    # great-circle order, and is far faster for KNN than the geography index.
    """ALTER TABLE resources ADD COLUMN unit_xyz geometry(PointZ) GENERATED ALWAYS AS
       (ST_MakePoint(cos(radians(lat)) * cos(radians(lon)),
                     cos(radians(lat)) * sin(radians(lon)), sin(radians(lat)))) STORED""",
    "CREATE INDEX ix_resources_unit_xyz ON resources USING gist (unit_xyz gist_geometry_ops_nd)",
    """CREATE FUNCTION status_history_append_only() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'status_history is append-only'; END $$""",
    """CREATE TRIGGER status_history_append_only BEFORE UPDATE OR DELETE ON status_history
       FOR EACH STATEMENT EXECUTE FUNCTION status_history_append_only()""",
]
"""Generated points with GiST indexes for the spatial queries, and append-only history."""


def _one_of(column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"{column}_valid")


def _wgs84_range() -> tuple[sa.CheckConstraint, sa.CheckConstraint]:
    return (
        sa.CheckConstraint("lon BETWEEN -180 AND 180", name="lon_range"),
        sa.CheckConstraint("lat BETWEEN -90 AND 90", name="lat_range"),
    )


def _status_columns() -> list[sa.SchemaItem]:
    return [
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("conditions", sa.JSON, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("reported_by", sa.Text, nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.Text),
        sa.Column("verified_at", sa.DateTime(timezone=True)),
        _one_of("state", STATES),
    ]


@functools.cache
def _snapshot() -> sa.MetaData:
    metadata = sa.MetaData()
    at = sa.DateTime(timezone=True)
    sa.Table(
        "meta",
        metadata,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    sa.Table(
        "admin_units",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(12), unique=True, comment="12-digit NBS division code"),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name_en", sa.Text),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("admin_units.id")),
        sa.Column("district_id", sa.Integer, sa.ForeignKey("admin_units.id")),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("precision", sa.String(16), nullable=False),
        sa.Column("boundary", sa.JSON, comment="GeoJSON geometry, WGS-84"),
        _one_of("level", LEVELS),
        _one_of("precision", PRECISIONS),
        *_wgs84_range(),
        sa.Index("ix_admin_units_level_name", "level", "name"),
        sa.Index("ix_admin_units_parent", "parent_id"),
        sa.Index("ix_admin_units_district", "district_id"),
        sa.Index("ix_admin_units_level_lon_lat", "level", "lon", "lat"),
    )
    sa.Table(
        "unit_aliases",
        metadata,
        sa.Column("alias", sa.Text, primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("admin_units.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, comment="former | short"),
    )
    sa.Table(
        "services",
        metadata,
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name_zh", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    sa.Table(
        "resources",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(64), unique=True, comment="stable external key for re-imports"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text),
        sa.Column("aliases", sa.JSON, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("phones", sa.JSON, nullable=False),
        sa.Column("services", sa.JSON, nullable=False, comment="service codes the resource offers"),
        sa.Column("district_id", sa.Integer, sa.ForeignKey("admin_units.id")),
        sa.Column("street_id", sa.Integer, sa.ForeignKey("admin_units.id")),
        sa.Column("committee_id", sa.Integer, sa.ForeignKey("admin_units.id")),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("precision", sa.String(16), nullable=False),
        sa.Column("source_crs", sa.String(8), nullable=False),
        sa.Column("location_verified", sa.Boolean, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column(
            "attributes", sa.JSON, nullable=False, comment="imported columns without a field"
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", at, nullable=False),
        sa.Column("updated_at", at, nullable=False),
        _one_of("precision", PRECISIONS),
        _one_of("source_crs", SOURCE_CRS),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        *_wgs84_range(),
        sa.Index("ix_resources_kind_lon_lat", "kind", "lon", "lat"),
        sa.Index("ix_resources_kind_id", "kind", "id"),
    )
    sa.Table(
        "intake_status",
        metadata,
        sa.Column("resource_id", sa.Integer, sa.ForeignKey("resources.id"), primary_key=True),
        sa.Column("service", sa.String(32), sa.ForeignKey("services.code"), primary_key=True),
        *_status_columns(),
    )
    sa.Table(
        "status_history",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("resource_id", sa.Integer, sa.ForeignKey("resources.id"), nullable=False),
        sa.Column("service", sa.String(32), sa.ForeignKey("services.code"), nullable=False),
        sa.Column("resource_version", sa.Integer, nullable=False),
        *_status_columns(),
        sa.Column(
            "late",
            sa.Boolean,
            nullable=False,
            server_default=sa.false(),
            comment="a report dated before the status it came after: kept, never current",
        ),
        sa.Index("ix_status_history_resource", "resource_id", "id"),
    )
    sa.Table(
        "geocode_cache",
        metadata,
        sa.Column("provider", sa.String(32), primary_key=True),
        sa.Column(
            "query_key", sa.String(64), primary_key=True, comment="sha256 of the normalised query"
        ),
        sa.Column("answer", sa.JSON, nullable=False),
        sa.Column("created_at", at, nullable=False, comment="the start of the UTC day cached"),
    )
    sa.Table(
        "tokens",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True, comment="sha256 hex"),
        sa.Column("created_at", at, nullable=False),
        sa.Column("revoked_at", at),
        _one_of("role", ROLES),
    )
    sa.Table(
        "problem_reports",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("resource_id", sa.Integer, sa.ForeignKey("resources.id"), nullable=False),
        sa.Column("service", sa.String(32), sa.ForeignKey("services.code")),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", at, nullable=False),
        sa.Index("ix_problem_reports_resource", "resource_id"),
    )
    sa.Table(
        "shares",
        metadata,
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column(
            "view", sa.Text, nullable=False, comment="canonical JSON: sorted keys, no spaces"
        ),
        sa.Column(
            "view_hash", sa.String(64), nullable=False, unique=True, comment="sha256 hex of view"
        ),
        sa.Column("created_at", at, nullable=False),
    )
    return metadata


def create_missing(conn: Connection) -> None:
    """Create the tables and indexes of this revision that a database made before Alembic
    lacks (those added after it was made)."""
    metadata = _snapshot()
    metadata.create_all(conn)
    for table in metadata.sorted_tables:
        for index in table.indexes:
            index.create(conn, checkfirst=True)


def upgrade() -> None:
    """A new database: every table, then what its backend adds."""
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        _create_postgis(conn)
        extras = POSTGIS_EXTRAS
    else:
        extras = SQLITE_EXTRAS
    _snapshot().create_all(conn)
    for statement in extras:
        conn.exec_driver_sql(statement)


def _create_postgis(conn: Connection) -> None:
    try:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
    except DBAPIError as exc:
        raise StoreUnavailable(
            "PostGIS is not available in this database (install postgresql-NN-postgis-3, "
            f"or CREATE EXTENSION postgis as a superuser): {exc.orig}"
        ) from None
