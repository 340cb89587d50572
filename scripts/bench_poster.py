"""Time to draw a share's poster (1080×2340) against its preview image (1200×630), on the
bundled data, in one run: drawn cold in-process (what the first request for a share and
data version pays), and served over HTTP (in-process app) from the poster cache, beside
the preview, which is drawn on every request.

Usage: python scripts/bench_poster.py [--runs 20]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench_share import median_ms
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.services.share_card import share_answer
from app.services.share_place import Places
from app.services.sharing import view_of
from app.web.fonts import find_fonts
from app.web.map_image import marks_for
from app.web.poster import share_poster
from app.web.preview import render_preview

SQUARE = {"lon": 121.4737, "lat": 31.2304}
SHARES = {
    "nearest, k=5 (zoom 15)": {"center": [SQUARE["lon"], SQUARE["lat"]], "zoom": 15,
                               "nearest": SQUARE | {"service": "dialysis", "k": 5}},
    "view of the city (zoom 11)": {"center": [121.47, 31.23], "zoom": 11, "service": "dialysis"},
}  # fmt: skip


def main() -> None:
    """Print the preview's and the poster's times per share, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    fonts = find_fonts()
    print(f"font: {fonts.path or 'none (English posters)'}; median of {runs} runs")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), database_url="")
        with TestClient(create_app(settings)) as client:
            context = client.app.state.context
            store, ttl, now = context.store, settings.status_ttl_hours, context.clock()
            places = Places.of(context.geocoders)
            for label, body in SHARES.items():
                made = client.post("/api/v1/share", json=body).json()
                share = store.get_share(made["code"])
                view = view_of(share)
                found = share_answer(view, context.nearest, places, now, ttl)

                def preview(view=view, found=found, made=made) -> bytes:
                    return render_preview(store, view, marks_for(view, found), made["url"],
                                          now, ttl, fonts)  # fmt: skip

                def poster(share=share, made=made) -> bytes:
                    return share_poster(share, store, context.nearest, places, now, ttl,
                                        made["url"], fonts).png  # fmt: skip

                preview_ms, poster_ms = median_ms(preview, runs), median_ms(poster, runs)
                get_preview = median_ms(lambda made=made: client.get(made["preview_png"]), runs)
                get_poster = median_ms(lambda made=made: client.get(made["poster_png"]), runs)
                etag = client.get(made["poster_png"]).headers["etag"]
                revalidate = median_ms(
                    lambda made=made, etag=etag: client.get(
                        made["poster_png"], headers={"If-None-Match": etag}
                    ),
                    runs,
                )
                print(f"\n{label}")
                print(f"  preview drawn            {preview_ms:7.1f} ms")
                print(f"  poster drawn (cold)      {poster_ms:7.1f} ms  "
                      f"({poster_ms / preview_ms:.1f}x the preview)")  # fmt: skip
                print(f"  GET preview.png          {get_preview:7.1f} ms  (drawn every time)")
                print(f"  GET poster.png, cached   {get_poster:7.1f} ms  "
                      f"({get_poster / get_preview:.2f}x GET preview.png)")  # fmt: skip
                print(f"  GET poster.png, 304      {revalidate:7.1f} ms")


if __name__ == "__main__":
    main()
