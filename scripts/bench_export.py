"""Exporting a 100,000-hospital layer in each format: time and peak memory.

Baseline in the same run: a process that reads the layer from the store (what every
export must do) and nothing else. Each format runs in a fresh process that reads the
layer and writes the file; its time and peak resident memory (Linux VmHWM) are printed
as multiples of the baseline's, so a writer that built the whole file (or a second copy
of the layer) in memory would show here. Every process first imports the libraries the
writers use.

Usage: python scripts/bench_export.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from app.core.config import Settings
from app.domain.enums import Precision
from app.domain.records import NewResource
from app.services.seeding import ensure_seeded
from app.storage import open_store

FORMATS = ("imports", "read", "csv", "geojson", "xlsx", "gpkg")


def generate(data_dir: Path, rows: int) -> None:
    """A seeded store with ``rows`` hospitals: points, phones, services, an attribute."""
    settings = Settings(data_dir=data_dir, database_url="")
    store = open_store(settings)
    ensure_seeded(store, settings.geodata_dir)
    rng = random.Random(8)
    adds = [
        NewResource(
            kind="hospital",
            ref=f"bench-{n}",
            name=f'第{n}医院 <分院>, "东"',
            lon=round(rng.uniform(121.2, 121.8), 6),
            lat=round(rng.uniform(31.0, 31.4), 6),
            precision=Precision.exact,
            address=f"某某路{n}号",
            phones=(f"021-6{n:07d}",),
            services=("dialysis", "emergency"),
            attributes={"备注": f"=第{n}行"},
        )
        for n in range(rows)
    ]
    store.apply_resource_changes(adds, [])
    store.close()


def child(fmt: str, data_dir: Path, out: Path) -> None:
    """Read the layer (and write it in ``fmt``); print seconds and peak RSS as JSON."""
    import geopandas  # noqa: F401
    import openpyxl  # noqa: F401
    import pyogrio  # noqa: F401

    from app.services.exports.layers import ExportLayer, read_layer
    from app.services.exports.writers import ExportFormat, write_export

    store = open_store(Settings(data_dir=data_dir, database_url=""))
    started = time.perf_counter()
    rows = 0
    if fmt != "imports":
        export = read_layer(store, ExportLayer.hospitals, signed_in=True)
        rows = len(export.records)
    if fmt not in {"imports", "read"}:
        write_export(export, ExportFormat(fmt), out)
    seconds = time.perf_counter() - started
    store.close()
    status = Path("/proc/self/status").read_text()  # VmHWM: this process's peak since exec
    peak_mib = int(status.split("VmHWM:")[1].split()[0]) / 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak_mib, "rows": rows}))


def run(fmt: str, data_dir: Path) -> dict:
    """One child's figures, and the size of the file it wrote."""
    out = data_dir.parent / f"hospitals.{fmt}"
    args = [sys.executable, __file__, "--child", fmt, "--data-dir", str(data_dir), "-o", str(out)]
    result = json.loads(subprocess.run(args, check=True, capture_output=True).stdout)
    result["bytes"] = out.stat().st_size if out.exists() else 0
    return result


def main() -> None:
    """Generate the store, run every child, print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", choices=FORMATS)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("-o", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.data_dir, args.o)
        return
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory) / "data"
        generate(data_dir, args.rows)
        results = {fmt: run(fmt, data_dir) for fmt in FORMATS}
    base, libraries = results["read"], results["imports"]["peak_mib"]
    print(f"{base['rows']:,} hospitals; baseline (read the layer): {base['seconds']:.2f} s, "
          f"peak {base['peak_mib']:.0f} MiB ({libraries:.0f} MiB of it the libraries)")  # fmt: skip
    for fmt in FORMATS[2:]:
        r = results[fmt]
        print(f"{fmt:8} {r['seconds']:6.2f} s = {r['seconds'] / base['seconds']:5.1f}x read   "
              f"peak {r['peak_mib']:5.0f} MiB = {r['peak_mib'] / base['peak_mib']:4.2f}x read   "
              f"file {r['bytes'] / 2**20:6.1f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
