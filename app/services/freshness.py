"""Freshness of intake statuses: how old a fact is and whether it is stale."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from app.core.text import clean_optional, clean_text
from app.domain.statuses import IntakeStatus, State


def age_seconds(reported_at: datetime, now: datetime) -> int:
    """Whole seconds since the status was reported (never negative)."""
    return max(0, int((now - reported_at).total_seconds()))


def is_stale(reported_at: datetime, now: datetime, ttl_hours: float) -> bool:
    """True when the status is older than the deployment's time-to-live."""
    return now - reported_at > timedelta(hours=ttl_hours)


def checked_at(status: IntakeStatus) -> datetime:
    """When the status was last known true: its report, or a later verification."""
    return status.checked_at


def matches(
    status: IntakeStatus | None, states: set[State], fresh: bool, now: datetime, ttl: float
) -> bool:
    """True for a status in one of ``states`` (and not stale, when ``fresh`` is asked)."""
    if status is None or status.state not in states:
        return False
    return not (fresh and is_stale(checked_at(status), now, ttl))


def status_dicts(
    offered: tuple[str, ...],
    statuses: Mapping[str, IntakeStatus],
    now: datetime,
    ttl_hours: float,
    *,
    names: bool = False,
) -> list[dict]:
    """One status per offered or reported service; never-reported ones are stale ``unknown``.

    The public learns that a volunteer reported or verified a status, and when; who did
    (``reported_by``, ``verified_by``) only with ``names``, for signed-in callers.
    """
    views = []
    for service in dict.fromkeys((*offered, *statuses)):
        status = statuses.get(service)
        if status is None:
            views.append(
                {"service": service, "state": State.unknown, "verified": False, "stale": True,
                 "age_seconds": None}
            )  # fmt: skip
            continue
        view = {
            "service": service,
            "state": status.state,
            "conditions": list(status.conditions),
            "note": status.note,
            "source": status.source,
            "reported_at": status.reported_at,
            "verified": status.verified_at is not None,
            "verified_at": status.verified_at,
            "stale": is_stale(status.checked_at, now, ttl_hours),
            "age_seconds": age_seconds(status.checked_at, now),
        }
        if names:
            view["reported_by"] = clean_text(status.reported_by)
            view["verified_by"] = clean_optional(status.verified_by)
        views.append(view)
    return views
