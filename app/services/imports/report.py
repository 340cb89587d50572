"""Printing an import plan for a person at a terminal, or as JSON for a script."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from app.services.imports.records import ImportPlan, RowAction

SHOWN_LOW = 50
"""Low-precision rows printed with their reason."""


def print_plan(plan: ImportPlan, applied: dict | None = None, *, as_json: bool = False) -> None:
    """Counts, then every bad row, change, duplicate and choice, and the low-precision rows
    with why each is no finer."""
    if as_json:
        print(json.dumps(plan.to_dict() | {"applied": applied}, ensure_ascii=False, indent=1))
        return
    out = Console(highlight=False, soft_wrap=True)
    summary = Table("action", "rows", title=f"{plan.filename} ({plan.kind})")
    for action in RowAction:
        summary.add_row(action.value, str(plan.count(action)))
    out.print(summary)
    for notice in plan.notices:
        out.print(f"note: {notice}", markup=False)
    for row in plan.rows:
        if row.action is RowAction.bad:
            out.print(f"row {row.row}: bad: {row.reason}", markup=False)
        elif row.action is RowAction.duplicate:
            out.print(f"row {row.row}: {row.name}: {row.reason}", markup=False)
        elif row.action is RowAction.choice:
            out.print(f"row {row.row}: {row.name}: choose: {row.reason}", markup=False)
        elif row.action is RowAction.change:
            changed = "; ".join(
                f"{key}: {old!r} -> {new!r}" for key, (old, new) in row.changes.items()
            )
            out.print(f"row {row.row}: {row.name}: change {changed}", markup=False)
        for note in row.notes:
            out.print(f"row {row.row}: note: {note}", markup=False)
    low = plan.low_precision
    if low:
        out.print(f"{len(low)} rows located only to their street or district:", markup=False)
        for row in low[:SHOWN_LOW]:
            out.print(f"row {row.row}: {row.name}: {row.precision_reason}", markup=False)
        if len(low) > SHOWN_LOW:
            out.print(f"… and {len(low) - SHOWN_LOW} more (--json lists every row)")
    if applied is None:
        out.print("nothing written")
    else:
        out.print("applied: " + ", ".join(f"{k}={v}" for k, v in applied.items()), markup=False)
