"""A generated 10,000-row hospital import with 5 % broken rows: time, and exact bad-row report.

Baseline in the same run: reading the file into a table (what any import must do);
planning and applying are printed as multiples of it. The breakage is of seven kinds
(unknown district, swapped or foreign coordinates, unknown service, no name, an oversized
cell, and a phone that is no number); the check is that exactly the rows of the first six
are reported bad, and those with the phone only questioned (a note; the row is imported).

Usage: python scripts/bench_import.py [--rows 10000] [--broken 0.05]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time
from pathlib import Path

from app.core.config import Settings
from app.geo.geocoders.registry import build_chain
from app.services.imports.plan import apply_import, plan_import
from app.services.imports.read import read_table
from app.services.imports.records import RowAction
from app.services.seeding import ensure_seeded
from app.storage import open_store

DISTRICTS = [
    "黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
    "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区",
]  # fmt: skip
HEADER = ["医院名称", "所属区", "地址", "联系电话", "可接诊科室", "经度", "纬度", "坐标系"]
BREAKAGES = [
    lambda row: row | {"所属区": "火星区"},
    lambda row: row | {"经度": "31.2", "纬度": "121.4"},
    lambda row: row | {"经度": "2.35", "纬度": "48.85"},
    lambda row: row | {"可接诊科室": "牙科"},
    lambda row: row | {"医院名称": ""},
    lambda row: row | {"地址": "路" * 2_001},
    lambda row: row | {"联系电话": "无"},  # questioned, not bad: the last kind
]


def generate(rows: int, broken_share: float, seed: int = 7) -> tuple[bytes, set[int], set[int]]:
    """CSV bytes, the file row numbers (header is row 1) broken on purpose, and those of
    them whose phone only is broken."""
    rng = random.Random(seed)
    broken = set(rng.sample(range(rows), int(rows * broken_share)))
    out = io.StringIO()
    writer = csv.DictWriter(out, HEADER)
    writer.writeheader()
    for n in range(rows):
        row = {
            "医院名称": f"测试医院{n:05d}",
            "所属区": rng.choice(DISTRICTS),
            "地址": f"测试路{n}号",
            "联系电话": f"021-6{n:07d}",
            "可接诊科室": rng.choice(["血透", "急诊、发热门诊", "产科", ""]),
            "经度": "",
            "纬度": "",
            "坐标系": "",
        }
        if n % 10 == 0:  # one in ten carries Amap (GCJ-02) coordinates inside Shanghai
            row |= {"经度": f"{121.3 + rng.random() * 0.3:.6f}",
                    "纬度": f"{31.1 + rng.random() * 0.2:.6f}", "坐标系": "高德"}  # fmt: skip
        if n in broken:
            row = BREAKAGES[n % len(BREAKAGES)](row)
        writer.writerow(row)
    phones = {n + 2 for n in broken if n % len(BREAKAGES) == len(BREAKAGES) - 1}
    return out.getvalue().encode("utf-8"), {n + 2 for n in broken} - phones, phones


def main() -> None:
    """Generate, read, plan, apply; print times and the bad-row check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--broken", type=float, default=0.05)
    args = parser.parse_args()
    data, broken, phones = generate(args.rows, args.broken)
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), database_url="")
        store = open_store(settings)
        ensure_seeded(store, settings.geodata_dir)
        chain = build_chain(settings, store)
        start = time.perf_counter()
        table = read_table(data, "generated.csv")
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        plan = plan_import(store, chain, table, "hospitals", "generated.csv")
        plan_s = time.perf_counter() - start
        start = time.perf_counter()
        done = apply_import(store, plan, skip_bad_rows=True)
        apply_s = time.perf_counter() - start
        replan = plan_import(store, chain, read_table(data, "generated.csv"), "hospitals", "g.csv")
        store.close()
    reported = {row.row for row in plan.rows if row.action is RowAction.bad}
    questioned = {row.row for row in plan.rows if any(n.startswith("phone") for n in row.notes)}
    print(
        f"{args.rows:,} rows, {len(broken) + len(phones):,} broken on purpose "
        f"({len(data) / 2**20:.1f} MiB)"
    )
    print(f"read  {read_s:6.2f} s (baseline)")
    print(f"plan  {plan_s:6.2f} s ({plan_s / read_s:5.1f}x read; {args.rows / plan_s:,.0f} rows/s)")
    print(f"apply {apply_s:6.2f} s ({apply_s / read_s:5.1f}x read), one transaction: {done}")
    print(f"bad rows reported {len(reported):,}; exactly the broken ones: {reported == broken}")
    print(f"phones questioned {len(questioned):,}; exactly those rows: {questioned == phones}")
    print(
        f"re-import: {replan.count(RowAction.unchanged):,} unchanged, "
        f"{replan.count(RowAction.add)} added, {replan.count(RowAction.change)} changed"
    )
    if reported != broken or questioned != phones:
        raise SystemExit(
            f"missed {sorted(broken - reported)[:10]}, extra {sorted(reported - broken)[:10]}; "
            f"phones missed {sorted(phones - questioned)[:10]}"
        )


if __name__ == "__main__":
    main()
