"""What a nearest filter knows of each resource besides its status: its district, whether
it has a phone, which services it offers. Arrays by resource id, built with the kind's
index (off the event loop), so a filter over candidates is a few array lookups."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from app.domain.records import Resource


class ResourceFacts:
    """Per-id facts of one kind's resources (ids past the end know nothing)."""

    def __init__(self, resources: Mapping[int, Resource]) -> None:
        size = max(resources, default=0) + 1
        self.district = np.full(size, -1, dtype=np.int64)
        self.phones = np.zeros(size, dtype=bool)
        self.offered: dict[str, np.ndarray] = {}
        for rid, resource in resources.items():
            self.district[rid] = resource.district_id if resource.district_id is not None else -1
            self.phones[rid] = bool(resource.phones)
            for service in resource.services:
                if service not in self.offered:
                    self.offered[service] = np.zeros(size, dtype=bool)
                self.offered[service][rid] = True

    def accept(
        self, ids: np.ndarray, *, offers: str | None, district_id: int | None, phones: bool
    ) -> np.ndarray:
        """Which of ``ids`` offer ``offers`` (a service code), lie in ``district_id`` and
        have a phone, as far as each is asked (None/False: not asked)."""
        inside = ids < len(self.district)
        safe = np.where(inside, ids, 0)
        ok = inside.copy()
        if offers is not None:
            offered = self.offered.get(offers)
            ok &= offered[safe] if offered is not None else False
        if district_id is not None:
            ok &= self.district[safe] == district_id
        if phones:
            ok &= self.phones[safe]
        return ok


def resource_accepts(
    resource: Resource, *, offers: str | None, district_id: int | None, phones: bool
) -> bool:
    """``ResourceFacts.accept`` for one resource (the database path, which has no arrays)."""
    if offers is not None and offers not in resource.services:
        return False
    if district_id is not None and resource.district_id != district_id:
        return False
    return not (phones and not resource.phones)
