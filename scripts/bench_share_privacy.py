"""What a stranger can learn from shares, measured on the bundled data (issue 13, finding 5).

1. Guessing codes over HTTP: one ``aidmap serve`` on loopback; for ``--seconds`` each, one
   client reads a real share's card (the baseline: found codes are never limited) and a
   second client, from another loopback address, asks random codes. Prints how many of
   the guesses reached the store (404) and how many were refused (429), the guesses a day
   one address can make, and what the guesser gets for a real code afterwards.
2. Rounding a shared position to ``COORD_DECIMALS``: over ``--points`` random points on
   Shanghai's land (and as many in the seven central districts, where hospitals are
   densest), how often the k nearest hospitals of the rounded point are the same set, and
   in the same order, as those of the exact point.

Usage: python scripts/bench_share_privacy.py [--seconds 5] [--points 5000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
from bench_serving import serving

from app.core.config import REPO_GEODATA_DIR, Settings
from app.geo.reverse import ReverseIndex
from app.main import FAILED_SHARE_LOOKUP_LIMIT
from app.services.nearest import NearestFinder, NearestQuery
from app.services.seeding import bundled_seed
from app.services.sharing import CODE_ALPHABET, CODE_LENGTH, COORD_DECIMALS
from app.storage import open_store

CENTRAL = {"黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区"}
CITY = (120.85, 30.67, 122.2, 31.88)
CENTRE = (121.35, 31.1, 121.6, 31.35)


def client_from(address: str) -> httpx.Client:
    """A keep-alive client whose connections come from ``address`` (any 127.x works)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


def loop(client: httpx.Client, paths, seconds: float) -> dict[int, int]:
    """GET each path in turn for ``seconds``; the count of each status."""
    counts: dict[int, int] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(next(paths)).status_code
        counts[status] = counts.get(status, 0) + 1
    return counts


def guessing(seconds: float) -> None:
    """Part 1: a reader of a real code against a guesser of random ones."""
    rng = random.Random(5)
    codes = iter(lambda: "".join(rng.choices(CODE_ALPHABET, k=CODE_LENGTH)), None)
    with (
        tempfile.TemporaryDirectory() as tmp,
        serving(Path(tmp) / "data", Path(tmp) / "log") as base,
    ):
        view = {"center": [121.4737, 31.2304], "zoom": 14, "nearest": {"lon": 121.47, "lat": 31.23}}
        code = httpx.post(f"{base}/api/v1/share", json=view).json()["code"]
        card = f"{base}/s/{code}.txt"
        with client_from("127.0.0.2") as reader, client_from("127.0.0.3") as guesser:
            read = loop(reader, iter(lambda: card, None), seconds)
            guessed = loop(guesser, (f"{base}/s/{c}.txt" for c in codes), seconds)
            after = guesser.get(card)
            still = reader.get(card).status_code
    reads, tries = sum(read.values()), sum(guessed.values())
    limit, window = FAILED_SHARE_LOOKUP_LIMIT
    print(f"reader (baseline), one real code: {reads} reads in {seconds:g} s "
          f"({reads / seconds:.0f}/s), statuses {read}")  # fmt: skip
    asked = guessed.get(404, 0)
    print(
        f"guesser, random codes: {tries} requests ({tries / seconds:.0f}/s), {asked} reached "
        f"the store (404), {guessed.get(429, 0)} refused (429): {asked / tries:.2%} asked"
    )
    print(f"one address: {limit} failed look-ups per {window / 60:g} min = "
          f"{limit * 86400 / window:,.0f} a day; unlimited, this guesser's rate would ask "
          f"{tries / seconds * 86400:,.0f} a day")  # fmt: skip
    print(
        f"the guesser on the real code afterwards: {after.status_code} "
        f"(Retry-After {after.headers.get('retry-after')}); the reader: {still}"
    )
    space = len(CODE_ALPHABET) ** CODE_LENGTH
    print(
        f"codes: {space:,}; with 10,000 shares stored, one address finds "
        f"{limit * 86400 / window * 10_000 / space:.3f} a day"
    )


def rounding(points: int) -> None:
    """Part 2: the nearest hospitals of rounded against exact positions."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Settings(data_dir=Path(tmp), database_url=""))
        try:
            store.seed(*bundled_seed(REPO_GEODATA_DIR))
            finder, index = NearestFinder(store), ReverseIndex(store)
            rng = np.random.default_rng(13)
            for area, box in (("land", CITY), ("centre", CENTRE)):
                sample = _points(index, rng, box, points, central=area == "centre")
                for k in (1, 3, 5):
                    same_set, same_order = _agreement(finder, sample, k)
                    print(f"{area:6s} k={k}: same hospitals {same_set:.2%}, "
                          f"same order {same_order:.2%} ({points} points)")  # fmt: skip
        finally:
            store.close()


def _points(index, rng, box, n: int, central: bool) -> list[tuple[float, float]]:
    found: list[tuple[float, float]] = []
    while len(found) < n:
        lon, lat = rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3])
        district = index.locate(lon, lat).district
        if district is not None and (not central or district.name in CENTRAL):
            found.append((lon, lat))
    return found


def _agreement(finder, sample, k: int) -> tuple[float, float]:
    now, same_set, same_order = datetime.now(UTC), 0, 0
    for lon, lat in sample:
        exact = [h.view.resource.id for h in finder.find(NearestQuery(lon, lat, k=k), now, 12)]
        kept = (round(lon, COORD_DECIMALS), round(lat, COORD_DECIMALS))
        rounded = [h.view.resource.id for h in finder.find(NearestQuery(*kept, k=k), now, 12)]
        same_set += set(exact) == set(rounded)
        same_order += exact == rounded
    return same_set / len(sample), same_order / len(sample)


def main() -> None:
    """Run both parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--points", type=int, default=5000)
    args = parser.parse_args()
    guessing(args.seconds)
    rounding(args.points)


if __name__ == "__main__":
    main()
