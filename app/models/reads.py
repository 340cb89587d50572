"""Public reads: health, services, units, resources with their statuses, geocoding."""

from __future__ import annotations

from datetime import datetime

from pydantic import (
    BaseModel,
    Field,
)

from app.domain.enums import Level, Precision, SourceCrs
from app.domain.statuses import State


class Health(BaseModel):
    """Liveness, the storage backend and what is loaded."""

    status: str = Field(examples=["ok"])
    version: str
    storage: str = Field(examples=["sqlite"])
    seed_version: str | None
    counts: dict[str, int] = Field(
        examples=[{"districts": 16, "streets": 234, "committees": 6509, "hospitals": 70}]
    )


class ServicePublic(BaseModel):
    """A service a hospital can take patients for."""

    code: str = Field(examples=["dialysis"])
    name_zh: str = Field(examples=["血透"])
    name_en: str = Field(examples=["Dialysis"])


class UnitPublic(BaseModel):
    """A district, street/town or committee, with its representative point (WGS-84)."""

    id: int
    code: str | None = Field(description="12-digit NBS division code")
    level: Level
    name: str
    kind: str
    name_en: str | None
    parent_id: int | None
    district_id: int | None
    lon: float
    lat: float
    precision: Precision = Field(description="how well the point is known")


class StatusPublic(BaseModel):
    """Intake status of one resource for one service."""

    service: str
    state: State
    conditions: list[str] = []
    note: str | None = None
    source: str | None = None
    reported_by: str | None = Field(
        None, description="the reporting volunteer's name: only for a signed-in caller"
    )
    reported_at: datetime | None = None
    verified: bool = Field(description="a verifier confirmed it (at verified_at)")
    verified_by: str | None = Field(
        None, description="the verifier's name: only for a signed-in caller"
    )
    verified_at: datetime | None = None
    stale: bool = Field(description="older than AIDMAP_STATUS_TTL_HOURS, or never reported")
    age_seconds: int | None = Field(description="seconds since reported; null if never")


class ResourcePublic(BaseModel):
    """A hospital or other resource, where it is, how well that is known, and its statuses."""

    id: int
    ref: str | None
    kind: str
    name: str
    name_en: str | None
    aliases: list[str]
    address: str | None
    phones: list[str]
    services: list[str] = Field(description="service codes the resource offers")
    district_id: int | None
    street_id: int | None
    committee_id: int | None
    lon: float
    lat: float
    precision: Precision
    location_verified: bool = Field(description="false: the point has not been checked")
    source_crs: SourceCrs
    source: str | None
    attributes: dict[str, str] = Field(
        description="imported columns without a field of their own; without a token only "
        "`level` (the others may name people)"
    )
    version: int
    updated_at: datetime
    statuses: list[StatusPublic]
    problem_reported_at: datetime | None = Field(
        None,
        description="someone reported a problem (POST .../reports) that no status check has "
        "answered since: when the newest such report was made; never what it said",
    )


class CandidatePublic(BaseModel):
    """One unit an ambiguous address could mean."""

    name: str
    level: str
    lon: float
    lat: float
    district: str | None = None
    street: str | None = None


class NeighbourPublic(BaseModel):
    """A learned point an answer used: a place's address (volunteers only)."""

    address: str
    lon: float
    lat: float
    source: str = Field(description="verified, sheet, provider or taught")


class EvidencePublic(BaseModel):
    """Which of the deployment's own learned points placed an answer."""

    kind: str = Field(description="exact, interpolated, nearest_number, road_median or place")
    points: int = Field(description="how many learned points the answer rests on")
    uncertainty_m: float
    span_m: float | None = Field(None, description="metres between the two numbers interpolated")
    verified: bool = Field(description="true when every point used was a verified placement")
    summary_zh: str
    summary_en: str
    neighbours: list[NeighbourPublic] | None = Field(
        None, description="the points used, for a signed-in volunteer only (else null)"
    )


class GeocodePublic(BaseModel):
    """A geocoder answer: a WGS-84 point with how well it is known, or why there is none."""

    provider: str
    outcome: str = Field(
        description="found, not_found, timeout, rate_limited, quota, bad_key or error"
    )
    lon: float | None = None
    lat: float | None = None
    precision: Precision | None = None
    confidence: float = Field(ge=0, le=1)
    district: str | None = None
    street: str | None = None
    committee: str | None = None
    candidates: list[CandidatePublic] = []
    notes: list[str] = []
    evidence: EvidencePublic | None = Field(
        None, description="for an answer of the learned geocoder: the evidence behind it"
    )
