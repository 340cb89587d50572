"""Planning an import: what each row would add, change or leave, and why rows are bad.

A row is matched to an existing resource of the same kind by its ``ref`` column, else
by name (or alias). New rows get a ref derived from district and name, so importing the
same file again matches every row and changes nothing. Only non-empty cells change
fields; a geocoded location replaces a stored one only when it is at least as precise.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from app.domain.records import ResourceUpdate
from app.geo.geocoders.chain import GeocoderChain
from app.services.address_learning import learn_imported
from app.services.imports.columns import ColumnMap, column_notices, map_columns
from app.services.imports.limits import ImportBudget
from app.services.imports.read import read_table
from app.services.imports.records import (
    REQUIRED_COLUMNS,
    ImportKind,
    ImportPlan,
    RowAction,
)
from app.services.imports.row_planner import RowPlanner
from app.services.imports.table import Table
from app.storage.errors import StorageError
from app.storage.port import Store

log = logging.getLogger("aidmap")

CONTACTS_ONLY = ("street", "committee")
"""Fields a contacts file locates its rows by; a hospital is located by its address."""


def check_columns(table: Table, kind: ImportKind, filename: str) -> ColumnMap:
    """The file's columns mapped to fields; ImportFileError when a required one is missing."""
    return map_columns(table.headers, REQUIRED_COLUMNS[ImportKind(kind)], filename)


def plan_import(
    store: Store,
    chain: GeocoderChain,
    table: Table,
    kind: str,
    filename: str,
    progress: Callable[[int, int], None] | None = None,
    seconds: float | None = None,
) -> ImportPlan:
    """Plan every row of ``table`` as resources of ``kind`` (hospitals or contacts); with
    ``seconds``, only the rows planned by then (the plan says it is truncated)."""
    kind = ImportKind(kind)
    columns = check_columns(table, kind, filename)
    planner = RowPlanner(store, chain, columns, table.headers, kind, filename)
    deadline = None if seconds is None else time.monotonic() + seconds
    plan = ImportPlan(filename, kind, [], list(table.notices), table.truncated, chain.index)
    ignored = CONTACTS_ONLY if kind is ImportKind.hospitals else ()
    plan.notices += column_notices(columns, ignored)
    if table.truncated:
        plan.notices.append(f"only the first {len(table.rows):,} rows were read")
    for done, (number, cells) in enumerate(table.rows, start=1):
        if deadline is not None and time.monotonic() > deadline:
            plan.truncated = True
            plan.notices.append(f"only the first {done - 1:,} rows were planned ({seconds:g} s)")
            break
        plan.rows.append(planner.plan_row(number, cells, table.oversized.get(number)))
        if progress:
            progress(done, len(table.rows))
    if planner.phones_questioned:
        plan.notices.append(
            f"phones questioned on {len(planner.phones_questioned)} rows (each row's notes say "
            f"which were dropped or read with a guess; the rows are imported): "
            f"{shown_rows(planner.phones_questioned)}"
        )
    return plan


def shown_rows(numbers: list[int], most: int = 50) -> str:
    """Row numbers for a message: the first ``most``, then an ellipsis."""
    return ", ".join(str(n) for n in numbers[:most]) + (" …" if len(numbers) > most else "")


def import_file(
    store: Store,
    chain: GeocoderChain,
    upload: tuple[bytes, str, str | None],
    kind: str,
    budget: ImportBudget,
    apply: bool = False,
    skip_bad_rows: bool = False,
) -> tuple[ImportPlan, dict[str, int] | None]:
    """Read an uploaded file (data, name, sheet) within ``budget``, plan it, and apply the
    plan when asked: the plan and what was written (None for a dry run)."""
    data, filename, sheet = upload
    table = read_table(data, filename, sheet, budget.read)
    plan = plan_import(store, chain, table, kind, filename, seconds=budget.seconds)
    return plan, apply_import(store, plan, skip_bad_rows) if apply else None


class ImportBlocked(Exception):
    """The plan has bad rows and the caller did not ask to skip them."""


def _learn(store: Store, plan: ImportPlan, written: tuple[list, list]) -> int:
    """Learn the written rows' addresses; a failure to is logged, the import stands."""
    if plan.index is None:
        return 0
    try:
        return learn_imported(store, plan.index, plan, written)
    except StorageError as exc:
        log.warning("%s imported, its addresses not learned: %s", plan.filename, exc)
        return 0


def apply_import(store: Store, plan: ImportPlan, skip_bad_rows: bool = False) -> dict[str, int]:
    """Write the plan's adds and changes in one transaction, then learn the addresses of
    rows the sheet or a provider placed at house level; counts of what was done (rows
    left to choose for are not written, and are counted)."""
    bad = plan.count(RowAction.bad)
    if plan.truncated:
        raise ImportBlocked("the plan does not cover every row: nothing was written")
    if bad and not skip_bad_rows:
        raise ImportBlocked(f"{bad} bad rows: nothing was written (fix them, or skip bad rows)")
    adds = [row.record for row in plan.rows if row.action is RowAction.add]
    updates = [
        ResourceUpdate(row.resource_id, row.expected_version, row.update)
        for row in plan.rows
        if row.action is RowAction.change
    ]
    written = store.apply_resource_changes(adds, updates)
    learned = _learn(store, plan, written)
    return {
        "added": len(adds),
        "changed": len(updates),
        "unchanged": plan.count(RowAction.unchanged),
        "duplicates_skipped": plan.count(RowAction.duplicate),
        "choices_left": plan.count(RowAction.choice),
        "bad_rows_skipped": bad,
        "addresses_learned": learned,
    }
