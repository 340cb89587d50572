"""Printing a status sheet's plan for a person at a terminal, or as JSON for a script."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from app.services.imports.status_plan import CellAction, StatusPlan


def _said(status: dict | None) -> str:
    if status is None:
        return "none"
    conditions = "+".join(status["conditions"])
    return status["state"] + (f" ({conditions})" if conditions else "")


def print_status_plan(
    plan: StatusPlan, applied: dict | None = None, *, as_json: bool = False
) -> None:
    """Counts, then every change, every cell not understood, every unmatched row."""
    if as_json:
        body = plan.to_dict() | {"applied": applied}
        print(json.dumps(body, ensure_ascii=False, indent=1, default=str))
        return
    out = Console(highlight=False, soft_wrap=True)
    summary = Table("cells", "count", title=f"{plan.filename} (statuses)")
    for key, value in plan.counts().items():
        summary.add_row(key, str(value))
    out.print(summary)
    for notice in plan.notices:
        out.print(f"note: {notice}", markup=False)
    for cell in plan.cells:
        where = f"row {cell.row}: {cell.name} {cell.service}"
        if not cell.reading.understood:
            out.print(f"{where}: not understood, kept as unknown: {cell.text!r}", markup=False)
        elif cell.action is CellAction.change:
            new = {"state": cell.reading.state, "conditions": cell.reading.conditions}
            out.print(f"{where}: {_said(cell.old)} -> {_said(new)}", markup=False)
        elif cell.reason:
            out.print(f"{where}: {cell.action.value}: {cell.reason}", markup=False)
    for row in plan.unmatched:
        closest = f" (closest: {', '.join(row.closest)})" if row.closest else ""
        out.print(f"row {row.row}: {row.reason}{closest}", markup=False)
    if applied is None:
        out.print("nothing written")
    else:
        out.print("applied: " + ", ".join(f"{k}={v}" for k, v in applied.items()), markup=False)
