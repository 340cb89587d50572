"""The public's view of help requests: counts by state, service, district and street, the
share resolved, the median wait for a first contact. No cell of a place with fewer than
``MIN_CELL`` requests is shown (nor a median of fewer waits): a count of 1 next to a street
and a service could point at a person."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from app.domain.help import HelpCount, HelpState
from app.domain.records import AdminUnit
from app.models import HelpStats, StatsCell

MIN_CELL = 5


def _cells(counts: Counter, units: Mapping[int, AdminUnit]) -> list[StatsCell]:
    cells = [
        StatsCell(id=unit_id, name=units[unit_id].name if unit_id in units else None, count=n)
        for unit_id, n in counts.items()
        if n >= MIN_CELL
    ]
    return sorted(cells, key=lambda cell: (-cell.count, cell.id or 0))


def help_stats(
    counts: Iterable[HelpCount], contact_seconds: Sequence[float], units: Mapping[int, AdminUnit]
) -> HelpStats:
    """The aggregates of these counts (from ``HelpStore.help_counts``)."""
    states: Counter = Counter(dict.fromkeys(HelpState.__members__, 0))
    services: Counter = Counter()
    districts: Counter = Counter()
    streets: Counter = Counter()
    for cell in counts:
        states[cell.state.value] += cell.count
        services[cell.service] += cell.count
        districts[cell.district_id] += cell.count
        if cell.street_id is not None:
            streets[cell.street_id] += cell.count
    total = sum(states.values())
    enough = len(contact_seconds) >= MIN_CELL
    return HelpStats(
        total=total, by_state=dict(states), by_service=dict(services.most_common()),
        by_district=_cells(districts, units), streets=_cells(streets, units),
        resolution_share=round(states[HelpState.resolved.value] / total, 4) if total else None,
        median_minutes_to_contact=(
            round(statistics.median(contact_seconds) / 60, 1) if enough else None
        ),
    )  # fmt: skip
