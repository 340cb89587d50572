"""Time to draw a share's preview image and text card on the bundled data, in-process.

Baseline, in the same run: encoding a blank 1200×630 PNG, which every preview pays
anyway, so the preview figure reads as a ratio over the bare cost of the format.

Usage: python scripts/bench_share.py [--runs 20]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from PIL import Image

from app.core.config import REPO_GEODATA_DIR, Settings
from app.services.geocoding import ChainHolder
from app.services.nearest import NearestFinder
from app.services.seeding import bundled_seed
from app.services.share_card import render_card
from app.services.share_place import Places
from app.services.sharing import ShareView, create_share, view_of
from app.storage import open_store
from app.web.fonts import find_fonts
from app.web.map_image import Marks
from app.web.preview import render_preview

SQUARE = (121.4737, 31.2304)


def median_ms(action: Callable[[], object], runs: int) -> float:
    """Median wall time of ``action`` in milliseconds, after one warm-up call."""
    action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def blank_png() -> bytes:
    """The baseline: a flat 1200×630 image encoded as the preview is."""
    out = io.BytesIO()
    Image.new("RGB", (1200, 630), (226, 232, 238)).save(out, format="PNG", compress_level=6)
    return out.getvalue()


def main() -> None:
    """Print the median preview and card times for a city view and a street view."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url="")
        store = open_store(settings)
        try:
            store.seed(*bundled_seed(REPO_GEODATA_DIR))
            finder, now = NearestFinder(store), datetime.now(UTC)
            places = Places.of(ChainHolder(settings, store))
            baseline = median_ms(blank_png, runs)
            print(f"baseline: blank 1200x630 PNG   {baseline:7.1f} ms")
            for label, zoom in (("whole city (zoom 9)", 9), ("streets (zoom 14)", 14)):
                view = ShareView(
                    center=SQUARE, zoom=zoom, service="dialysis",
                    nearest={"lon": SQUARE[0], "lat": SQUARE[1]},
                )  # fmt: skip
                share = create_share(store, view)
                marks, caption = Marks(origin=SQUARE), "127.0.0.1:8000/s/" + share.code
                draw = partial(render_preview, store, view_of(share), marks, caption, now, 12.0,
                               find_fonts())  # fmt: skip
                ms = median_ms(draw, runs)
                print(f"preview, {label:20s} {ms:7.1f} ms  ({ms / baseline:.1f}x baseline)")
            card_ms = median_ms(
                lambda: render_card(share, store, finder, places, now, 12.0, "http://x"), runs
            )
            print(f"text card (nearest, k=3)       {card_ms:7.1f} ms")
        finally:
            store.close()


if __name__ == "__main__":
    main()
