"""The server's hourly upkeep of help requests on a real SQLite store: urgency follows
Shanghai's date (a request waiting overnight becomes critical without anyone touching it),
finished requests past retention are erased, and the loop stops when asked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from app.domain.enums import Precision
from app.domain.help import CloseReason, HelpMove, HelpState, NewHelpRequest, Urgency
from app.services.help.upkeep import HelpUpkeep, reassess
from app.storage.port import Store

NOW = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
DAY = timedelta(days=1)


def _ask(store: Store, secret: str, phone: str, service: str, answers: dict, urgency: Urgency,
         why: tuple[str, ...]) -> int:  # fmt: skip
    new = NewHelpRequest(
        service=service, answers=answers, urgency=urgency, urgency_why=why, district_id=None,
        street_id=None, committee_id=None, lon=121.47, lat=31.23, precision=Precision.exact,
        phone=phone, name=None, text=None, consent_at=NOW,
    )  # fmt: skip
    return store.add_help_request(new, secret * 64, NOW, NOW - DAY).request.id


def test_urgency_follows_the_date(store: Store):
    dialysis = _ask(store, "a", "13800000001", "dialysis", {"last_session": "2024-04-29"},
                    Urgency.high, ("dialysis_2_days",))  # fmt: skip
    maternity = _ask(store, "b", "13800000002", "maternity", {"weeks": 30}, Urgency.medium,
                     ("maternity",))  # fmt: skip
    assert reassess(store, NOW.date()) == 0  # as assessed at intake
    assert reassess(store, (NOW + DAY).date()) == 1
    later = store.get_help_request(dialysis)
    assert (later.urgency, later.urgency_why) == (Urgency.critical, ("dialysis_3_days",))
    assert store.get_help_request(maternity).urgency is Urgency.medium


def test_a_round_reassesses_then_purges_and_the_loop_stops_when_closed(store: Store):
    waiting = _ask(store, "a", "13800000001", "oncology", {"due_date": "2024-05-10"},
                   Urgency.medium, ("oncology",))  # fmt: skip
    done = _ask(store, "b", "13800000002", "other", {"need": "胰岛素"}, Urgency.normal, ())
    store.claim_help_request(done, "王阿姨", "token:王", NOW, NOW - DAY)
    store.move_help_request(done, HelpState.claimed, None, HelpMove(
        state=HelpState.closed, reason=CloseReason.referred, by="王阿姨", by_key="token:王",
        at=NOW))  # fmt: skip
    clock = [NOW + timedelta(days=8)]  # due within 3 days; closed 8 days ago
    upkeep = HelpUpkeep(store, lambda: clock[0], retention=timedelta(days=30))
    assert upkeep.round() == (1, 0)
    assert store.get_help_request(waiting).urgency is Urgency.high
    clock[0] = NOW + timedelta(days=31)

    async def run() -> None:
        upkeep.start(first_after_s=0)
        for _ in range(200):
            await asyncio.sleep(0.01)
            if store.get_help_request(done).erased_at is not None:
                break
        await asyncio.wait_for(upkeep.close(), 1)  # the next round is an hour away

    asyncio.run(run())
    erased = store.get_help_request(done)
    assert erased.erased_at == clock[0] and erased.phone is None and erased.answers is None
