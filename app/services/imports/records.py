"""What an import plan is made of: kinds, row actions, row plans, the whole plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from app.domain.enums import Kind, Precision
from app.domain.records import NewResource
from app.services.imports.limits import SUMMARY_ROWS

if TYPE_CHECKING:
    from app.geo.gazetteer_index import GazetteerIndex


class ImportKind(StrEnum):
    """What a spreadsheet lists."""

    hospitals = "hospitals"
    contacts = "contacts"  # district, street and committee offices
    statuses = "statuses"  # hospitals' intake states by service (status_plan.py)


KINDS = {ImportKind.hospitals: Kind.hospital, ImportKind.contacts: Kind.office}
REQUIRED_COLUMNS = {ImportKind.hospitals: ("name",), ImportKind.contacts: ("district",)}
LOW_PRECISION = frozenset({Precision.street, Precision.district})


class RowAction(StrEnum):
    """What applying the plan does with a row."""

    add = "add"
    change = "change"
    unchanged = "unchanged"
    duplicate = "duplicate"
    choice = "choice"  # may be a stored resource or a new one: written once a ref says which
    bad = "bad"


@dataclass(slots=True)
class RowPlan:
    """The plan for one row; ``record`` and ``update`` are what would be written."""

    row: int
    action: RowAction
    name: str = ""
    reason: str | None = None
    resource_id: int | None = None
    changes: dict[str, list[Any]] = field(default_factory=dict)
    precision: Precision | None = None
    precision_reason: str | None = None
    """Why the row has ``precision``, in words."""
    confidence: float | None = None
    located_by: str | None = None
    notes: list[str] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    """Stored resources the row may be (``resource_id``, ``ref``, ``name``, ``why``,
    ``chosen``), when its ref and name named none."""
    record: NewResource | None = None
    update: dict[str, Any] | None = None
    expected_version: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The row as the JSON report shows it."""
        shown = ("row", "action", "name", "reason", "resource_id", "changes", "precision",
                 "precision_reason", "confidence", "located_by", "notes",
                 "candidates")  # fmt: skip
        return {key: getattr(self, key) for key in shown}


@dataclass(slots=True)
class ImportPlan:
    """Every row's plan, in file order, with file-level notices; ``truncated`` when rows
    of the file were left unplanned (a budget's row or time limit)."""

    filename: str
    kind: str
    rows: list[RowPlan]
    notices: list[str] = field(default_factory=list)
    truncated: bool = False
    index: GazetteerIndex | None = field(default=None, repr=False, compare=False)
    """The gazetteer the rows were located with: applying the plan learns the addresses
    of rows with the sheet's or a provider's house-level point through it (None: none)."""

    def count(self, action: RowAction) -> int:
        """How many rows have this action."""
        return sum(1 for row in self.rows if row.action is action)

    @property
    def low_precision(self) -> list[RowPlan]:
        """Rows that will be located no better than their street or district."""
        written = {RowAction.add, RowAction.change, RowAction.unchanged}
        return [r for r in self.rows if r.action in written and r.precision in LOW_PRECISION]

    def to_dict(self, *, summary: bool = False) -> dict[str, Any]:
        """The whole plan as JSON; a ``summary`` lists only the first ``SUMMARY_ROWS`` bad
        rows and rows to choose for (and as many low-precision ones), with the counts of all."""
        rows = self.rows
        low = [row.row for row in self.low_precision]
        if summary:
            listed = (RowAction.bad, RowAction.choice)
            rows = [row for row in rows if row.action in listed][:SUMMARY_ROWS]
            low = low[:SUMMARY_ROWS]
        return {
            "filename": self.filename,
            "kind": self.kind,
            "counts": {action.value: self.count(action) for action in RowAction},
            "notices": self.notices,
            "low_precision_rows": low,
            "rows": [row.to_dict() for row in rows],
            "summarised": summary,
            "truncated": self.truncated,
        }
