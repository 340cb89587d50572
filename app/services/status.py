"""Status rules: who may verify, when a report may be dated, batches (the queue of calls:
``app.services.queue``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.enums import Role, WriteSource
from app.domain.records import Resource, Token
from app.domain.statuses import State, StatusChange, StatusReport, is_late, not_offered
from app.storage.port import Store

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future a volunteer's clock may be before ``reported_at`` is refused; a
time within it is filed as now (nothing is checked in the future)."""
MAX_REPORT_AGE = timedelta(days=3)
"""How old a report may be when filed: notes from a phone that was offline over a weekend
still arrive; older ones are not news about intake (and a wrong year is caught)."""


class StatusRuleError(ValueError):
    """A report breaks a rule (a volunteer verifying, a time outside the bounds)."""


class VerifyNotAllowed(StatusRuleError):
    """Only verifiers may mark a report verified."""


class ServiceNotOffered(StatusRuleError):
    """A status for a service the resource does not list: it would rank a hospital for
    care it does not give (a children's hospital second for dialysis)."""


def check_offered(resource: Resource, service: str) -> None:
    """ServiceNotOffered unless ``resource`` lists ``service``."""
    if service not in resource.services:
        raise ServiceNotOffered(not_offered(resource.id, service, resource.services))


def make_report(
    token: Token,
    state: State,
    conditions: list[str],
    note: str | None,
    source: str | None,
    verified: bool,
    reported_at: datetime | None,
    now: datetime,
    via: WriteSource = WriteSource.api,
) -> StatusReport:
    """The report a token files; verifiers may verify it in the same call."""
    if verified and not token.role.allows(Role.verifier):
        raise VerifyNotAllowed("only verifiers may set verified: true")
    if reported_at is not None:
        reported_at = _report_time(reported_at, now)
    return StatusReport(
        state=state,
        reported_by=token.name,
        conditions=tuple(conditions),
        note=note,
        source=source,
        verified_by=token.name if verified else None,
        reported_at=reported_at,
        via=via,
    )


def _report_time(reported_at: datetime, now: datetime) -> datetime:
    """``reported_at`` if it is a time a report may carry, no later than now. Compared as
    given, before any conversion: year 1 at +14:00 has no UTC form."""
    if reported_at.tzinfo is None:
        raise StatusRuleError("reported_at needs a time zone (e.g. +08:00 or Z)")
    if reported_at > now + CLOCK_SKEW:
        raise StatusRuleError("reported_at is in the future")
    if reported_at < now - MAX_REPORT_AGE:
        days = MAX_REPORT_AGE.days
        raise StatusRuleError(f"reported_at is more than {days} days ago: too old to file")
    return min(reported_at, now)


@dataclass(frozen=True, slots=True)
class BatchCheck:
    """Whether one batch item can be applied, and why not."""

    change: StatusChange
    error: str | None
    current_version: int | None = None
    """For a version conflict: the version the item should have expected, the resource's
    as the items before it leave it (were they all applied)."""


def version_conflict(change: StatusChange, current: int) -> BatchCheck:
    """The check of an item that expected another version than ``current``."""
    message = (
        f"version conflict: current version is {current} as the items before this one "
        f"leave the resource; this item expected {change.expected_version}"
    )
    return BatchCheck(change, message, current)


def check_batch(store: Store, changes: list[StatusChange], now: datetime) -> list[BatchCheck]:
    """Each item checked as the same PUTs with If-Match would be, in order: against the
    version and status the items before it leave (from one snapshot of the store)."""
    services = {s.code for s in store.list_services()}
    ids = sorted({c.resource_id for c in changes})
    views = store.view_resources(ids=ids, limit=len(ids))
    versions = {v.resource.id: v.resource.version for v in views}
    resources = {v.resource.id: v.resource for v in views}
    checked = {(v.resource.id, s.service): s.checked_at for v in views for s in v.statuses.values()}
    checks = []
    for change in changes:
        key, report = (change.resource_id, change.service), change.report
        if change.resource_id not in versions:
            checks.append(BatchCheck(change, f"no resource {change.resource_id}"))
            continue
        if change.service not in services:
            checks.append(BatchCheck(change, f"no service {change.service!r}"))
            continue
        try:
            check_offered(resources[change.resource_id], change.service)
        except ServiceNotOffered as exc:
            checks.append(BatchCheck(change, str(exc)))
            continue
        current = versions[change.resource_id]
        ok = current == change.expected_version
        checks.append(BatchCheck(change, None) if ok else version_conflict(change, current))
        if not is_late(report.reported_at, checked.get(key)):  # it becomes current
            versions[change.resource_id] = current + 1
            fresh = report.reported_at is None or report.verified_by is not None
            checked[key] = now if fresh else report.reported_at
    return checks
