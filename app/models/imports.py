"""An import's plan as the API answers it."""

from __future__ import annotations

from pydantic import (
    BaseModel,
    Field,
)

from app.domain.enums import Precision


class ImportRowPublic(BaseModel):
    """What an import does with one row (row = its line or row number in the file)."""

    row: int
    action: str = Field(description="add, change, unchanged, duplicate or bad")
    name: str
    reason: str | None = None
    resource_id: int | None = None
    changes: dict[str, list] = Field(description="field: [stored value, new value]")
    precision: Precision | None = None
    confidence: float | None = None
    located_by: str | None = None
    notes: list[str] = []


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
        "first 100 bad rows and `low_precision_rows` the first 100; `counts` cover every "
        "planned row",
    )
    truncated: bool = Field(
        False,
        description="true: only the first rows of the file were planned (a dry run without a "
        "coordinator's token reads at most 2,000 rows and plans for at most 5 s); "
        "`notices` say how many",
    )
