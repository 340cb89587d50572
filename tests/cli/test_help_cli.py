"""``aidmap help purge``: personal fields of requests finished before the cut-off erased, on
both backends, the rest kept; bad durations and missing databases refused in one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.core.config import Settings
from app.domain.enums import Precision
from app.domain.help import CloseReason, HelpMove, HelpState, NewHelpRequest, Urgency
from app.storage import open_store
from tests.cli.test_invite_cli import aidmap
from tests.seeded import copy_seeded


def _finished(store, phone: str, days_ago: float) -> int:
    now = datetime.now(UTC)
    new = NewHelpRequest(
        service="dialysis", answers={}, urgency=Urgency.medium, urgency_why=(), district_id=None,
        street_id=None, committee_id=None, lon=121.47, lat=31.23, precision=Precision.exact,
        phone=phone, name="李先生", text="父亲需要透析", consent_at=now,
    )  # fmt: skip
    request = store.add_help_request(new, phone.rjust(64, "0"), now, now).request
    when = now - timedelta(days=days_ago)
    move = HelpMove(state=HelpState.closed, by="协调员", by_key="token:1", at=when,
                    reason=CloseReason.admitted)  # fmt: skip
    store.move_help_request(request.id, HelpState.new, None, move)
    return request.id


@pytest.fixture(params=["sqlite", "postgis"])
def purge_target(
    request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[list[str], dict, Settings]:
    """The command's arguments and environment for a seeded store of each backend."""
    data = copy_seeded(tmp_path / "data")
    if request.param == "sqlite":
        return ["--data-dir", str(data)], {}, Settings(data_dir=data, database_url="")
    url = request.getfixturevalue("postgis_url")
    return [], {"AIDMAP_DATABASE_URL": url}, Settings(database_url=url)


def test_purge_erases_what_finished_before_the_cut_off(purge_target):
    args, env, settings = purge_target
    store = open_store(settings)
    try:
        old, recent = _finished(store, "13900000001", 31), _finished(store, "13900000002", 3)
    finally:
        store.close()
    default = aidmap("help", "purge", *args, **env)
    assert default.returncode == 0, default.stderr
    assert default.stdout.strip() == "help requests finished before 30 days ago: 1 erased"
    shorter = aidmap("help", "purge", "--older-than", "48h", *args, **env)
    assert shorter.stdout.strip() == "help requests finished before 2 days ago: 1 erased"
    store = open_store(settings)
    try:
        for rid in (old, recent):
            erased = store.get_help_request(rid)
            assert (erased.phone, erased.name, erased.text, erased.lon) == (None,) * 4
        assert {c.count for c in store.help_counts()} == {2}
    finally:
        store.close()


def test_purge_refuses_a_bad_duration_and_a_missing_database(tmp_path: Path):
    data = copy_seeded(tmp_path / "data")
    refused = aidmap("help", "purge", "--older-than", "a month", "--data-dir", str(data))
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1].startswith("aidmap: error: --older-than")
    missing = aidmap("help", "purge", "--data-dir", str(tmp_path / "none"))
    assert missing.returncode == 2 and not (tmp_path / "none").exists()
