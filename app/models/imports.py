"""An import's plan as the API answers it."""

from __future__ import annotations

from datetime import datetime

from pydantic import (
    BaseModel,
    Field,
)

from app.domain.enums import Precision


class ImportCandidatePublic(BaseModel):
    """A stored resource an imported row may be."""

    resource_id: int
    ref: str | None = Field(description="give the row this ref to update this resource")
    name: str
    why: list[str] = Field(
        description="what the row and the resource share: same_phone, similar_name, "
        "same_district (the row's point is only its district's or street's), nearby "
        "(within 200 m)"
    )
    chosen: bool = Field(description="true: the row was matched to this one")


class ImportRowPublic(BaseModel):
    """What an import does with one row (row = its line or row number in the file)."""

    row: int
    action: str = Field(
        description="add, change, unchanged, duplicate, choice (may be a stored resource or "
        "a new one: not written until a ref column says which; see candidates) or bad"
    )
    name: str
    reason: str | None = None
    resource_id: int | None = None
    changes: dict[str, list] = Field(description="field: [stored value, new value]")
    precision: Precision | None = Field(
        None, description="how well the row is located once imported (see precision_reason)"
    )
    precision_reason: str | None = Field(
        None,
        description="why: the sheet's own point (as given, not verified), the unit or "
        "address the gazetteer found (and whether that unit has a point of its own), a "
        "provider's answer, or a stored location kept",
    )
    confidence: float | None = None
    located_by: str | None = Field(
        None,
        description="coordinates or link (the sheet's own point), gazetteer or a provider's "
        "name (geocoded), or stored (the stored location is kept)",
    )
    notes: list[str] = []
    candidates: list[ImportCandidatePublic] = Field(
        [],
        description="when the row's ref and name named no stored resource: those it shares a "
        "phone or a similar name with; one `chosen` when the row was matched to it",
    )


class ImportPlanPublic(BaseModel):
    """The dry-run report of an import, and what was written if it was applied."""

    filename: str
    kind: str
    counts: dict[str, int]
    notices: list[str]
    low_precision_rows: list[int]
    rows: list[ImportRowPublic]
    applied: dict[str, int] | None = Field(None, description="null for a dry run")
    summarised: bool = Field(
        False,
        description="true (a dry run without a coordinator's token): `rows` lists only the "
        "first 100 bad rows and rows to choose for, and `low_precision_rows` the first 100; "
        "`counts` cover every planned row",
    )
    truncated: bool = Field(
        False,
        description="true: only the first rows of the file were planned (a dry run without a "
        "coordinator's token reads at most 2,000 rows and plans for at most 5 s); "
        "`notices` say how many",
    )


class StatusCellPublic(BaseModel):
    """One cell of a status sheet: the hospital, the service, its words, what they were
    read as, what was stored, and what applying does."""

    row: int
    name: str
    resource_id: int
    service: str
    text: str = Field(description="the cell's words (with the row's remarks), kept as the note")
    action: str = Field(
        description="change, confirm (same, checked later), unchanged, late (the stored status "
        "was checked later), future (an update time ahead of now) or not_offered"
    )
    understood: bool = Field(description="false: read as unknown, for a person to classify")
    read_as: str = Field(description="which phrase or rule decided")
    old: dict | None = Field(description="the stored state and conditions, or null")
    new: dict = Field(description="state and conditions the words were read as")
    reported_at: datetime | None = Field(description="the sheet's update time (null: the import's)")
    reason: str | None = None


class UnmatchedRowPublic(BaseModel):
    """A row no stored hospital answers to (this import never creates hospitals)."""

    row: int
    name: str
    reason: str
    closest: list[str]


class StatusPlanPublic(BaseModel):
    """A status sheet's plan (``kind=statuses``): every non-blank cell of a matched hospital,
    counted by action and by understood or not, and every unmatched row."""

    filename: str
    kind: str
    counts: dict[str, int]
    notices: list[str]
    cells: list[StatusCellPublic] = Field(
        description="every cell (summarised: the first 100 that are not unchanged)"
    )
    not_understood: list[StatusCellPublic] = Field(description="the first 100 not understood")
    unmatched: list[UnmatchedRowPublic] = Field(
        description="rows no stored hospital answers to (summarised: the first 100)"
    )
    applied: dict[str, int] | None = Field(None, description="null for a dry run")
    summarised: bool = False
    truncated: bool = False
