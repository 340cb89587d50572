"""``aidmap db backup``'s copy while another process keeps writing status updates.

A temporary store (the bundled data plus ``--hospitals`` generated ones) is backed up:

a. with nothing writing: the baseline;
b. while a writer process commits status updates as fast as it can: the backup's time as a
   multiple of (a), and the writer's commits per second during the backup as a share of
   its rate while this process only burns CPU for as long (on a small machine any busy
   process slows the writer; what is left is the backup's locking, which should be none);
c. the copy made the way that looks gentle: page steps with a short sleep between them
   (``--sleep``) and no snapshot held across them, so each step takes a new one and the
   copy restarts from page one after any commit: its time (stopped at ``--cap`` seconds)
   and restarts.

Usage: python scripts/bench_backup.py [--hospitals 100000] [--sleep 0.01] [--cap 30]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import tempfile
import time
from pathlib import Path

from app.core.config import Settings
from app.domain.enums import Precision
from app.domain.records import NewResource
from app.domain.statuses import State, StatusReport
from app.services.seeding import ensure_seeded
from app.storage import open_store
from app.storage.backup import PAGES_PER_STEP, backup_sqlite


def build(data_dir: Path, hospitals: int) -> tuple[Settings, int]:
    """A seeded store with ``hospitals`` more; its settings and one hospital's id."""
    settings = Settings(data_dir=data_dir, database_url="")
    store = open_store(settings)
    try:
        ensure_seeded(store, settings.geodata_dir)
        for start in range(0, hospitals, 10_000):
            store.apply_resource_changes(
                [NewResource(kind="hospital", name=f"基准医院{n}", lon=121.4 + n % 1000 / 1e4,
                             lat=31.2 + n // 1000 % 100 / 1e4, precision=Precision.exact,
                             services=("emergency",), address=f"测试路{n}号")
                 for n in range(start, min(start + 10_000, hospitals))], [],
            )  # fmt: skip
        hospital = store.list_resources(kind="hospital", limit=1)[0]
    finally:
        store.close()
    return settings, hospital.id


def write(url: str, resource_id: int, commits, stop) -> None:
    """Status updates of one hospital, one commit each, until ``stop`` is set."""
    store = open_store(Settings(database_url=url))
    version = store.get_resource(resource_id).version
    while not stop.is_set():
        report = StatusReport(State.open, "bench")
        version = store.set_status(resource_id, "emergency", report, version).version
        with commits.get_lock():
            commits.value += 1
    store.close()


def naive_copy(source: Path, target: Path, pause: float, cap: float) -> tuple[float, int, bool]:
    """Page steps with ``pause`` between them and no held snapshot: seconds, restarts,
    whether it finished within ``cap`` seconds."""
    reader = sqlite3.connect(source, isolation_level=None)
    writer = sqlite3.connect(target)
    started, last, restarts = time.perf_counter(), None, 0

    def step(_status: int, left: int, _total: int) -> None:
        nonlocal last, restarts
        restarts += last is not None and left > last
        last = left
        if time.perf_counter() - started > cap:
            raise TimeoutError
        time.sleep(pause)

    try:
        reader.backup(writer, pages=PAGES_PER_STEP, progress=step)
        finished = True
    except TimeoutError:
        finished = False
    finally:
        writer.close()
        reader.close()
    return time.perf_counter() - started, restarts, finished


def timed(action) -> float:
    """Seconds ``action()`` took."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def commit_rate(commits, action) -> tuple[float, float]:
    """Seconds ``action()`` took and the writer's commits per second meanwhile."""
    before = commits.value
    elapsed = timed(action)
    return elapsed, (commits.value - before) / elapsed


def burn(seconds: float) -> None:
    """Keep one CPU busy for ``seconds``."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def main() -> None:
    """Build, then time the three phases; print ratios to the idle backup."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hospitals", type=int, default=100_000)
    parser.add_argument("--sleep", type=float, default=0.01)
    parser.add_argument("--cap", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        settings, hospital = build(tmp_path / "data", args.hospitals)
        source = settings.data_dir / "aidmap.sqlite3"
        size = source.stat().st_size / 2**20
        targets = (tmp_path / f"backup-{n}.sqlite3" for n in range(100))
        idle = min(timed(lambda: backup_sqlite(source, next(targets))) for _ in range(3))
        commits, stop = multiprocessing.Value("q", 0), multiprocessing.Event()
        writer = multiprocessing.Process(
            target=write, args=(settings.database_url, hospital, commits, stop)
        )
        writer.start()
        try:
            time.sleep(1)  # the writer's start-up
            busy, during, control = [], [], []
            for _ in range(3):
                seconds, rate = commit_rate(commits, lambda: backup_sqlite(source, next(targets)))
                busy.append(seconds)
                during.append(rate)
                control.append(commit_rate(commits, lambda s=seconds: burn(s))[1])
            naive = naive_copy(source, tmp_path / "naive.sqlite3", args.sleep, args.cap)
        finally:
            stop.set()
            writer.join()
    busy_s, during_rate, control_rate = min(busy), sum(during) / 3, sum(control) / 3
    print(f"database {size:.1f} MiB, a writer committing status updates")
    print(f"a. backup, nothing writing   {idle:7.3f} s (baseline)")
    print(f"b. backup, writer committing {busy_s:7.3f} s ({busy_s / idle:5.1f}x); writer "
          f"{during_rate:,.0f} commits/s meanwhile, {during_rate / control_rate:.0%} of its "
          f"{control_rate:,.0f}/s beside a CPU-bound process")  # fmt: skip
    naive_s, restarts, finished = naive
    ended = "finished" if finished else f"unfinished at the {args.cap:.0f} s cap"
    print(f"c. steps + {args.sleep * 1000:.0f} ms sleeps, no snapshot {naive_s:7.3f} s "
          f"({naive_s / idle:5.1f}x), {restarts:,} restarts, {ended}")  # fmt: skip


if __name__ == "__main__":
    main()
