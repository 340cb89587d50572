"""The public's view of help requests: counts by state, service, district and street, the
share resolved, the median wait for a first contact. No cell of a place or a service with
fewer than ``MIN_CELL`` requests is shown (nor a median of fewer waits): a count of 1 next
to a street and a service could point at a person, and a service's count going from 0 to 1
as a street's grows says what that street's newcomer needs."""

from __future__ import annotations

import statistics
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from app.domain.help import HelpCount, HelpState
from app.domain.records import AdminUnit
from app.models import HelpStats, StatsCell
from app.storage.port import HelpStore

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
        total=total, by_state=dict(states),
        by_service={code: n for code, n in services.most_common() if n >= MIN_CELL},
        by_district=_cells(districts, units), streets=_cells(streets, units),
        resolution_share=round(states[HelpState.resolved.value] / total, 4) if total else None,
        median_minutes_to_contact=(
            round(statistics.median(contact_seconds) / 60, 1) if enough else None
        ),
    )  # fmt: skip


class KeptStats:
    """The public aggregates, made again only when the help history has moved on: they are
    public and unthrottled, and making them reads every request (~0.3 s at 100,000), so a
    stranger asking in a loop now costs an indexed read each, while each change still
    shows at once. One per app (``AppContext``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: tuple[int, Mapping[int, AdminUnit], HelpStats] | None = None

    def stats(self, store: HelpStore, units: Mapping[int, AdminUnit]) -> HelpStats:
        """The aggregates as of now (``units`` names the places)."""
        mark = store.help_history_mark()
        found = self._found(mark, units)
        if found is not None:
            return found
        with self._lock:  # one making at a time: those waiting then find it made
            found = self._found(mark, units)
            if found is None:  # made after reading the mark: never older than it
                found = help_stats(store.help_counts(), store.help_contact_seconds(), units)
                self._kept = (mark, units, found)
            return found

    def _found(self, mark: int, units: Mapping[int, AdminUnit]) -> HelpStats | None:
        kept = self._kept
        if kept is not None and kept[0] == mark and kept[1] is units:
            return kept[2]
        return None
