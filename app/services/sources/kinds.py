"""A source's file planned and applied as its kind: one shape for every kind, so that a run
treats a status sheet and a sheet of hospitals or contacts alike.

Hospitals and contacts go through the import's own planner (``imports.plan``); status
sheets through ``imports.status_plan.import_statuses``, whose plan is made again when it
is applied (the versioned writes there leave any cell someone changed meanwhile).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain.sources import SourceKind
from app.geo.geocoders.chain import GeocoderChain
from app.services.imports.limits import FULL
from app.services.imports.plan import apply_import, plan_import
from app.services.imports.records import ImportPlan, RowAction
from app.services.imports.status_plan import (
    apply_statuses,
    import_statuses,
)
from app.services.imports.table import Table
from app.storage.port import Store

REVIEW_ROWS = 500
"""Rows (or cells) of a plan kept for review: the counts cover all of them."""
SHOWN_ACTIONS = (RowAction.add, RowAction.change, RowAction.bad, RowAction.duplicate)
"""The rows of a hospitals or contacts plan a coordinator reviews."""
REVIEW_CELL = ("row", "name", "resource_id", "service", "text", "action", "old", "new", "reason")
"""What a status sheet's plan keeps of each cell for review: old and new, and why."""
REVIEW_TEXT = 200
KEPT_ROWS = (RowAction.add, RowAction.change, RowAction.unchanged)
"""The rows of a hospitals or contacts plan that count in its share of changes."""


@dataclass(frozen=True, slots=True)
class SourcePlan:
    """What applying a file would do, measured for the guard rail and kept for review."""

    changes: int
    """Statuses that would change (status sheets), or rows added or changed."""
    total: int
    """What the file keeps: status cells that would change, be confirmed or stay as they
    are, or rows that would be added, changed or stay. Rows and cells that are never
    written (bad, duplicate, superseded by a later row, late, for a service not offered,
    dated ahead) are left out: counted, any number of them watered the share of changes
    down below the guard rail's limit."""
    understood: int
    not_understood: int
    """Cells not understood and rows matching no hospital (status sheets), or bad rows."""
    review: dict[str, Any]
    fingerprint: str
    """A hash of what applying would do: the same plan made again has the same one."""
    apply: Callable[[], dict[str, int]]
    """Write it; what was written."""


def plan_file(
    store: Store,
    chain: Callable[[], GeocoderChain],
    kind: SourceKind,
    upload: tuple[bytes, str, str | None],
    table: Table,
    now: datetime,
    reporter: str,
) -> SourcePlan:
    """Plan a source's file (read as ``table``) against the store as it is now; ImportFileError
    when the file cannot be read as its kind."""
    if kind is SourceKind.statuses:
        return _plan_statuses(store, upload, now, reporter)
    plan = plan_import(store, chain(), table, kind.value, upload[1])
    bad = plan.count(RowAction.bad)
    rows = [row.to_dict() for row in plan.rows if row.action in SHOWN_ACTIONS]
    review = {
        "counts": {action.value: plan.count(action) for action in RowAction},
        "notices": plan.notices,
        "rows": rows[:REVIEW_ROWS],
        "rows_left_out": len(rows) > REVIEW_ROWS,
    }
    return SourcePlan(
        changes=plan.count(RowAction.add) + plan.count(RowAction.change),
        total=sum(plan.count(action) for action in KEPT_ROWS),
        understood=len(plan.rows) - bad,
        not_understood=bad,
        review=review,
        fingerprint=_hash(
            [[r.row, r.action.value, r.resource_id, r.changes, r.reason] for r in plan.rows]
        ),
        apply=lambda: _apply_rows(store, plan),
    )


def _apply_rows(store: Store, plan: ImportPlan) -> dict[str, int]:
    """Apply a hospitals or contacts plan; a source's bad rows are reported, never a reason
    to leave the good ones out."""
    return apply_import(store, plan, skip_bad_rows=True)


def _plan_statuses(
    store: Store, upload: tuple[bytes, str, str | None], now: datetime, reporter: str
) -> SourcePlan:
    """A status sheet's plan; applying it writes exactly the cells planned, at the
    versions the plan saw (a hospital changed since is a conflict, left as it is)."""
    plan, _ = import_statuses(store, upload, FULL, now, None)
    counts = plan.counts()
    cells = [[c.resource_id, c.service, str(c.action)] for c in plan.cells]
    changed = [c for c in plan.cells if c.action != "unchanged"]
    review = {
        "counts": counts,
        "cells": [_reviewed(cell.to_dict()) for cell in changed[:REVIEW_ROWS]],
        "cells_left_out": len(changed) > REVIEW_ROWS,
    }
    return SourcePlan(
        changes=counts["change"],
        total=counts["change"] + counts["confirm"] + counts["unchanged"],
        understood=counts["understood"],
        not_understood=counts["not_understood"] + counts["unmatched_rows"],
        review=review,
        fingerprint=_hash([cells, counts]),
        apply=lambda: apply_statuses(store, plan, reporter),
    )


def _reviewed(cell: dict[str, Any]) -> dict[str, Any]:
    """What a held plan keeps of a status cell (its words cut to ``REVIEW_TEXT``)."""
    return {key: cell[key] for key in REVIEW_CELL} | {"text": cell["text"][:REVIEW_TEXT]}


def _hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, default=str).encode()).hexdigest()
