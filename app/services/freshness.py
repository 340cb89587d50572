"""Freshness of intake statuses: how old a fact is and whether it is stale."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.storage.base import IntakeStatus, State


def age_seconds(reported_at: datetime, now: datetime) -> int:
    """Whole seconds since the status was reported (never negative)."""
    return max(0, int((now - reported_at).total_seconds()))


def is_stale(reported_at: datetime, now: datetime, ttl_hours: float) -> bool:
    """True when the status is older than the deployment's time-to-live."""
    return now - reported_at > timedelta(hours=ttl_hours)


def checked_at(status: IntakeStatus) -> datetime:
    """When the status was last known true: its report, or a later verification."""
    if status.verified_at is not None and status.verified_at > status.reported_at:
        return status.verified_at
    return status.reported_at


def matches(
    status: IntakeStatus | None, states: set[State], fresh: bool, now: datetime, ttl: float
) -> bool:
    """True for a status in one of ``states`` (and not stale, when ``fresh`` is asked)."""
    if status is None or status.state not in states:
        return False
    return not (fresh and is_stale(checked_at(status), now, ttl))


def status_views(
    offered: tuple[str, ...],
    statuses: dict[str, IntakeStatus],
    now: datetime,
    ttl_hours: float,
) -> list[dict]:
    """One status per offered or reported service; never-reported ones are stale ``unknown``."""
    views = []
    for service in dict.fromkeys((*offered, *statuses)):
        status = statuses.get(service)
        if status is None:
            views.append(
                {"service": service, "state": State.unknown, "stale": True, "age_seconds": None}
            )
            continue
        views.append(
            {
                "service": service,
                "state": status.state,
                "conditions": list(status.conditions),
                "note": status.note,
                "source": status.source,
                "reported_by": status.reported_by,
                "reported_at": status.reported_at,
                "verified_by": status.verified_by,
                "verified_at": status.verified_at,
                "stale": is_stale(checked_at(status), now, ttl_hours),
                "age_seconds": age_seconds(checked_at(status), now),
            }
        )
    return views
