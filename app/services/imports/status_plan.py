"""Planning and applying a status sheet (``--kind statuses``): every non-blank cell of a
matched hospital's service becomes old → new state and conditions, with the cell's own
words as the note; applying writes each hospital's cells through the same versioned write
as the API, at the versions the plan saw, a few hospitals a transaction: a hospital someone
changed meanwhile is a conflict for that hospital's cells, never overwritten.

A cell's time is the sheet's update-time column (Asia/Shanghai), else the import's. A time
in the future is refused; one older than the stored status's last check changes nothing
(the person's newer word stands); blank cells change nothing; cells whose words are not
understood become ``unknown`` with the text kept, and the plan lists them for a person.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from app.core.text import clean_text
from app.domain.enums import WriteSource
from app.domain.statuses import StatusChange, StatusReport
from app.services.imports.limits import SUMMARY_ROWS, ImportBudget
from app.services.imports.plan import ImportBlocked
from app.services.imports.read import read_table
from app.services.imports.status_columns import StatusColumns, map_status_columns
from app.services.imports.status_match import SHOWN, HospitalIndex
from app.services.imports.table import Table
from app.services.service_headers import service_for_header
from app.services.sheet_times import TimeProblem, read_update_time
from app.services.status_words import CellReading, read_cell
from app.storage.errors import VersionConflict
from app.storage.port import Store


class CellAction(StrEnum):
    """What applying does with a cell."""

    change = "change"  # a new state, conditions or note
    confirm = "confirm"  # the same, checked again later than stored: its age restarts
    unchanged = "unchanged"  # the same, and no newer than stored
    late = "late"  # older than the stored status's last check: the newer one stands
    future = "future"  # an update time ahead of now: refused
    not_offered = "not_offered"  # the hospital does not list the service
    repeated = "repeated"  # a later row of the sheet gives the same hospital's service


WRITTEN = frozenset({CellAction.change, CellAction.confirm})
MAX_FILENAME = 200
"""Characters of a file's name in a status's source (``import:NAME row N``, at most 300)."""
MAX_PLAN_CELLS = 100_000
"""Cells one plan holds (~65 MB): five times 2,000 hospitals × 10 services. Only rows that
name the same hospitals again and again come near it (100,000 rows of 9 services held
~600 MB); past it the plan is truncated, so it is not applied."""
SUGGESTED = 100
"""Unmatched rows given the closest names (each compared with every stored name: ~1 ms a
row, ~13 ms with 2,000 hospitals); past these, a sheet is not a few typos."""
HOSPITALS_A_TRANSACTION = 20
"""About 100 cells, ~0.6 s of SQLite's write lock (scripts/bench_status_import.py)."""


@dataclass(slots=True)
class CellPlan:
    """One cell: the hospital, the service, its words read, what was stored, what to do."""

    row: int
    name: str
    resource_id: int
    service: str
    text: str
    reading: CellReading
    action: CellAction
    expected_version: int
    reported_at: datetime | None
    old: dict[str, Any] | None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The cell as the JSON plan shows it."""
        new = {"state": self.reading.state, "conditions": list(self.reading.conditions)}
        return {
            "row": self.row, "name": self.name, "resource_id": self.resource_id,
            "service": self.service, "text": self.text, "action": self.action.value,
            "understood": self.reading.understood, "read_as": self.reading.why,
            "old": self.old, "new": new, "reported_at": self.reported_at,
            "reason": self.reason,
        }  # fmt: skip


@dataclass(slots=True)
class UnmatchedRow:
    """A row no stored hospital answers to, with the closest names."""

    row: int
    name: str
    reason: str
    closest: tuple[str, ...] = ()


@dataclass(slots=True)
class StatusPlan:
    """Every cell's plan and every unmatched row, with file-level notices."""

    filename: str
    cells: list[CellPlan] = field(default_factory=list)
    unmatched: list[UnmatchedRow] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    truncated: bool = False
    kind: str = "statuses"

    def counts(self) -> dict[str, int]:
        """Cells by action, understood or not, and unmatched rows."""
        counts = {action.value: 0 for action in CellAction}
        for cell in self.cells:
            counts[cell.action.value] += 1
        understood = sum(1 for c in self.cells if c.reading.understood)
        return counts | {
            "cells": len(self.cells),
            "understood": understood,
            "not_understood": len(self.cells) - understood,
            "unmatched_rows": len(self.unmatched),
        }

    def to_dict(self, *, summary: bool = False) -> dict[str, Any]:
        """The plan as JSON; a ``summary`` lists the first cells that are not unchanged
        (what applying writes or leaves, and why) and the first unmatched rows, the counts
        covering all."""
        cells, unmatched = self.cells, self.unmatched
        if summary:
            cells = [c for c in cells if c.action is not CellAction.unchanged][:SUMMARY_ROWS]
            unmatched = unmatched[:SUMMARY_ROWS]
        return {
            "filename": self.filename,
            "kind": self.kind,
            "counts": self.counts(),
            "notices": self.notices,
            "cells": [c.to_dict() for c in cells],
            "not_understood": [c.to_dict() for c in self.cells if not c.reading.understood][
                :SUMMARY_ROWS
            ],
            "unmatched": [
                {"row": u.row, "name": u.name, "reason": u.reason, "closest": list(u.closest)}
                for u in unmatched
            ],
            "summarised": summary,
            "truncated": self.truncated,
        }


def plan_statuses(
    store: Store, table: Table, filename: str, now: datetime, seconds: float | None = None
) -> StatusPlan:
    """Plan every row of a status sheet against the store as it is now."""
    services = store.list_services()
    columns = map_status_columns(
        table.headers, lambda header: service_for_header(header, services), filename
    )
    plan = StatusPlan(filename, notices=list(table.notices), truncated=table.truncated)
    if columns.ignored:
        plan.notices.append(f"columns not read: {', '.join(h[:30] for h in columns.ignored)}")
    hospitals = HospitalIndex(store)
    planner = _Rows(store, columns, services, now)
    deadline = None if seconds is None else time.monotonic() + seconds
    for number, row in table.rows:
        if deadline is not None and time.monotonic() > deadline:
            plan.truncated = True
            plan.notices.append(f"only the rows before row {number} were planned ({seconds:g} s)")
            break
        if len(plan.cells) >= MAX_PLAN_CELLS:
            plan.truncated = True
            plan.notices.append(
                f"only the rows before row {number} were planned (more than "
                f"{MAX_PLAN_CELLS:,} cells)"
            )
            break
        name = columns.value(row, "name") or columns.value(row, "ref")
        match = hospitals.match(
            columns.value(row, "ref"), columns.value(row, "name"), columns.value(row, "district"),
            suggest=len(plan.unmatched) < SUGGESTED,
        )  # fmt: skip
        if match.resource is None:
            reason = match.reason or ""
            plan.unmatched.append(UnmatchedRow(number, name[:SHOWN], reason, match.closest))
            continue
        plan.cells += planner.cells(number, row, match.resource)
    _keep_last_of_each(plan.cells)
    return plan


def _keep_last_of_each(cells: list[CellPlan]) -> None:
    """A hospital's service given by two rows: the later row is the sheet's word."""
    last: dict[tuple[int, str], CellPlan] = {}
    for cell in cells:
        earlier = last.get((cell.resource_id, cell.service))
        if earlier is not None and earlier.action in WRITTEN:
            earlier.action = CellAction.repeated
            earlier.reason = f"row {cell.row} gives it again"
        last[(cell.resource_id, cell.service)] = cell


class _Rows:
    """Turns a matched row into its cells' plans, reading the store's statuses once per
    hospital."""

    def __init__(self, store: Store, columns: StatusColumns, services, now: datetime) -> None:
        self.store, self.columns, self.now = store, columns, now
        self.services = services
        self.views: dict[int, Any] = {}
        self.named: dict[str, str | None] = {}
        """The service of each ``科室`` cell seen: a sheet repeats a few on every row."""

    def cells(self, number: int, row: list[str], resource) -> list[CellPlan]:
        """The row's non-blank cells, planned."""
        when, problem = self._time(row)
        remarks = self.columns.value(row, "remarks")
        found = []
        for service, text in self._service_cells(row):
            reading = read_cell(text)
            if reading.state is None:
                continue  # blank: changes nothing
            if remarks:  # the row's remarks travel with each of its cells, as words only
                note = f"{reading.note or ''}（{remarks}）" if reading.note else remarks
                reading = dataclasses.replace(reading, note=note[:1000])
            found.append(self._cell(number, resource, service, text, reading, when, problem))
        return found

    def _service_cells(self, row: list[str]) -> list[tuple[str, str]]:
        if not self.columns.long:
            return [(code, row[i]) for i, code in self.columns.services.items() if i < len(row)]
        named = self.columns.value(row, "service")
        if named not in self.named:
            self.named[named] = service_for_header(named, self.services) if named else None
        code = self.named[named]
        return [(code, self.columns.value(row, "state"))] if code else []

    def _time(self, row: list[str]) -> tuple[datetime | None, TimeProblem | None]:
        """The row's update time, or what is wrong with it (None, None: no time given); a
        time within the minutes a fast clock may be ahead is now, as the API files it (a
        status checked in the future would make a person's dated report late)."""
        cell = self.columns.value(row, "time")
        found = read_update_time(cell, self.now) if cell else None
        if isinstance(found, TimeProblem):
            return None, found
        return (None if found is None else min(found, self.now)), None

    def _cell(self, number, resource, service, text, reading, when, problem) -> CellPlan:
        view = self.views.get(resource.id)
        if view is None:
            [view] = self.store.view_resources(ids=[resource.id], limit=1)
            self.views[resource.id] = view
        stored = view.statuses.get(service)
        old = (
            None
            if stored is None
            else {"state": stored.state, "conditions": list(stored.conditions)}
        )
        cell = CellPlan(number, resource.name, resource.id, service, text, reading,
                        CellAction.change, view.resource.version, when, old)  # fmt: skip
        if service not in resource.services:
            cell.action = CellAction.not_offered
            cell.reason = f"{resource.name} does not list {service}: a coordinator adds it first"
        elif problem is not None and problem.reason.startswith("in the future"):
            cell.action = CellAction.future
            cell.reason = f"update time {problem.text!r} is {problem.reason}"
        elif problem is not None:  # not a time: the import's time, and the plan says so
            cell.reason = f"update time {problem.text!r} not understood ({problem.reason}): now"
        elif stored is not None and when is not None and when <= stored.checked_at:
            cell.action = CellAction.late
            cell.reason = (
                f"the stored status was checked later ({stored.checked_at:%Y-%m-%d %H:%M})"
            )
        elif stored is not None and (stored.state, stored.conditions, stored.note) == (
            reading.state,
            reading.conditions,
            reading.note,
        ):
            cell.action = (
                CellAction.confirm
                if when is not None and when > stored.checked_at
                else CellAction.unchanged
            )
        return cell


def apply_statuses(
    store: Store, plan: StatusPlan, reporter: str, via: WriteSource = WriteSource.import_
) -> dict[str, int]:
    """Write the plan's changed and confirmed cells at the versions the plan saw, a few
    hospitals a transaction (so a big sheet never holds the store's write lock for long
    against the volunteers' own writes); a hospital someone changed since the plan was
    made is left out with all its cells (``conflicts``), the rest of its batch written
    again without it. Counts of what was done."""
    if plan.truncated:
        raise ImportBlocked("the plan does not cover every row: nothing was written")
    by_resource: dict[int, list[CellPlan]] = defaultdict(list)
    for cell in plan.cells:
        if cell.action in WRITTEN:
            by_resource[cell.resource_id].append(cell)
    ids = list(by_resource)
    written = conflicts = 0
    for first in range(0, len(ids), HOSPITALS_A_TRANSACTION):
        batch = {rid: by_resource[rid] for rid in ids[first : first + HOSPITALS_A_TRANSACTION]}
        while batch:
            changes = [c for cells in batch.values() for c in _changes(cells, plan, reporter, via)]
            try:
                store.set_statuses(changes)
            except VersionConflict as exc:
                if exc.item is None:
                    raise
                changed = batch.pop(changes[exc.item].resource_id)
                conflicts += len(changed)
                for cell in changed:
                    cell.reason = "changed by someone since the plan was made: not overwritten"
                continue
            written += len(changes)
            break
    counts = plan.counts()
    return {
        "written": written,
        "conflicts": conflicts,
        "unchanged": counts["unchanged"],
        "late": counts["late"],
        "not_offered": counts["not_offered"],
        "not_understood": counts["not_understood"],
        "unmatched_rows": counts["unmatched_rows"],
    }


def _changes(
    cells: list[CellPlan], plan: StatusPlan, reporter: str, via: WriteSource
) -> list[StatusChange]:
    """One hospital's cells as versioned changes, each expecting the version the one
    before it leaves."""
    changes, version = [], cells[0].expected_version
    filename = _shown_name(plan.filename)
    for cell in cells:
        report = StatusReport(
            state=cell.reading.state, reported_by=reporter,
            conditions=cell.reading.conditions, note=cell.reading.note,
            source=f"import:{filename} row {cell.row}",
            reported_at=cell.reported_at, via=via,
        )  # fmt: skip
        changes.append(StatusChange(cell.resource_id, cell.service, report, version))
        version += 1
    return changes


def _shown_name(filename: str) -> str:
    """A file's name as history shows it: the uploader's choice, so cleaned like any text
    a volunteer sends (no NUL, controls or direction marks) and cut to ``MAX_FILENAME``
    characters, leaving room for the row."""
    name = clean_text(filename)
    return name if len(name) <= MAX_FILENAME else name[: MAX_FILENAME - 1] + "…"


def import_statuses(
    store: Store, upload: tuple[bytes, str, str | None], budget: ImportBudget, now: datetime,
    reporter: str | None,
) -> tuple[StatusPlan, dict[str, int] | None]:  # fmt: skip
    """Read an uploaded status sheet (data, name, sheet) within ``budget`` and plan it;
    with a ``reporter`` (the caller's name), apply it too. The plan and what was written."""
    data, filename, sheet = upload
    table = read_table(data, filename, sheet, budget.read)
    plan = plan_statuses(store, table, filename, now, seconds=budget.seconds)
    return plan, apply_statuses(store, plan, reporter) if reporter else None
