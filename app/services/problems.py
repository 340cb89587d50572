"""Whether a public problem report is still open: the public flag "a problem was reported
and is being checked". Only the time is ever shown: the report's text is unverified words
of a stranger and stays with the volunteers (the verification queue)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from app.domain.records import ResourceView
from app.storage.port import AccessStore


def open_problem_at(view: ResourceView, reported: Mapping[str | None, datetime]) -> datetime | None:
    """When the newest report not yet answered by a check was made, or None.

    A report about one service is answered by a later check (report or verification) of
    that service's status; one about the resource as a whole (no service) by a later
    check of any of its statuses."""
    checks = {service: status.checked_at for service, status in view.statuses.items()}
    last_check = max(checks.values(), default=None)
    waiting = [
        at
        for service, at in reported.items()
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
