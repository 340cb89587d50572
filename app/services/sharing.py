"""Share links: what a shared map view may hold, its short code, and storing it.

A view is checked against the store (its service and hospital must exist) and kept under
a short code that can be read aloud: 6 characters from an alphabet without look-alikes
(no 0/o, 1/l/i), 31⁶ ≈ 8.9 × 10⁸ codes. A view holds no text anyone typed, and its
positions (WGS-84 degrees) only to ``COORD_DECIMALS``: a share is public to whoever has
or guesses its code, and a requester's search point is often their home.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain.enums import Precision
from app.domain.records import MAX_ID, Share
from app.storage.errors import NotFound
from app.storage.port import Store

CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 6
CODE_RE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
COORD_DECIMALS = 3
"""Decimals a shared position keeps: 0.001° is ~100 m in Shanghai, enough for the view and
for the same nearest hospitals (decisions.md), too coarse to name a building. Schema 6's
migration rounded stored shares to the same (``migrations.SHARE_DECIMALS``)."""

Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
ServiceCode = Annotated[str, Field(min_length=1, max_length=32, examples=["dialysis"])]


RETIRED_ADDRESS = {
    "type": "string",
    "deprecated": True,
    "description": "ignored and never stored (pages before schema 6 sent the typed address)",
}


class NearestShare(BaseModel):
    """A nearest search to show again: from where (a position, never the words typed to
    find it), for which service, how many."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=lambda schema: schema["properties"].update(address=RETIRED_ADDRESS),
    )

    lon: Lon
    lat: Lat
    precision: Precision | None = Field(
        None,
        description="how well the position is known, as /api/v1/nearest's origin said "
        "(a district-only address: district); absent: exact",
    )
    service: ServiceCode | None = None
    k: int = Field(3, ge=1, le=10)

    @property
    def origin_precision(self) -> Precision:
        """How well the shared position is known."""
        return self.precision or Precision.exact

    @model_validator(mode="before")
    @classmethod
    def _drop_address(cls, data: object) -> object:
        """Ignore the typed address older pages still send: refusing it would break their
        share button, keeping it is what must never happen; either way nothing is stored."""
        if isinstance(data, dict) and "address" in data:
            data = {key: value for key, value in data.items() if key != "address"}
        if isinstance(data, dict) and data.get("precision") == Precision.exact:
            data = {key: value for key, value in data.items() if key != "precision"}  # one view
        return data


class ShareView(BaseModel):
    """What a share link opens: the map's centre and zoom, and what was chosen on it."""

    model_config = ConfigDict(extra="forbid")

    center: tuple[Lon, Lat] = Field(description="[lon, lat], WGS-84", examples=[[121.47, 31.23]])
    zoom: int = Field(ge=3, le=19)
    service: ServiceCode | None = None
    resource_id: int | None = Field(None, ge=1, le=MAX_ID, description="a hospital shown")
    nearest: NearestShare | None = None
    lang: Literal["zh", "en"] | None = None

    @property
    def chosen_service(self) -> str | None:
        """The service the view is about: the nearest search's, else the map's."""
        return (self.nearest.service if self.nearest else None) or self.service

    def stored(self) -> dict:
        """The view as plain JSON data, unset fields left out, coordinates rounded."""
        view = self.model_dump(mode="json", exclude_none=True)
        view["center"] = [round(value, COORD_DECIMALS) for value in view["center"]]
        if "nearest" in view:
            for axis in ("lon", "lat"):
                view["nearest"][axis] = round(view["nearest"][axis], COORD_DECIMALS)
        return view


def new_code() -> str:
    """A random short code from ``CODE_ALPHABET`` (``secrets``, not ``random``)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str | None:
    """The code ``text`` spells (letters in any case), or None when it cannot be one."""
    code = text.lower()
    return code if CODE_RE.fullmatch(code) else None


def create_share(store: Store, view: ShareView) -> Share:
    """Store a view (the same view gives the same share); NotFound for an unknown service
    or resource."""
    known = {service.code for service in store.list_services()}
    for service in (view.service, view.nearest.service if view.nearest else None):
        if service is not None and service not in known:
            raise NotFound(f"no service {service!r}")
    if view.resource_id is not None:
        store.get_resource(view.resource_id)
    return store.create_share(view.stored(), new_code)


def load_share(store: Store, code: str) -> Share:
    """The share under ``code`` (its ``view`` is the stored dict); NotFound for an unknown
    or malformed code, which is checked before any lookup."""
    normal = normal_code(code)
    if normal is None:
        raise NotFound("no such share")
    return store.get_share(normal)


def view_of(share: Share) -> ShareView:
    """A stored share's view as the model it was made from."""
    return ShareView.model_validate(share.view)
