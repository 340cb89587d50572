"""A provider's gate on a hand-moved clock: paced under its rate, paused after refusals for
as long as each kind of refusal lasts, and always open again afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.geo.geocoders.base import Outcome
from app.geo.geocoders.gate import (
    BAD_KEY_PAUSE_S,
    CHINA_TIME,
    QUOTA_PAUSE_S,
    RATE_LIMIT_PAUSE_S,
    TIMEOUT_PAUSE_S,
    Pace,
    ProviderGate,
)


class FakeTime:
    """A monotonic clock, a wall clock and a sleep that only move when told."""

    def __init__(self, wall: datetime) -> None:
        self.t, self.wall, self.slept = 1000.0, wall, 0.0

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.wall + timedelta(seconds=self.t - 1000.0)

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.t += seconds


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime(datetime(2022, 4, 12, 6, 0, tzinfo=UTC))


def gate(clock: FakeTime, per_second: float = 3, daily_reset=None) -> ProviderGate:
    return ProviderGate(
        Pace(per_second, daily_reset),
        monotonic=clock.monotonic,
        now=clock.now,
        sleep=clock.sleep,
    )


def test_requests_get_at_most_the_pace_in_any_second_and_never_wait(clock):
    paced = gate(clock, per_second=3)
    admitted = []
    for _ in range(40):  # every 0.1 s for 4 s
        if paced.admit() is None:
            admitted.append(clock.t)
        clock.t += 0.1
    assert clock.slept == 0
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(admitted, admitted[3:], strict=False))
    assert len(admitted) == 12
    refusal = gate(clock, per_second=1)
    refusal.admit()
    assert refusal.admit().kind == "paced"


def test_a_fractional_pace_spaces_single_requests(clock):
    slow = gate(clock, per_second=0.5)
    assert slow.admit() is None
    clock.t += 1.9
    assert slow.admit() is not None
    clock.t += 0.1
    assert slow.admit() is None


def test_an_import_waits_for_its_slot_in_its_own_thread(clock):
    nominatim = gate(clock, per_second=1)
    for _ in range(3):
        assert nominatim.admit(wait_s=5) is None
    assert clock.slept == pytest.approx(2.0)


def test_a_rate_limit_pauses_for_seconds_doubling_then_resets(clock):
    amap = gate(clock, per_second=100)
    amap.record(Outcome.rate_limited)
    amap.record(Outcome.rate_limited)  # another request of the same burst: the pause does not grow
    refusal = amap.admit()
    assert refusal.kind == "paused" and refusal.note == "rate_limited, paused for another 2 s"
    clock.t += RATE_LIMIT_PAUSE_S
    assert amap.admit() is None
    amap.record(Outcome.rate_limited)  # a second refusal in a row: twice as long
    clock.t += RATE_LIMIT_PAUSE_S
    assert amap.admit() is not None
    clock.t += RATE_LIMIT_PAUSE_S
    assert amap.admit() is None
    amap.record(Outcome.found)
    amap.record(Outcome.rate_limited)  # the streak was broken: back to the first pause
    clock.t += RATE_LIMIT_PAUSE_S
    assert amap.admit() is None


def test_a_retry_after_is_honoured(clock):
    nominatim = gate(clock, per_second=1)
    nominatim.record(Outcome.rate_limited, retry_after_s=60)
    clock.t += 59
    assert nominatim.admit() is not None
    clock.t += 1
    assert nominatim.admit() is None


def test_a_spent_daily_quota_pauses_until_midnight_china_time(clock):
    clock.wall = datetime(2022, 4, 12, 23, 50, tzinfo=CHINA_TIME)
    amap = gate(clock, daily_reset=CHINA_TIME)
    amap.record(Outcome.quota)
    clock.t += 9 * 60
    refusal = amap.admit()
    assert refusal.note == "quota, paused for another 60 s"
    clock.t += 60
    assert amap.admit() is None


@pytest.mark.parametrize(
    ("outcome", "pause_s"),
    [
        (Outcome.rate_limited, RATE_LIMIT_PAUSE_S),
        (Outcome.quota, QUOTA_PAUSE_S),
        (Outcome.bad_key, BAD_KEY_PAUSE_S),
        (Outcome.timeout, TIMEOUT_PAUSE_S),
        (Outcome.error, 0.0),
        (Outcome.not_found, 0.0),
    ],
)
def test_every_refusal_ends(clock, outcome, pause_s):
    provider = gate(clock)
    provider.record(outcome)
    if pause_s:
        clock.t += pause_s - 0.5
        assert provider.admit().kind == "paused"
    clock.t += 0.5
    assert provider.admit() is None


def test_an_import_does_not_wait_out_a_long_pause(clock):
    amap = gate(clock)
    amap.record(Outcome.bad_key)
    assert amap.admit(wait_s=5).kind == "paused" and clock.slept == 0
    amap.record(Outcome.found)
    clock.t += BAD_KEY_PAUSE_S
    assert amap.admit(wait_s=5) is None
