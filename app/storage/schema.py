"""Tables shared by every SQL backend, in SQLAlchemy Core (no dialect-specific types); the
help requests' tables live in ``schema_help``, the shared type and checks in ``schema_base``,
and all are reachable from here."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    false,
    text,
)

from app.domain.enums import EditAction, LearnedFrom, Level, Precision, Role, SourceCrs
from app.domain.sources import RunOutcome, SourceKind
from app.domain.statuses import State
from app.storage.schema_base import UtcDateTime, metadata
from app.storage.schema_base import one_of as _one_of
from app.storage.schema_base import wgs84_range as _wgs84_range
from app.storage.schema_help import help_events as help_events
from app.storage.schema_help import help_links as help_links
from app.storage.schema_help import help_requests as help_requests
from app.storage.schema_help import help_reveals as help_reveals

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

admin_units = Table(
    "admin_units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(12), unique=True, comment="12-digit NBS division code"),
    Column("level", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("name_en", Text),
    Column("parent_id", Integer, ForeignKey("admin_units.id")),
    Column("district_id", Integer, ForeignKey("admin_units.id")),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("precision", String(16), nullable=False),
    Column("boundary", JSON, comment="GeoJSON geometry, WGS-84"),
    _one_of("level", Level),
    _one_of("precision", Precision),
    *_wgs84_range(),
    Index("ix_admin_units_level_name", "level", "name"),
    Index("ix_admin_units_parent", "parent_id"),
    Index("ix_admin_units_district", "district_id"),
    Index("ix_admin_units_level_lon_lat", "level", "lon", "lat"),
)

unit_aliases = Table(
    "unit_aliases",
    metadata,
    Column("alias", Text, primary_key=True),
    Column("unit_id", Integer, ForeignKey("admin_units.id"), nullable=False),
    Column("kind", String(16), nullable=False, comment="former | short"),
)

services = Table(
    "services",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name_zh", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("position", Integer, nullable=False),
)

resources = Table(
    "resources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", String(64), unique=True, comment="stable external key for re-imports"),
    Column("kind", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("name_en", Text),
    Column("aliases", JSON, nullable=False),
    Column("address", Text),
    Column("phones", JSON, nullable=False),
    Column("services", JSON, nullable=False, comment="service codes the resource offers"),
    Column("district_id", Integer, ForeignKey("admin_units.id")),
    Column("street_id", Integer, ForeignKey("admin_units.id")),
    Column("committee_id", Integer, ForeignKey("admin_units.id")),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("precision", String(16), nullable=False),
    Column("source_crs", String(8), nullable=False),
    Column("location_verified", Boolean, nullable=False),
    Column("source", Text),
    Column("attributes", JSON, nullable=False, comment="imported columns without a field"),
    Column("version", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    _one_of("precision", Precision),
    _one_of("source_crs", SourceCrs),
    CheckConstraint("version >= 1", name="version_positive"),
    *_wgs84_range(),
    Index("ix_resources_kind_lon_lat", "kind", "lon", "lat"),
    Index("ix_resources_kind_id", "kind", "id"),  # pages of a kind by id, without a sort
)


def _status_columns() -> list[Column]:
    return [
        Column("state", String(16), nullable=False),
        Column("conditions", JSON, nullable=False),
        Column("note", Text),
        Column("source", Text),
        Column("reported_by", Text, nullable=False),
        Column("reported_at", UtcDateTime, nullable=False),
        Column("verified_by", Text),
        Column("verified_at", UtcDateTime),
        _one_of("state", State),
    ]


intake_status = Table(
    "intake_status",
    metadata,
    Column("resource_id", Integer, ForeignKey("resources.id"), primary_key=True),
    Column("service", String(32), ForeignKey("services.code"), primary_key=True),
    *_status_columns(),
)

status_history = Table(
    "status_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("resource_id", Integer, ForeignKey("resources.id"), nullable=False),
    Column("service", String(32), ForeignKey("services.code"), nullable=False),
    Column("resource_version", Integer, nullable=False),
    *_status_columns(),
    Column(
        "late",
        Boolean,
        nullable=False,
        server_default=false(),
        comment="a report dated before the status it came after: kept, never current",
    ),
    Column("via", String(16), nullable=False, server_default="api", comment="workspace|api|import"),
    Index("ix_status_history_resource", "resource_id", "id"),
)

geocode_cache = Table(
    "geocode_cache",
    metadata,
    Column("provider", String(32), primary_key=True),
    Column("query_key", String(64), primary_key=True, comment="sha256 of the normalised query"),
    Column("answer", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, comment="the start of the UTC day cached"),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True, comment="sha256 hex"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    _one_of("role", Role),
)

invites = Table(
    "invites",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code_hash", String(64), nullable=False, unique=True, comment="sha256 hex"),
    Column("name", Text, nullable=False, comment="whom it invites"),
    Column("role", String(16), nullable=False),
    Column("created_by", Text, comment="who made it; null: the operator (CLI)"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("max_uses", Integer, nullable=False),
    Column("uses", Integer, nullable=False),
    Column("revoked_at", UtcDateTime),
    _one_of("role", Role),
    CheckConstraint("uses >= 0 AND uses <= max_uses", name="uses_within_max"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("secret_hash", String(64), nullable=False, unique=True, comment="sha256 hex"),
    Column("name", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("invite_id", Integer, ForeignKey("invites.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    _one_of("role", Role),
    Index("ix_sessions_invite", "invite_id"),
)

problem_reports = Table(
    "problem_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("resource_id", Integer, ForeignKey("resources.id"), nullable=False),
    Column("service", String(32), ForeignKey("services.code")),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("closed_as", String(16), comment="resolved | dismissed; NULL while open"),
    Column("closed_by", Text),
    Column("closed_at", UtcDateTime),
    Column("close_note", Text),
    Index("ix_problem_reports_resource", "resource_id"),
)

claims = Table(
    "claims",
    metadata,
    Column("resource_id", Integer, ForeignKey("resources.id"), primary_key=True),
    Column("holder", Text, nullable=False, comment="the caller's name, shown to signed-in users"),
    Column("holder_key", String(64), nullable=False, comment="token:ID or session:ID"),
    Column("claimed_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False, comment="free again from then on"),
)

location_history = Table(
    "location_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("resource_id", Integer, ForeignKey("resources.id"), nullable=False),
    Column("resource_version", Integer, nullable=False, comment="the version the move made"),
    Column(
        "old", JSON, nullable=False, comment="lon, lat, precision, location_verified, source_crs"
    ),
    Column("new", JSON, nullable=False),
    Column("changed_by", Text, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("via", String(16), nullable=False, comment="workspace|api|import"),
    Index("ix_location_history_resource", "resource_id", "id"),
)

resource_edits = Table(
    "resource_edits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("resource_id", Integer, ForeignKey("resources.id"), nullable=False),
    Column("resource_version", Integer, nullable=False, comment="the version the edit made"),
    Column("action", String(16), nullable=False, comment="created | edited"),
    Column("changes", JSON, nullable=False, comment="field: [old, new], as the columns hold them"),
    Column("changed_by", Text, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Column("via", String(16), nullable=False, comment="workspace|api|import"),
    _one_of("action", EditAction),
    Index("ix_resource_edits_resource", "resource_id", "id"),
)

shares = Table(
    "shares",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("view", Text, nullable=False, comment="canonical JSON: sorted keys, no spaces"),
    Column("view_hash", String(64), nullable=False, unique=True, comment="sha256 hex of view"),
    Column("created_at", UtcDateTime, nullable=False),
)

rate_events = Table(
    "rate_events",
    metadata,
    Column("bucket", String(32), nullable=False, comment="which limit"),
    Column("key", String(64), nullable=False, comment="HMAC-SHA256 hex of address or phone"),
    Column("at", Float, nullable=False, comment="seconds since the epoch"),
    Index("ix_rate_events_key", "bucket", "key", "at"),
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("url", Text, nullable=False, comment="coordinator-only: may hold a secret link"),
    Column("kind", String(16), nullable=False),
    Column("sheet", Text),
    Column("every_s", Integer, nullable=False),
    Column("max_change", Float, nullable=False),
    Column("review", Boolean, nullable=False),
    Column("created_by", Text, comment="who added it; null: the operator (CLI)"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("next_run_at", UtcDateTime, nullable=False),
    Column("last_run_at", UtcDateTime),
    Column("last_outcome", String(16)),
    Column("last_error", Text),
    Column("rows_understood", Integer),
    Column("rows_not_understood", Integer),
    Column("etag", Text, comment="validators of the last file read, for a conditional GET"),
    Column("last_modified", Text),
    Column("content_hash", String(64), comment="sha256 hex of the last file read"),
    Column("good", JSON, comment="headers and row keys of the last applied file"),
    Column("held", JSON, comment="a plan held for review"),
    Column("held_file", LargeBinary, comment="the held plan's file, zlib-compressed"),
    _one_of("kind", SourceKind),
    _one_of("last_outcome", RunOutcome),
    CheckConstraint("every_s >= 1", name="every_s_positive"),
    CheckConstraint("max_change >= 0 AND max_change <= 1", name="max_change_fraction"),
)

source_leases = Table(
    "source_leases",
    metadata,
    Column("source_id", Integer, ForeignKey("sources.id"), primary_key=True),
    Column("holder", Text, comment="the replica (or manual run) running the source"),
    Column("expires_at", UtcDateTime, nullable=False, comment="free again from then on"),
)

learned_addresses = Table(
    "learned_addresses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(16), nullable=False, comment="what taught it: LearnedFrom"),
    Column(
        "resource_id",
        Integer,
        ForeignKey("resources.id"),
        unique=True,
        comment="the place it was learned from: one point per resource, replaced on correction",
    ),
    Column("address", Text, nullable=False, comment="a place's address, never a requester's"),
    Column("district_id", Integer, ForeignKey("admin_units.id"), nullable=False),
    Column("road", Text),
    Column("house_number", Integer, comment="the lane, else the number: position on the road"),
    Column("house_text", Text, comment="lane and number as written, for an exact match"),
    Column("place", Text, comment="compound, village or committee, when no road and number"),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("source_crs", String(8), nullable=False, comment="what it was given in (display)"),
    Column("origin", Text, comment="'resource' or the taught file's name (no person's name)"),
    Column("learned_at", UtcDateTime, nullable=False),
    _one_of("source", LearnedFrom),
    _one_of("source_crs", SourceCrs),
    *_wgs84_range(),
    Index("ix_learned_road", "district_id", "road", "house_number"),
    Index("ix_learned_place", "district_id", "place"),
    Index(
        "uq_learned_address",
        "source",
        "district_id",
        "address",
        unique=True,
        sqlite_where=text("resource_id IS NULL"),
        postgresql_where=text("resource_id IS NULL"),
    ),  # a taught address is one row; resources at one address each have theirs
)
