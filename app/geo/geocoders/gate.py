"""When an online provider may be asked: paced below its per-second allowance, and paused
after it refuses, then asked again once the pause ends (never switched off for good).

A rate limit pauses the provider for seconds (doubling while refusals continue), a spent
daily quota until it resets (Amap: midnight China time), a bad key or a timeout for a while.
A caller that must not wait (a public request) is refused at once when no slot is free now;
one that may (an import, in its own thread) sleeps up to ``wait_s`` for its slot. With
``shared`` slots (counted in the store), the pace holds for every worker and replica
together: a provider's per-second limit is per key, not per process.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Protocol

from app.geo.geocoders.base import Outcome

CHINA_TIME = timezone(timedelta(hours=8), "China time")
RATE_LIMIT_PAUSE_S = 2.0
"""The first pause after a rate limit; it doubles with each refusal in a row (refusals of
requests sent before the pause began count once)."""
MAX_RATE_LIMIT_PAUSE_S = 120.0
TIMEOUT_PAUSE_S = 10.0
"""After a timeout: a provider that is down should not cost every request its timeout."""
BAD_KEY_PAUSE_S = 600.0
"""After a bad key: a key fixed in the provider's console works again within minutes."""
QUOTA_PAUSE_S = 3600.0
"""After a spent quota whose reset time is unknown."""
MAX_PAUSE_S = 86_400.0
"""No Retry-After is believed beyond a day."""


@dataclass(frozen=True, slots=True)
class Pace:
    """How often a provider may be asked, and where its daily quota resets."""

    per_second: float
    daily_reset: tzinfo | None = None
    """The time zone whose midnight resets a spent daily quota; None: unknown."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a provider was not asked: ``kind`` for metrics, ``note`` for people."""

    kind: str
    note: str


class SharedSlots(Protocol):
    """A provider's slots counted where every process sees them (``StorePace``)."""

    def take(self, burst: int, window_s: float) -> float | None:
        """Take one of ``burst`` slots per ``window_s`` seconds: None when taken, else
        the seconds until one frees (nothing taken)."""


class ProviderGate:
    """One provider's pace and pauses, shared by every thread of the process (and its
    pace by every process, with ``shared``)."""

    def __init__(
        self,
        pace: Pace,
        *,
        shared: SharedSlots | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.pace, self._shared = pace, shared
        self._monotonic, self._now, self._sleep = monotonic, now, sleep
        self._burst = max(1, math.floor(pace.per_second))
        self._window = self._burst / pace.per_second
        self._slots: deque[float] = deque(maxlen=self._burst)
        """When the last ``burst`` requests were (or are to be) sent, in order."""
        self._paused_until = -math.inf
        self._paused_for = ""
        self._strikes = 0
        self._lock = threading.Lock()

    def admit(self, wait_s: float = 0.0) -> Refusal | None:
        """Take the next slot (sleeping up to ``wait_s`` for it); None when taken.

        At most ``burst`` slots fall within any ``window`` seconds, so the provider never
        sees more than ``per_second`` requests a second from this process, nor (with
        ``shared``) from all of them.
        """
        with self._lock:
            now = self._monotonic()
            slot = max(now, self._paused_until)
            if len(self._slots) == self._burst:
                slot = max(slot, self._slots[0] + self._window)
            if self._slots:
                slot = max(slot, self._slots[-1])
            if slot - now > wait_s:
                return self._refusal(now)
            self._slots.append(slot)
        if slot > now:
            self._sleep(slot - now)
        return self._take_shared(deadline=now + wait_s)

    def _take_shared(self, deadline: float) -> Refusal | None:
        """The process-wide slot is ours: take a shared one too, sleeping for it until
        ``deadline`` (monotonic) at the latest."""
        if self._shared is None:
            return None
        while (free_in := self._shared.take(self._burst, self._window)) is not None:
            if self._monotonic() + free_in > deadline:
                pace = f"{self.pace.per_second:g} a second"
                return Refusal("paced", f"paced at {pace} by every process, no slot free now")
            self._sleep(free_in)
        return None

    def record(self, outcome: Outcome, retry_after_s: float | None = None) -> None:
        """Pause after the provider refused or did not answer; a rate limit pauses for the
        provider's Retry-After when it gave one."""
        with self._lock:
            if outcome is not Outcome.rate_limited:
                self._strikes = 0
            if outcome is Outcome.rate_limited:
                if self._paused_until <= self._monotonic():  # not a refusal of the same burst
                    self._strikes += 1
                backoff = RATE_LIMIT_PAUSE_S * 2 ** (self._strikes - 1)
                self._pause(retry_after_s or min(backoff, MAX_RATE_LIMIT_PAUSE_S), outcome)
            elif outcome is Outcome.quota:
                self._pause(retry_after_s or self._until_quota_resets(), outcome)
            elif outcome is Outcome.bad_key:
                self._pause(BAD_KEY_PAUSE_S, outcome)
            elif outcome is Outcome.timeout:
                self._pause(TIMEOUT_PAUSE_S, outcome)

    def _pause(self, seconds: float, outcome: Outcome) -> None:
        until = self._monotonic() + min(max(seconds, 0.0), MAX_PAUSE_S)
        if until > self._paused_until:
            self._paused_until, self._paused_for = until, outcome.value

    def _until_quota_resets(self) -> float:
        """Seconds until the next midnight where the daily quota resets."""
        if self.pace.daily_reset is None:
            return QUOTA_PAUSE_S
        local = self._now().astimezone(self.pace.daily_reset)
        midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return (midnight - local).total_seconds()

    def _refusal(self, now: float) -> Refusal:
        if self._paused_until > now:
            left = _duration(self._paused_until - now)
            return Refusal("paused", f"{self._paused_for}, paused for another {left}")
        return Refusal("paced", f"paced at {self.pace.per_second:g} a second, no slot free now")


def _duration(seconds: float) -> str:
    """``3 s``, ``12 min`` or ``5 h``, rounded up."""
    if seconds < 120:
        return f"{math.ceil(seconds)} s"
    if seconds < 7200:
        return f"{math.ceil(seconds / 60)} min"
    return f"{math.ceil(seconds / 3600)} h"
