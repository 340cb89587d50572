"""Planning one spreadsheet row: locate it (``row_location``), match it to a stored
resource and catch duplicates (``row_identity``), diff it (``row_diff``), against the
store as it was when the plan started."""

from __future__ import annotations

from typing import Any

from app.domain.records import NewResource
from app.geo.geocoders.chain import GeocoderChain
from app.services.imports.cells import (
    CellError,
    check_sizes,
    normalise_spaces,
    parse_services,
    split_list,
)
from app.services.imports.columns import ColumnMap
from app.services.imports.records import KINDS, RowAction, RowPlan
from app.services.imports.row_diff import MAX_NAME_CHARS, diff_row
from app.services.imports.row_identity import Choice, Existing, Refs, Seen, choices_for
from app.services.imports.row_location import Located, RowLocator, Value, unit_name
from app.services.phones import read_phones
from app.storage.port import Store


class RowPlanner:
    """Plans the rows of one file, remembering earlier rows for duplicates and refs."""

    def __init__(
        self,
        store: Store,
        chain: GeocoderChain,
        columns: ColumnMap,
        headers: list[str],
        kind: str,
        filename: str,
    ) -> None:
        self.columns, self.headers = columns, headers
        self.kind, self.resource_kind, self.filename = kind, KINDS[kind], filename
        self.locator = RowLocator(chain, kind)
        self.services = store.list_services()
        everything = list(store.iter_resources())
        stored = [r for r in everything if r.kind == self.resource_kind]
        self.refs = Refs(
            self.resource_kind,
            {r.ref for r in everything if r.ref and r.kind != self.resource_kind},
        )
        self.existing = Existing(stored, units=kind == "contacts")
        self.seen = Seen(stored, units=kind == "contacts")
        self.claimed: dict[int, int] = {}
        self.phones_questioned: list[int] = []
        """Rows with a phone dropped or read with a guess (each row's notes say which)."""

    def plan_row(
        self, number: int, cells: list[str], oversized: tuple[int, int] | None = None
    ) -> RowPlan:
        """The plan for one row (its number as the spreadsheet shows it); ``oversized``:
        the column and true length of a cell the reader cut to ``MAX_CELL_CHARS``."""
        value = lambda name: self.columns.value(cells, name).strip()  # noqa: E731
        name = normalise_spaces(value("name"))[:MAX_NAME_CHARS]
        try:
            extra = [cell for cell in cells[len(self.headers) :] if cell.strip()]
            if extra:
                raise CellError(
                    f"{len(self.headers) + len(extra)} cells, the header has "
                    f"{len(self.headers)}: an unquoted comma?"
                )
            check_sizes(self.headers, cells[: len(self.headers)], oversized)
            located = self.locator.locate(value, name)
            if self.kind == "contacts":
                name = name or unit_name(located)
            if not name:
                raise CellError("no name")
            attributes = {
                header: cells[i].strip()
                for header, i in self.columns.attributes.items()
                if cells[i].strip()
            }
            phones = read_phones(value("phones"))
            fields = self._fields(value, name, located, number, attributes, phones.numbers)
        except CellError as exc:
            return RowPlan(row=number, action=RowAction.bad, name=name, reason=str(exc))
        plan = RowPlan(
            row=number,
            action=RowAction.add,
            name=name,
            precision=located.precision,
            precision_reason=located.reason,
            confidence=located.confidence,
            located_by=located.located_by,
            notes=located.notes + phones.warnings(),
        )
        if phones.warnings():
            self.phones_questioned.append(number)
        return self._identify(plan, value("ref"), fields, located)

    def _identify(
        self, plan: RowPlan, given_ref: str, fields: dict[str, Any], located: Located
    ) -> RowPlan:
        """The row as an add, a change (or none) of the stored resource it is, a duplicate,
        or a choice between stored resources and a new one (see ``row_identity``)."""
        name, number = fields["name"], plan.row
        ref = given_ref or self.refs.derived(located, name)
        existing, by_ref = self.existing.match(ref, name, fields["district_id"])
        choices, picked = [], None
        if existing is None and not given_ref:  # a ref of its own: a new one, as asked
            unit = self.seen.unit_of(located)
            choices, picked = choices_for(self.existing, fields, located, unit, self.claimed)
            existing = picked.resource if picked else None
        duplicate = self.seen.duplicate_of(name, located, existing)
        if existing is not None and existing.id in self.claimed:
            duplicate = f"row {self.claimed[existing.id]} (same resource)"
        if duplicate:
            plan.action, plan.reason = RowAction.duplicate, f"duplicate of {duplicate}"
            return plan
        plan.candidates = [choice.to_dict(choice is picked) for choice in choices]
        if choices and picked is None:
            plan.action, plan.reason = RowAction.choice, self._choice_reason(choices)
            return plan
        clash = self.refs.clash(ref, number, bool(given_ref))
        if clash:
            plan.action, plan.reason = RowAction.bad, clash
            return plan
        plan.notes += self.seen.phone_notes(fields["phones"], located, existing)
        self.seen.remember(
            name, (located.lon, located.lat), fields["phones"], f"row {number} ({name})",
            existing.id if existing else None, self.seen.unit_of(located),
        )  # fmt: skip
        if existing is None:
            plan.record = NewResource(kind=self.resource_kind, ref=ref, **fields)
            return plan
        self.claimed[existing.id] = number
        if picked is not None:
            others = "; ".join(c.label for c in choices if c is not picked)
            plan.notes.append(
                f"matched to {picked.label}"
                + (f"; also possible: {others}" if others else "")
                + "; a ref column chooses otherwise"
            )
        return diff_row(plan, existing, fields, located, by_ref)

    def _choice_reason(self, choices: list[Choice]) -> str:
        """What a row to choose for may be, and how a person says which."""
        new = "a new hospital" if self.resource_kind == "hospital" else "a new office"
        refs = ", ".join(c.resource.ref for c in choices if c.resource.ref)
        how = f"its stored ref ({refs}) to update it" if refs else "a stored ref to update it"
        return (
            f"may be {'; or '.join(c.label for c in choices)}; or {new}: not written until "
            f"a ref column says which ({how}, a new ref to add it)"
        )

    def _fields(
        self,
        value: Value,
        name: str,
        located: Located,
        number: int,
        attributes: dict[str, str],
        phones: tuple[str, ...],
    ) -> dict[str, Any]:
        return {
            "name": name,
            "name_en": value("name_en") or None,
            "aliases": split_list(value("aliases")),
            "address": normalise_spaces(value("address")) or None,
            "phones": phones,
            "services": parse_services(value("services"), self.services),
            "district_id": located.district.id if located.district else None,
            "street_id": located.street.id if located.street else None,
            "committee_id": located.committee.id if located.committee else None,
            "lon": located.lon,
            "lat": located.lat,
            "precision": located.precision,
            "source_crs": located.source_crs,
            "source": f"import {self.filename} row {number}",
            "attributes": attributes,
        }
