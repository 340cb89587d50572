"""The nearest answer (GeoJSON) and a share as created."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    BaseModel,
    Field,
)

from app.domain.enums import Precision
from app.models.reads import StatusPublic


class PointGeometry(BaseModel):
    """A GeoJSON point, [lon, lat] in WGS-84 (RFC 7946)."""

    type: str = "Point"
    coordinates: tuple[float, float]


class NearestProperties(BaseModel):
    """What the requester needs: how far, which way, how to call, how fresh."""

    name: str
    name_en: str | None
    kind: str
    address: str | None
    phones: list[str]
    precision: Precision
    location_verified: bool
    distance_m: float = Field(description="great-circle metres from the origin")
    distance_exact: bool = Field(
        description="false when the origin or the resource is placed only by its district: "
        "distance_m then orders the list but is no fact to show"
    )
    bearing: float = Field(description="degrees clockwise from north, from the origin")
    status: StatusPublic | None = Field(description="the status for the asked service")


class NearestFeature(BaseModel):
    """One resource as a GeoJSON feature."""

    type: str = "Feature"
    id: int
    geometry: PointGeometry
    properties: NearestProperties


class NearestPlace(BaseModel):
    """The units the origin lies in, named as our gazetteer names them (null: unknown)."""

    district: str | None = None
    street: str | None = None
    committee: str | None = None


class NearestOrigin(BaseModel):
    """Where distances are measured from, and how well that point is known."""

    lon: float
    lat: float
    precision: Precision
    source: str = Field(description="coordinates, or the geocoder that placed the address")
    address: str | None = None
    place: NearestPlace = Field(default_factory=NearestPlace)


class NearestContact(BaseModel):
    """An office (street office, residents' committee) to call near the origin."""

    id: int
    name: str
    phones: list[str]
    distance_m: float
    distance_exact: bool


class NearestCollection(BaseModel):
    """The nearest resources, closest first."""

    type: str = "FeatureCollection"
    answer: Literal["open", "fallback", "all"] = Field(
        description="open: in the asked states and fresh; fallback: none was, so the nearest "
        "offering the service whatever their status (call before going); all: no service asked"
    )
    features: list[NearestFeature]
    numberReturned: int
    origin: NearestOrigin
    contacts: list[NearestContact] = Field(
        description="hospitals queries: up to 2 offices with phones near the origin"
    )


class ShareCreated(BaseModel):
    """A stored share: its short code and the absolute links made from it."""

    code: str = Field(examples=["k7m2xq"])
    url: str = Field(description="the short link that opens the map")
    qr_png: str
    qr_svg: str
    preview_png: str = Field(description="1200×630 Open Graph image")
    poster_png: str = Field(description="1080×2340 poster to forward in a chat")
    text: str = Field(description="the plain-text card for a chat message")
