"""Whether a public problem report is still open: the public flag "a problem was reported
and is being checked". Only the time is ever shown: the report's text is unverified words
of a stranger and stays with the volunteers (the verification queue)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from app.domain.records import ProblemReport, ResourceView
from app.services.status import check_offered
from app.services.vocabulary import service_code
from app.storage.errors import NotFound
from app.storage.port import AccessStore, Store


def file_report(store: Store, resource_id: int, service: str | None, text: str) -> ProblemReport:
    """Store a public report. One about a service names it by code or name, and the resource
    must list it (``ServiceNotOffered`` otherwise): no volunteer's check could ever answer a
    report about care the resource does not give, so it would stay open for good."""
    resource = store.get_resource(resource_id)
    if service is not None:
        code = service_code(store.list_services(), service)
        if code is None:
            raise NotFound(f"no service {service!r}; see /api/v1/services")
        check_offered(resource, code)
        service = code
    return store.add_problem_report(resource_id, service, text)


def open_problem_at(view: ResourceView, reported: Mapping[str | None, datetime]) -> datetime | None:
    """When the newest report not yet answered by a check was made, or None.

    A report about one service is answered by a later check (report or verification) of
    that service's status; one about the resource as a whole (no service) by a later
    check of any of its statuses. A report about a service the resource neither lists nor
    has a status for (filed before reports were checked, or the service was removed since)
    is not counted: no check could answer it, and the verification queue lists the same."""
    checks = {service: status.checked_at for service, status in view.statuses.items()}
    return unanswered_since(view.resource.services, checks, reported)


def unanswered_since(
    offered: Sequence[str], checks: Mapping[str, datetime], reported: Mapping[str | None, datetime]
) -> datetime | None:
    """``open_problem_at`` from the services a resource lists and when each of its
    statuses was last checked."""
    last_check = max(checks.values(), default=None)
    answerable = {*offered, *checks}
    waiting = [
        at
        for service, at in reported.items()
        if service is None or service in answerable
        if (checked := last_check if service is None else checks.get(service)) is None
        or at > checked
    ]
    return max(waiting, default=None)


def open_problems(store: AccessStore, views: Sequence[ResourceView]) -> dict[int, datetime]:
    """``open_problem_at`` for each of these resources that has an open report."""
    times = store.problem_report_times([v.resource.id for v in views])
    found = {}
    for view in views:
        at = open_problem_at(view, times.get(view.resource.id, {}))
        if at is not None:
            found[view.resource.id] = at
    return found
