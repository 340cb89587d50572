"""How well and how fast status-sheet cells are read (issue 17, benchmarks).

Reads every phrasing of ``tests/services/data/status_phrases.csv`` and prints: the share
understood, the share read right (understood, with the state and conditions a person gave)
of those a person labelled (all, and the batch written after the reader and labelled
before it ever saw them), every phrasing not understood and
every labelled one read wrong, and cells read per second. Speed is measured twice, each
against ``str.strip`` over the same cells in the same run as the baseline: cold (every
cell read anew, the reader's memory cleared before each pass) and as a sheet reads them
(a 2,000-hospital × 10-service sheet drawn from the set, where the same phrasings repeat).

Usage: python scripts/bench_status_words.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from pathlib import Path

from app.domain.statuses import State
from app.geo.gazetteer import read_csv
from app.services.status_words import bundled_reader, read_cell

PHRASES = Path(__file__).resolve().parents[1] / "tests/services/data/status_phrases.csv"


def rate(cells: list[str], read: Callable[[str], object], repeat: int, before=None) -> float:
    """Cells per second, the best of ``repeat`` passes (``before`` runs ahead of each)."""
    best = float("inf")
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        for cell in cells:
            read(cell)
        best = min(best, time.perf_counter() - start)
    return len(cells) / best


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rows = read_csv(PHRASES)
    readings = [read_cell(row["cell"]) for row in rows]
    understood = [r.understood for r in readings]
    print(f"phrasings: {len(rows)} distinct")
    print(f"understood: {sum(understood)}/{len(rows)} ({sum(understood) / len(rows):.1%})")
    labelled = [(row, r) for row, r in zip(rows, readings, strict=True) if row["state"]]
    right = []
    for row, reading in labelled:
        state = None if row["state"] == "blank" else State(row["state"])
        conditions = set(filter(None, row["conditions"].split("|")))
        read = (reading.state, set(reading.conditions), reading.understood)
        right.append(read == (state, conditions, True))
    for batch in ("first", "held out", "held out 2"):
        marks = [ok for ok, (row, _) in zip(right, labelled, strict=True) if row["batch"] == batch]
        print(
            f"read right, {batch} batch: {sum(marks)}/{len(marks)} ({sum(marks) / len(marks):.1%})"
        )
    print(f"read right, all labelled: {sum(right)}/{len(right)} ({sum(right) / len(right):.1%})")
    print("\nnot understood (state unknown, text kept for a person):")
    for row, reading in zip(rows, readings, strict=True):
        if not reading.understood:
            print(
                f"  {row['cell']!r}" + ("" if not row["state"] else f"  (labelled {row['state']})")
            )
    print("\nlabelled but read otherwise:")
    for ok, (row, reading) in zip(right, labelled, strict=True):
        if not ok:
            wanted = f"{row['state']} {row['conditions'] or '-'}"
            print(f"  {row['cell']!r}: wanted {wanted}, read {reading.state} {reading.conditions}")

    cells = [row["cell"] for row in rows]
    reader = bundled_reader()
    baseline = rate(cells, str.strip, args.repeat)
    cold = rate(cells, reader.read, args.repeat)
    sheet = random.Random(17).choices(cells, k=20_000)
    sheet_baseline = rate(sheet, str.strip, 3)
    warm = rate(sheet, read_cell, 3, before=read_cell.cache_clear)
    print(
        f"\ncold: {cold:,.0f} cells/s; str.strip {baseline:,.0f}/s; ratio {baseline / cold:,.0f}×"
    )
    print(
        f"2,000 × 10 sheet: {warm:,.0f} cells/s ({len(sheet) / warm * 1000:.0f} ms); "
        f"str.strip {sheet_baseline:,.0f}/s; ratio {sheet_baseline / warm:,.0f}×"
    )


if __name__ == "__main__":
    main()
