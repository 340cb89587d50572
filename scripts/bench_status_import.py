"""A status sheet of 2,000 hospitals × 9 services (``--kind statuses``): the time to read
the file, to plan it and to apply it, and their throughput in cells per second, each
against reading the file in the same run (the baseline, ratio 1.0).

Adds 2,000 hospitals offering every service to a fresh SQLite store seeded with the
bundled data, writes an XLSX with a title row, the usual Chinese headers, an update-time
column in mixed forms and cells drawn from the phrasings in
``tests/services/data/status_phrases.csv``, then reads, plans and applies it as
``aidmap import FILE --kind statuses`` does.

Usage: python scripts/bench_status_import.py [--hospitals 2000]
"""

from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from app.core.config import Settings
from app.domain.enums import Kind, Precision
from app.domain.records import NewResource
from app.geo.gazetteer import read_csv
from app.services.imports.read import read_table
from app.services.imports.status_plan import apply_statuses, plan_statuses
from app.services.seeding import ensure_seeded
from app.storage import open_store

PHRASES = Path(__file__).resolve().parents[1] / "tests/services/data/status_phrases.csv"
HEADERS = ["血透", "化疗", "急诊", "发热门诊", "产科", "儿科", "普通门诊", "精神科", "配药"]


def sheet(names: list[str], rng: random.Random, now: datetime) -> bytes:
    """The workbook: a title row, the header, one row a hospital."""
    phrases = [row["cell"] for row in read_csv(PHRASES)]
    cells = [c for c in phrases if not ILLEGAL_CHARACTERS_RE.search(c)] + [""] * 50  # blanks
    book = Workbook()
    ws = book.active
    ws.append(["各医院接诊情况（核实组更新）"])
    ws.append(["医院名称", "区", *HEADERS, "更新时间", "备注"])
    for name in names:
        when = now - timedelta(minutes=rng.randrange(60, 600))
        stamp = rng.choice(
            [when.replace(tzinfo=None), f"{when:%m/%d %H:%M}", f"{when:%Y-%m-%d %H:%M}"]
        )
        ws.append([name, "", *(rng.choice(cells) for _ in HEADERS), stamp, ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def timed(work):
    """``work()``'s answer and its seconds."""
    start = time.perf_counter()
    answer = work()
    return answer, time.perf_counter() - start


def main() -> None:
    """Build, read, plan, apply; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hospitals", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(7)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url="")
        store = open_store(settings)
        ensure_seeded(store, settings.geodata_dir)
        codes = tuple(s.code for s in store.list_services())
        names = [f"测试医院{n:05d}" for n in range(args.hospitals)]
        store.apply_resource_changes(
            [NewResource(kind=Kind.hospital, name=name, lon=121.4 + rng.random() / 5,
                         lat=31.2 + rng.random() / 5, precision=Precision.approximate,
                         services=codes) for name in names],
            [],
        )  # fmt: skip
        data = sheet(names, rng, now)
        table, read_s = timed(lambda: read_table(data, "sheet.xlsx", None))
        plan, plan_s = timed(lambda: plan_statuses(store, table, "sheet.xlsx", now))
        applied, apply_s = timed(lambda: apply_statuses(store, plan, "bench"))
        store.close()
    cells = plan.counts()["cells"]
    print(
        f"{args.hospitals:,} hospitals × {len(HEADERS)} services: {len(data) / 1024:,.0f} KiB,"
        f" {cells:,} non-blank cells, {plan.counts()['understood']:,} understood"
    )
    for label, seconds in (("read the file", read_s), ("plan", plan_s), ("apply", apply_s)):
        print(f"  {label:14s} {seconds:6.2f} s  {cells / seconds:9,.0f} cells/s  "
              f"{seconds / read_s:5.2f}× reading")  # fmt: skip
    print(f"  applied: {applied}")


if __name__ == "__main__":
    main()
