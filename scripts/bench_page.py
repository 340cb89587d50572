"""Time to first markers and bytes of the first view of the map page, in headless Chromium.

Serves (1) the bundled data and (2) the bundled data plus generated hospitals (default
100,000, uniform over Shanghai) with ``aidmap serve`` on 127.0.0.1 and no tile server,
opens ``/`` in Debian's Chromium (Playwright) at 360×740, and reports, per run:

- first markers: the page's ``aidmap:first-markers`` mark (ms from navigation start);
- bytes transferred for the first view (document, scripts, styles, API answers, as sent:
  gzip where the server compressed), from the Resource Timing entries.

Usage: python scripts/bench_page.py [--resources 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import numpy as np
from bench_nearest import generate
from bench_serving import serving
from playwright.sync_api import sync_playwright

from app.core.config import Settings
from app.services.seeding import ensure_seeded
from app.storage import open_store

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update"]  # fmt: skip
PAGE_SETTINGS = {"AIDMAP_TILES": "none", "AIDMAP_BASE_URL": "{base}"}
FIRST_VIEW_JS = """() => {
  const mark = performance.getEntriesByName('aidmap:first-markers')[0];
  const entries = [...performance.getEntriesByType('navigation'),
                   ...performance.getEntriesByType('resource')];
  return {first: mark ? mark.startTime : null,
          bytes: entries.reduce((sum, e) => sum + e.transferSize, 0),
          requests: entries.length};
}"""


def measure(data_dir: Path, runs: int) -> list[dict]:
    """Serve ``data_dir`` and open the page ``runs`` times in fresh browser contexts."""
    results = []
    with serving(data_dir, data_dir / "serve.log", PAGE_SETTINGS) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        for _ in range(runs):
            # The page's CSP forbids eval, which wait_for_function needs to poll.
            context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True)
            page = context.new_page()
            page.goto(base + "/")
            page.wait_for_function(
                "performance.getEntriesByName('aidmap:first-markers').length", timeout=60_000
            )
            page.wait_for_load_state("networkidle")
            results.append(page.evaluate(FIRST_VIEW_JS))
            context.close()
        browser.close()
    return results


def report(label: str, results: list[dict]) -> None:
    """Print the median time to first markers and first-view bytes of some runs."""
    firsts = [r["first"] for r in results]
    kib = statistics.median(r["bytes"] for r in results) / 1024
    print(
        f"  {label:32s} first markers median {statistics.median(firsts):6.0f} ms "
        f"(min {min(firsts):.0f}, max {max(firsts):.0f});  first view {kib:,.0f} KiB "
        f"in {results[0]['requests']} requests"
    )


def main() -> None:
    """Measure the bundled data, then the bundled data with generated hospitals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print("headless Chromium, 360×740, loopback, no tiles (outlines from our own layers):")
    with tempfile.TemporaryDirectory() as tmp:
        bundled = Path(tmp) / "bundled"
        settings = Settings(data_dir=bundled, database_url="")
        store = open_store(settings)
        ensure_seeded(store, settings.geodata_dir)
        store.close()
        report("bundled (77 hospitals)", measure(bundled, args.runs))
        many = Path(tmp) / "many"
        _, store, added, _ = generate(many, args.resources, 0.3, np.random.default_rng(7))
        store.close()
        report(f"+{len(added):,} generated hospitals", measure(many, args.runs))


if __name__ == "__main__":
    main()
