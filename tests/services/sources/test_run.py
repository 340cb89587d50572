"""Running a hospitals source against a local document server: a sheet that changes between
polls changes the store, and after a 304, a time-out, a sign-in page, a 50 MiB file, a
redirect to a private address, a lost column or a lost row the store is exactly what it
was (nothing half-applied) and the source says why."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from app.core.logging import logging_config
from app.core.metrics import SOURCE_RUNS
from app.domain.sources import RunOutcome
from app.services.sources import addresses
from app.services.sources.fetch import FetchLimits
from app.services.sources.lease import SourceBusy
from app.services.sources.run import NothingHeld, PlanChanged, Runner, approve, drop, run_source
from app.storage.errors import NotFound
from tests.services.sources.conftest import ROWS, hospitals, sheet, with_phone
from tests.services.sources.sheet_server import Sheet, SheetServer

ME = "test-replica"


def run(runner: Runner, name: str = "huangpu", **options):
    return run_source(runner, name, ME, **options)


def phones(runner: Runner, ref: str) -> tuple[str, ...]:
    return next(r.phones for r in runner.store.iter_resources() if r.ref == ref)


def test_a_sheet_that_changes_between_polls_changes_the_map(runner, server, add, caplog):
    server.sheets["/h.csv"] = document = Sheet(sheet())
    add("huangpu", server.url("/h.csv") + "?secret=KEY")
    applied = SOURCE_RUNS.labels("applied")._value.get()
    first = run(runner)
    assert (first.outcome, first.applied["changed"], first.applied["unchanged"]) == (
        RunOutcome.applied, 0, 10,
    )  # fmt: skip
    source = runner.store.get_source("huangpu")
    assert (source.rows_understood, source.rows_not_understood, source.last_error) == (10, 0, None)
    assert source.file.etag == document.tag and len(source.good.keys) == 10
    assert source.next_run_at == source.last_run_at + timedelta(seconds=60)
    assert run(runner).outcome is RunOutcome.not_modified
    assert server.hits("/h.csv")[-1].headers["if-none-match"] == document.tag
    document.body = sheet(with_phone("ruijin", "021-64370046"))
    changed = run(runner)
    assert (changed.outcome, changed.applied["changed"]) == (RunOutcome.applied, 1)
    assert phones(runner, "ruijin") == ("021-64370046",)
    assert run(runner).outcome is RunOutcome.not_modified
    assert SOURCE_RUNS.labels("applied")._value.get() == applied + 2
    assert "KEY" not in caplog.text and "/h.csv" not in caplog.text


def test_the_same_file_again_without_validators_is_unchanged(runner, server, add):
    server.sheets["/h.csv"] = Sheet(sheet(), etag=False)
    add("huangpu", server.url("/h.csv"))
    assert run(runner).outcome is RunOutcome.applied
    before = hospitals(runner.store)
    assert run(runner).outcome is RunOutcome.unchanged
    assert hospitals(runner.store) == before


@pytest.mark.parametrize(
    ("broken", "error"),
    [
        (Sheet(b"<!doctype html><form>sign in</form>", content_type="text/html"), "web page"),
        (Sheet(sheet(), delay_s=3), "no answer within 1 s"),
        (Sheet(b"x" * (50 * 2**20), declare_length=False), "larger than 20 MiB"),
        (Sheet(b"\n"), "the file is empty"),
        (Sheet(b"", status=404), "answered 404"),
        (Sheet("名称\n".encode()), "header but no data rows"),
    ],
    ids=["html", "timeout", "50MiB", "empty", "404", "no-rows"],
)
def test_a_failed_run_keeps_the_last_good_state_and_says_why(runner, server, add, broken, error):
    server.sheets["/h.csv"] = Sheet(sheet(with_phone("ruijin", "021-64370046")))
    add("huangpu", server.url("/h.csv"), max_change=1.0)
    run(runner)
    good, before = runner.store.get_source("huangpu"), hospitals(runner.store)
    server.sheets["/h.csv"] = broken
    failed = run(runner)
    assert failed.outcome is RunOutcome.failed and error in failed.error
    after = runner.store.get_source("huangpu")
    assert (after.last_outcome, after.last_error) == (RunOutcome.failed, failed.error)
    assert (after.file, after.good, after.rows_understood) == (
        good.file, good.good, good.rows_understood,
    )  # fmt: skip
    assert hospitals(runner.store) == before
    server.sheets["/h.csv"] = Sheet(sheet())
    assert run(runner).outcome is RunOutcome.applied
    assert runner.store.get_source("huangpu").last_error is None
    assert phones(runner, "ruijin") == ("021-64370045",)


def test_a_redirect_to_a_private_address_fails_the_run(seeded_store, add, monkeypatch):
    real = addresses.is_public
    monkeypatch.setattr(addresses, "is_public", lambda a: str(a) == "127.0.0.2" or real(a))
    runner = Runner(seeded_store, lambda: None, FetchLimits(timeout_s=1.0), lease_s=3)
    with SheetServer("127.0.0.2") as public, SheetServer() as private:
        private.sheets["/h.csv"] = Sheet(sheet(with_phone("ruijin", "021-64370046")))
        public.sheets["/h.csv"] = Sheet(location=private.url("/h.csv"))
        add("huangpu", public.url("/h.csv"))
        before = hospitals(seeded_store)
        failed = run(runner)
        assert failed.outcome is RunOutcome.failed and "127.0.0.1, a private" in failed.error
        assert private.requests == [] and hospitals(seeded_store) == before


def test_a_file_that_lost_a_column_fails_until_its_headers_are_accepted(runner, server, add):
    server.sheets["/h.csv"] = Sheet(sheet())
    add("huangpu", server.url("/h.csv"))
    run(runner)
    before = hospitals(runner.store)
    server.sheets["/h.csv"] = Sheet(sheet(header="ref,医院名称,区,地址,座机"))
    failed = run(runner)
    assert failed.outcome is RunOutcome.failed
    assert failed.error.startswith("the file lost 1 column(s) of the last applied one (电话)")
    assert run(runner).outcome is RunOutcome.failed  # the same file fails again
    assert hospitals(runner.store) == before
    accepted = run(runner, accept_headers=True)  # 座机 becomes an attribute of 6 of 10
    assert accepted.outcome is RunOutcome.held and "6 of 10 (60%)" in accepted.reason
    assert approve(runner, "huangpu", ME).outcome is RunOutcome.applied
    assert "座机" in runner.store.get_source("huangpu").good.headers


def test_big_changes_are_held_until_a_coordinator_approves(runner, server, add):
    server.sheets["/h.csv"] = document = Sheet(sheet())
    add("huangpu", server.url("/h.csv"))
    run(runner)
    before = hospitals(runner.store)
    rows = ROWS
    for n, ref in enumerate(["ruijin", "ninth", "sixth", "longhua"]):
        rows = with_phone(ref, f"021-5555000{n}", rows)
    document.body = sheet(rows)
    held = run(runner)
    assert held.outcome is RunOutcome.held
    assert held.reason == "it would change 4 of 10 (40%), more than 30%"
    assert held.plan["counts"]["change"] == 4 and len(held.plan["rows"]) == 4
    assert hospitals(runner.store) == before
    source = runner.store.get_source("huangpu")
    assert source.held.reason == held.reason and source.held.plan == held.plan
    assert run(runner).outcome is RunOutcome.not_modified  # still the held file
    assert runner.store.get_source("huangpu").held == source.held
    approved = approve(runner, "huangpu", ME)
    assert (approved.outcome, approved.applied["changed"]) == (RunOutcome.applied, 4)
    assert phones(runner, "longhua") == ("021-55550003",)
    assert runner.store.get_source("huangpu").held is None
    with pytest.raises(NothingHeld):
        approve(runner, "huangpu", ME)


def test_bad_and_duplicate_rows_do_not_water_down_the_share_of_changes(runner, server, add):
    """Every phone changed, with 30 bad rows (no name) and 10 copies of a row below them:
    counted in the whole, the changes were 10 of 50 (20%) and went to the map unreviewed.
    They are 10 of the 10 rows the run would apply."""
    server.sheets["/h.csv"] = document = Sheet(sheet())
    add("huangpu", server.url("/h.csv"))
    run(runner)
    before = hospitals(runner.store)
    rows = ROWS
    for n, ref in enumerate(ROWS):
        rows = with_phone(ref, f"021-555500{n:02d}", rows)
    bad = {f"bad-{n}": ",黄浦区,,021-64370045" for n in range(30)}
    lines = sheet(rows | bad).decode().splitlines()
    document.body = "\n".join([*lines, *[lines[2]] * 10, ""]).encode()
    held = run(runner)
    assert held.outcome is RunOutcome.held, held.plan["counts"]
    assert held.reason == "it would change 10 of 10 (100%), more than 30%"
    assert hospitals(runner.store) == before


def test_a_file_that_lost_rows_is_held_and_a_dropped_plan_is_not_applied(runner, server, add):
    server.sheets["/h.csv"] = document = Sheet(sheet())
    add("huangpu", server.url("/h.csv"))
    run(runner)
    before = hospitals(runner.store)
    document.body = sheet({k: v for k, v in ROWS.items() if k not in {"ninth", "sixth"}})
    held = run(runner)
    assert held.outcome is RunOutcome.held
    assert held.reason.startswith("2 row(s) of the last applied file are gone: ninth | 上海")
    dropped = drop(runner, "huangpu", ME)
    assert dropped.held is None and runner.store.held_file("huangpu") is None
    assert run(runner).outcome is RunOutcome.not_modified  # the dropped file is not read again
    assert hospitals(runner.store) == before
    with pytest.raises(NothingHeld):
        drop(runner, "huangpu", ME)


def test_approval_applies_only_the_plan_reviewed(runner, server, add):
    server.sheets["/h.csv"] = Sheet(sheet(with_phone("ruijin", "021-64370046")))
    add("huangpu", server.url("/h.csv"), review=True)
    held = run(runner)
    assert held.outcome is RunOutcome.held
    assert held.reason == "every run of this source is held for review"
    ruijin = next(r for r in runner.store.iter_resources() if r.ref == "ruijin")
    runner.store.update_resource(ruijin.id, ruijin.version, phones=("021-64370046",))
    with pytest.raises(PlanChanged, match="the map changed since the plan was held"):
        approve(runner, "huangpu", ME)
    again = runner.store.get_source("huangpu").held
    assert again.plan["counts"]["change"] == 0 and again.plan["counts"]["unchanged"] == 10
    assert approve(runner, "huangpu", ME).outcome is RunOutcome.applied


def test_a_dry_run_writes_nothing(runner, server, add):
    server.sheets["/h.csv"] = Sheet(sheet(with_phone("ruijin", "021-64370046")))
    added = add("huangpu", server.url("/h.csv"))
    before = hospitals(runner.store)
    dry = run(runner, dry_run=True)
    assert (dry.outcome, dry.dry_run, dry.applied) == (RunOutcome.applied, True, None)
    assert dry.plan["counts"]["change"] == 1
    assert hospitals(runner.store) == before and runner.store.get_source("huangpu") == added


def test_one_run_at_a_time_and_only_when_due(runner, server, add):
    server.sheets["/h.csv"] = Sheet(sheet())
    add("huangpu", server.url("/h.csv"))
    now = datetime.now(UTC)
    assert runner.store.take_lease("huangpu", "another", now, now + timedelta(seconds=30))
    with pytest.raises(SourceBusy):
        run(runner)
    runner.store.release_lease("huangpu", "another")
    assert run(runner, only_if_due=True).outcome is RunOutcome.applied
    assert run(runner, only_if_due=True) is None  # next due in a minute
    assert runner.store.get_source("huangpu").lease_holder is None  # released
    with pytest.raises(NotFound):
        run(runner, "nowhere")


def test_the_link_never_reaches_a_log_line(runner, server, add, caplog):
    """aidmap's own lines name the source, never its link; httpx, which logs each request's
    URL at INFO, stays at WARNING under aidmap serve even at --log-level debug."""
    caplog.set_level(logging.DEBUG, logger="aidmap")
    server.sheets["/h.csv"] = Sheet(b"<html>", content_type="text/html")
    add("huangpu", server.url("/h.csv") + "?key=TOPSECRET")
    assert run(runner).outcome is RunOutcome.failed
    assert "huangpu: failed" in caplog.text and "TOPSECRET" not in caplog.text
    config = logging_config("text", "debug")
    assert config["root"]["level"] == "WARNING" and set(config["loggers"]) == {"aidmap", "uvicorn"}


def test_a_run_that_breaks_unexpectedly_fails_and_waits_its_interval(
    runner, server, add, monkeypatch
):
    server.sheets["/h.csv"] = Sheet(sheet(with_phone("ruijin", "021-64370046")))
    add("huangpu", server.url("/h.csv"), max_change=1.0)
    before = hospitals(runner.store)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("app.services.sources.run.plan_file", broken)
    failed = run(runner)
    assert failed.outcome is RunOutcome.failed and "unexpectedly (RuntimeError)" in failed.error
    source = runner.store.get_source("huangpu")
    assert source.next_run_at > datetime.now(UTC) and source.file is None
    assert hospitals(runner.store) == before
