"""The help requests' tables: requests (with the requester's details, erased on
schedule), their tracking links, their history and every reveal of their details."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from app.domain.enums import Precision
from app.domain.help import CloseReason, HelpEventKind, HelpState, Urgency
from app.storage.schema_base import UtcDateTime, metadata
from app.storage.schema_base import one_of as _one_of
from app.storage.schema_base import wgs84_range as _wgs84_range

help_requests = Table(
    "help_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("service", String(32), nullable=False, comment="a service's code, or 'other'"),
    Column("answers", JSON, comment="the service's questions answered; NULL once erased"),
    Column("urgency", String(16), nullable=False),
    Column("urgency_why", JSON, nullable=False, comment="the rules that decided the urgency"),
    Column("district_id", Integer, ForeignKey("admin_units.id")),
    Column("street_id", Integer, ForeignKey("admin_units.id"), comment="the public cell"),
    Column("committee_id", Integer, ForeignKey("admin_units.id")),
    Column("lon", Float, comment="private: the requester's point; NULL once erased"),
    Column("lat", Float),
    Column("precision", String(16), nullable=False),
    Column("phone", Text, comment="personal fields: NULL once erased"),
    Column("name", Text),
    Column("text", Text),
    Column("consent_at", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Column("close_reason", String(16)),
    Column("claimed_by", Text, comment="the claimant's name, shown to signed-in users"),
    Column("claim_key", String(64), comment="token:ID or session:ID"),
    Column("claimed_at", UtcDateTime),
    Column("state_at", UtcDateTime, nullable=False, comment="the last transition"),
    Column("resource_id", Integer, ForeignKey("resources.id"), comment="the matched hospital"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("contacted_at", UtcDateTime, comment="first moved to contacting or beyond"),
    Column("closed_at", UtcDateTime, comment="resolved or closed: retention counts from it"),
    Column("erased_at", UtcDateTime),
    _one_of("state", HelpState),
    _one_of("close_reason", CloseReason),
    _one_of("urgency", Urgency),
    _one_of("precision", Precision),
    *_wgs84_range(),
    Index("ix_help_requests_state_created", "state", "created_at"),
    Index("ix_help_requests_phone_service", "phone", "service"),
    Index("ix_help_requests_district", "district_id"),
    Index("ix_help_requests_closed", "closed_at"),
)

help_links = Table(
    "help_links",
    metadata,
    Column("secret_hash", String(64), primary_key=True, comment="sha256 hex of a tracking secret"),
    Column("request_id", Integer, ForeignKey("help_requests.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_help_links_request", "request_id"),
)

help_events = Table(
    "help_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, ForeignKey("help_requests.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), comment="state events: the state moved to"),
    Column("reason", String(16)),
    Column("resource_id", Integer, ForeignKey("resources.id")),
    Column("text", Text, comment="notes and added information; NULL once erased (not public)"),
    Column("public", Boolean, nullable=False, comment="shown to the requester"),
    Column("by_name", Text, comment="the volunteer; NULL: the requester or the system"),
    Column("by_key", String(64)),
    Column("at", UtcDateTime, nullable=False),
    _one_of("kind", HelpEventKind),
    Index("ix_help_events_request", "request_id", "id"),
)

help_reveals = Table(
    "help_reveals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, ForeignKey("help_requests.id"), nullable=False),
    Column("by_name", Text, nullable=False),
    Column("by_key", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_help_reveals_request", "request_id", "id"),
)
