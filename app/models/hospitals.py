"""Adding and editing hospitals by hand: the bodies coordinators send, the possible
duplicates they are shown, and the record of edits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from app.core.fields import Line, ServiceCode
from app.domain.enums import EditAction, WriteSource
from app.domain.records import MAX_ID
from app.models.workspace import LocationIn
from app.services.duplicates import Why
from app.services.phones import read_phones

MAX_NAME = 200
MAX_ADDRESS = 300
MAX_ALIASES = 20
MAX_PHONES = 10
MAX_SERVICES = 32


def _one_phone(text: str) -> str:
    """One phone number in the form an import stores it (``021 6437 0045`` →
    ``021-64370045``); a text an import would drop is refused with the same reason."""
    cell = read_phones(text)
    if cell.dropped:
        given, why = cell.dropped[0]
        raise ValueError(f"{given[:40]!r} is not kept as a phone: {why}")
    if len(cell.phones) != 1:
        raise ValueError("give one phone number per item (digits, -, +, (), 转 and an extension)")
    return cell.phones[0].number


Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME), Line]
Alias = Annotated[str, StringConstraints(min_length=1, max_length=100), Line]
Address = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ADDRESS), Line]
Phone = Annotated[
    str, StringConstraints(min_length=1, max_length=40), Line, AfterValidator(_one_phone)
]
District = (
    Annotated[int, Field(ge=1, le=MAX_ID)]
    | Annotated[str, StringConstraints(min_length=1, max_length=20), Line]
)
DISTRICT_HELP = (
    "a district's name as the gazetteer has it (浦东新区), a former name or short form "
    "(闸北区, 浦东), or its id (GET /api/v1/units?level=district)"
)


class HospitalIn(BaseModel):
    """A hospital to add. Without ``location`` it is placed from its address (else its
    name) by the offline gazetteer, else at its district's point."""

    model_config = ConfigDict(extra="forbid")

    name: Name = Field(examples=["上海市第十人民医院"])
    name_en: Name | None = None
    aliases: list[Alias] = Field([], max_length=MAX_ALIASES)
    district: District | None = Field(None, description=DISTRICT_HELP, examples=["静安区"])
    address: Address | None = Field(None, examples=["延长中路301号"])
    phones: list[Phone] = Field([], max_length=MAX_PHONES, examples=[["021-66300588"]])
    services: list[ServiceCode] = Field(
        [], max_length=MAX_SERVICES, description="codes or names (dialysis, 血透, Dialysis)"
    )
    location: LocationIn | None = Field(
        None, description="as PUT …/location reads it; kept as exact and verified"
    )
    allow_duplicates: bool = Field(
        False, description="store it even when it may duplicate a stored hospital"
    )


class HospitalPatch(BaseModel):
    """Fields to change; those left out stay. ``name_en`` and ``address`` may be null
    (cleared); the others may not."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    name_en: Name | None = None
    aliases: list[Alias] | None = Field(None, max_length=MAX_ALIASES)
    district: District | None = Field(None, description=DISTRICT_HELP)
    address: Address | None = None
    phones: list[Phone] | None = Field(None, max_length=MAX_PHONES)
    services: list[ServiceCode] | None = Field(
        None,
        max_length=MAX_SERVICES,
        description="the whole list; a service that has a status cannot be left out (409)",
    )
    allow_duplicates: bool = False

    @model_validator(mode="after")
    def _not_null(self) -> HospitalPatch:
        for field in ("name", "aliases", "district", "phones", "services"):
            if field in self.model_fields_set and getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null (only name_en and address can)")
        return self

    def given(self) -> dict[str, Any]:
        """The fields the body named, but ``allow_duplicates``."""
        return {name: getattr(self, name) for name in self.model_fields_set - {"allow_duplicates"}}


class DuplicatePublic(BaseModel):
    """A stored hospital that may be the one being added or edited."""

    id: int
    name: str
    address: str | None
    phones: list[str]
    distance_m: int | None = Field(description="metres from the new point; null: not placed")
    why: Why


class DuplicatesPublic(BaseModel):
    """Possible duplicates, strongest reason first (empty: none)."""

    duplicates: list[DuplicatePublic]


class ResourceEditPublic(BaseModel):
    """One recorded creation or edit of a resource's fields (signed-in callers only)."""

    id: int
    resource_version: int
    action: EditAction
    changes: dict[str, list[Any]] = Field(
        description="field: [old, new] as stored (district_id, lon, lat … included); a "
        "creation's old values are null"
    )
    changed_by: str
    changed_at: datetime
    source: WriteSource
