"""Running a source: fetch its file, read it as its kind, and apply the plan, hold it for
review, or record why nothing was done; and a coordinator's approval or drop of a plan.

Every run that may write holds the source's lease (``lease.leased``), so one runs at a
time across replicas and commands. Nothing is half-applied: a run either applies its
whole plan (each kind's apply is one transaction, or versioned writes per hospital for
statuses), or writes nothing but its health. A failed run keeps the last good state (the
file state is left, so the same file is tried again next time) and says why. Statuses a
source writes are reported by ``source:NAME``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.core.config import Settings
from app.core.metrics import count_source_run
from app.domain.sources import FileState, GoodFile, HeldPlan, RunOutcome, RunRecord, Source
from app.geo.geocoders.chain import GeocoderChain
from app.services.imports.limits import FULL
from app.services.imports.plan import ImportBlocked
from app.services.imports.read import read_table
from app.services.imports.table import ImportFileError
from app.services.sources.fetch import FetchFailed, FetchLimits, FetchStopped, fetch
from app.services.sources.kinds import SourcePlan, plan_file
from app.services.sources.lease import LeaseLost, leased
from app.services.sources.rail import good_file, hold_reason, lost_headers
from app.storage.errors import StorageError, StoreUnavailable
from app.storage.port import Store

log = logging.getLogger("aidmap.sources")


class NothingHeld(Exception):
    """Approving or dropping a plan when the source holds none."""


class PlanChanged(Exception):
    """The held plan, made again now, is not the one reviewed: the new one is held."""


class Stopped(Exception):
    """The run was stopped before it wrote anything (the server is shutting down)."""


@dataclass(frozen=True)
class Runner:
    """What running sources needs: the store, a geocoder chain for hospitals and
    contacts (built only when one is read), the fetch limits, the lease's length."""

    store: Store
    chain: Callable[[], GeocoderChain]
    limits: FetchLimits
    lease_s: float
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


@dataclass(slots=True)
class RunResult:
    """What a run did (or, dry, would do)."""

    outcome: RunOutcome
    dry_run: bool = False
    error: str | None = None
    reason: str | None = None
    """Why the plan is held."""
    plan: dict[str, Any] | None = None
    applied: dict[str, int] | None = None


def runner_for(settings: Settings, store: Store, chain: Callable[[], GeocoderChain]) -> Runner:
    """A runner with the deployment's fetch limits and lease."""
    limits = FetchLimits(settings.source_timeout_s, settings.source_allow_private)
    return Runner(store, chain, limits, settings.source_lease_s)


def reporter(name: str) -> str:
    """Who a source's statuses are reported by, as history shows it."""
    return f"source:{name}"


def run_source(
    runner: Runner,
    name: str,
    holder: str,
    *,
    dry_run: bool = False,
    accept_headers: bool = False,
    only_if_due: bool = False,
    stop: threading.Event | None = None,
) -> RunResult | None:
    """Run a source now (``only_if_due``: if it is still due once its lease is held; None
    when it is not). A dry run fetches the file unconditionally, plans it and writes
    nothing, not even the source's health; SourceBusy while another run holds it."""
    if dry_run:
        return _run(runner, runner.store.get_source(name), dry_run=True)
    with leased(runner.store, name, holder, runner.lease_s, runner.clock) as lease:
        source = runner.store.get_source(name)
        if only_if_due and source.next_run_at > runner.clock():
            return None
        try:
            result = _run(runner, source, accept_headers=accept_headers, lease=lease, stop=stop)
        except (Stopped, LeaseLost, StorageError):
            raise
        except Exception as exc:  # a bug: the run fails, and the next waits its interval
            log.exception("source %s: run failed", name)
            error = f"the run failed unexpectedly ({type(exc).__name__}); see the server's log"
            result = _Recorder(runner, source, runner.clock(), dry_run=False).failed(error)
    log.info("source %s: %s%s", name, result.outcome.value,
             f": {result.error}" if result.error else "")  # fmt: skip
    count_source_run(result.outcome.value)
    return result


def _run(
    runner: Runner,
    source: Source,
    *,
    dry_run: bool = False,
    accept_headers: bool = False,
    lease: threading.Event | None = None,
    stop: threading.Event | None = None,
) -> RunResult:
    now = runner.clock()
    record = _Recorder(runner, source, now, dry_run)
    known = source.file if not dry_run else None
    try:
        fetched = fetch(
            source.url, runner.limits, etag=known and known.etag,
            last_modified=known and known.last_modified, stop=stop,
        )  # fmt: skip
    except FetchFailed as exc:
        return record.failed(str(exc))
    except FetchStopped:
        raise Stopped(source.name) from None
    if fetched.data is None:
        return record.done(RunOutcome.not_modified)
    file = FileState(fetched.etag, fetched.last_modified, hashlib.sha256(fetched.data).hexdigest())
    if known is not None and known.content_hash == file.content_hash:
        return record.done(RunOutcome.held if source.held else RunOutcome.unchanged, file=file)
    upload = (fetched.data, f"source:{source.name}", source.sheet)
    try:
        table = read_table(*upload, FULL.read)
        good = good_file(table, source.kind)
        lost = None if accept_headers else lost_headers(source.good, good)
        if lost:
            return record.failed(lost)
        plan = plan_file(runner.store, runner.chain, source.kind, upload, table, now,
                         reporter(source.name))  # fmt: skip
    except ImportFileError as exc:
        return record.failed(str(exc))
    reason = hold_reason(source, good, plan)
    if reason is not None:
        held = HeldPlan(now, reason, plan.fingerprint, good, plan.review)
        return record.held(held, zlib.compress(fetched.data), file, plan)
    if lease is not None and lease.is_set():
        raise LeaseLost(source.name)
    if stop is not None and stop.is_set():
        raise Stopped(source.name)
    return record.applied(plan, good, file)


class _Recorder:
    """Ends a run: records it on the source (unless dry) and says what it did."""

    def __init__(self, runner: Runner, source: Source, now: datetime, dry_run: bool) -> None:
        self.store, self.source, self.now, self.dry_run = runner.store, source, now, dry_run
        self.next_run_at = now + timedelta(seconds=source.every_s)

    def _record(self, result: RunResult, **values: Any) -> RunResult:
        if not self.dry_run:
            record = RunRecord(self.now, result.outcome, self.next_run_at, error=result.error,
                               **values)  # fmt: skip
            self.store.record_run(self.source.name, record)
        return result

    def failed(self, error: str) -> RunResult:
        return self._record(RunResult(RunOutcome.failed, self.dry_run, error=error[:1000]))

    def done(self, outcome: RunOutcome, **values: Any) -> RunResult:
        return self._record(RunResult(outcome, self.dry_run), **values)

    def held(
        self, held: HeldPlan, blob: bytes, file: FileState | None, plan: SourcePlan
    ) -> RunResult:
        result = RunResult(RunOutcome.held, self.dry_run, reason=held.reason, plan=plan.review)
        counts = {"rows_understood": plan.understood, "rows_not_understood": plan.not_understood}
        return self._record(result, held=held, held_file=blob, file=file, **counts)

    def applied(self, plan: SourcePlan, good: GoodFile, file: FileState | None) -> RunResult:
        result = RunResult(RunOutcome.applied, self.dry_run, plan=plan.review)
        if self.dry_run:
            return result
        try:
            result.applied = plan.apply()
        except ImportBlocked as exc:
            return self.failed(str(exc))
        except StoreUnavailable:
            raise
        except StorageError as exc:  # changed meanwhile: the next run plans afresh
            return self.failed(f"not applied: {exc}")
        counts = {"rows_understood": plan.understood, "rows_not_understood": plan.not_understood}
        return self._record(result, good=good, file=file, clear_held=True, **counts)


def approve(runner: Runner, name: str, holder: str) -> RunResult:
    """Apply the plan the source holds if, made again now, it is the same plan; otherwise
    hold the new one and raise PlanChanged. NothingHeld when none is held."""
    with leased(runner.store, name, holder, runner.lease_s, runner.clock):
        source = runner.store.get_source(name)
        blob = runner.store.held_file(name)
        if source.held is None or blob is None:
            raise NothingHeld(f"{name} holds no plan")
        now = runner.clock()
        upload = (zlib.decompress(blob), f"source:{name}", source.sheet)
        table = read_table(*upload, FULL.read)
        plan = plan_file(runner.store, runner.chain, source.kind, upload, table, now,
                         reporter(name))  # fmt: skip
        record = _Recorder(runner, source, now, dry_run=False)
        if plan.fingerprint != source.held.fingerprint:
            reason = "the map changed since the plan was held: review it again"
            held = HeldPlan(now, reason, plan.fingerprint, source.held.good, plan.review)
            record.held(held, blob, source.file, plan)
            raise PlanChanged(f"{reason} (GET the source for the new plan)")
        result = record.applied(plan, source.held.good, None)
    count_source_run(result.outcome.value)
    return result


def drop(runner: Runner, name: str, holder: str) -> Source:
    """Drop the plan the source holds (the file it came from is not read again until it
    changes); NothingHeld when none is held."""
    with leased(runner.store, name, holder, runner.lease_s, runner.clock):
        if runner.store.get_source(name).held is None:
            raise NothingHeld(f"{name} holds no plan")
        return runner.store.drop_held(name)


def remove(runner: Runner, name: str, holder: str) -> None:
    """Remove a source (never in the middle of one of its runs)."""
    with leased(runner.store, name, holder, runner.lease_s, runner.clock):
        runner.store.remove_source(name)
