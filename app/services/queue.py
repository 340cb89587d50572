"""The call queue (核实队列): what most needs a volunteer's call or a look at the map, and
what a card shows about it.

Order: open problem reports first; then fresh reports nobody verified yet (a volunteer's
word waiting for a second look); then statuses never reported, then never verified; then
hospitals whose point nobody confirmed (coarser precision first); then the oldest checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum

from app.domain.enums import Kind
from app.domain.records import ProblemReport, ResourceView
from app.domain.statuses import IntakeStatus
from app.services.freshness import age_seconds, checked_at
from app.storage.port import Store


class Reason(IntEnum):
    """Why an entry is in the queue, most urgent first; ``label`` is what the API says."""

    reported_problem = 0
    fresh_report = 1
    never_reported = 2
    never_verified = 3
    location_unverified = 4
    oldest_check = 5

    @property
    def label(self) -> str:
        """The reason as words (``reported problem``)."""
        return self.name.replace("_", " ")


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A status (or, with ``service`` None, a location) to check, and why."""

    view: ResourceView
    service: str | None
    status: IntakeStatus | None
    reason: Reason
    reports: list[ProblemReport]
    checked: datetime | None


Reports = dict[tuple[int, str | None], list[ProblemReport]]
"""Open problem reports by (resource id, service or None for the whole resource)."""


def verification_queue(
    store: Store, now: datetime, ttl_hours: float, service: str | None = None
) -> list[QueueEntry]:
    """Every hospital status (of ``service``, when given) and unconfirmed location, most
    urgent first (see the module's docstring)."""
    views = [
        v
        for v in store.iter_views(kind=Kind.hospital)
        if service is None or service in v.resource.services or service in v.statuses
    ]
    reports: Reports = {}
    for report in store.list_problem_reports([v.resource.id for v in views]):
        reports.setdefault((report.resource_id, report.service), []).append(report)
    fresh_since = now - timedelta(hours=ttl_hours)
    entries = []
    for view in views:
        codes = dict.fromkeys((*view.resource.services, *view.statuses))
        for code in codes if service is None else [service]:
            entries.append(_status_entry(view, code, reports, fresh_since))
        if not view.resource.location_verified:
            entries.append(_location_entry(view, reports))
    epoch = datetime.min.replace(tzinfo=now.tzinfo)
    entries.sort(
        key=lambda e: (
            e.reason,
            -e.view.resource.precision.rank if e.service is None else 0,
            e.checked or epoch,
            e.view.resource.id,
            e.service or "",
        )
    )
    return entries


def _status_entry(
    view: ResourceView, code: str, reports: Reports, fresh_since: datetime
) -> QueueEntry:
    """The entry of one service's status, with the reports made since its last check."""
    rid, status = view.resource.id, view.statuses.get(code)
    checked = checked_at(status) if status else None
    problems = [
        r
        for key in ((rid, code), (rid, None))
        for r in reports.get(key, [])
        if checked is None or r.created_at > checked
    ]
    reason = _status_reason(status, problems, fresh_since)
    return QueueEntry(view, code, status, reason, problems, checked)


def _location_entry(view: ResourceView, reports: Reports) -> QueueEntry:
    """The entry of an unconfirmed point, with the whole-hospital reports since any check
    (such a report already puts the status entries first)."""
    last = max((checked_at(s) for s in view.statuses.values()), default=None)
    whole = [
        r for r in reports.get((view.resource.id, None), []) if last is None or r.created_at > last
    ]
    return QueueEntry(view, None, None, Reason.location_unverified, whole, None)


def _status_reason(
    status: IntakeStatus | None, problems: list[ProblemReport], fresh_since: datetime
) -> Reason:
    if problems:
        return Reason.reported_problem
    if status is None:
        return Reason.never_reported
    verified = status.verified_at is not None and status.verified_at >= status.reported_at
    if not verified:
        return Reason.fresh_report if status.reported_at >= fresh_since else Reason.never_verified
    return Reason.oldest_check


def queue_age(entry: QueueEntry, now: datetime) -> int | None:
    """Seconds since the entry's status was last checked."""
    return age_seconds(entry.checked, now) if entry.checked else None
