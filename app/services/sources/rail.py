"""The guard rail of a source: what a file is compared with before it may change the map.

A file is compared with the last one applied: a column it lost (removed or renamed) fails
the run, since the rows would be read differently; a row it lost, or a share of changes
above the source's ``max_change``, holds the plan for a coordinator's review. A row is
known by its key: the cells of the columns that name what it is about (ref, name,
district, street, committee; a status sheet of one row per service adds the service).
"""

from __future__ import annotations

from app.domain.sources import GoodFile, Source, SourceKind
from app.services.imports.columns import HEADER_TO_FIELD, header_key
from app.services.imports.table import Table
from app.services.sources.kinds import SourcePlan

KEY_FIELDS = {
    SourceKind.hospitals: ("ref", "name", "district"),
    SourceKind.contacts: ("ref", "name", "district", "street", "committee"),
    SourceKind.statuses: ("ref", "name", "district", "services"),
}
SHOWN = 5
"""Names of lost columns or rows a message lists."""


def good_file(table: Table, kind: SourceKind) -> GoodFile:
    """The headers and row keys of a file, as kept once it is applied."""
    fields: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        fields.setdefault(HEADER_TO_FIELD.get(header_key(header), ""), index)
    columns = [fields[name] for name in KEY_FIELDS[kind] if name in fields] or [0]
    keys = {" | ".join(" ".join(row[i].split()) for i in columns) for _, row in table.rows}
    return GoodFile(tuple(table.headers), tuple(sorted(keys - {""})))


def lost_headers(good: GoodFile | None, new: GoodFile) -> str | None:
    """Why a file that lost columns of the last applied one fails, or None."""
    if good is None:
        return None
    lost = [header for header in good.headers if header not in set(new.headers)]
    if not lost:
        return None
    return (
        f"the file lost {len(lost)} column(s) of the last applied one ({_listed(lost)}): "
        "renamed or removed? Nothing was applied; if the change is meant, run the source "
        "accepting the new headers"
    )


def hold_reason(source: Source, new: GoodFile, plan: SourcePlan) -> str | None:
    """Why a run's plan is held for review instead of applied, or None."""
    if source.review:
        return "every run of this source is held for review"
    if source.good is not None:
        gone = sorted(set(source.good.keys) - set(new.keys))
        if gone:
            return f"{len(gone)} row(s) of the last applied file are gone: {_listed(gone)}"
    if plan.total and plan.changes / plan.total > source.max_change:
        share, limit = plan.changes / plan.total, source.max_change
        return (
            f"it would change {plan.changes} of {plan.total} ({share:.0%}), more than {limit:.0%}"
        )
    return None


def _listed(names: list[str]) -> str:
    shown = ", ".join(name[:40] for name in names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")
