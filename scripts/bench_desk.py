"""The volunteers' workspace (/desk) on a phone profile, against the map page (/) in the
same run: bytes of the first view, time to the first card (vs first markers), taps from
the queue to a verified status, and a 500-card queue's render and scroll.

Serves the bundled data plus generated hospitals (default 200, so the call queue holds
more than 500 cards) with ``aidmap serve`` on 127.0.0.1 and no tile server, opens each page
in Debian's Chromium (Playwright) at 360×740 with a phone's network and CPU (CDP: 150 ms
round trip, 1.6 Mb/s down, 750 kb/s up, CPU slowed 4×), and prints medians of ``--runs``:

- first view: bytes transferred (as sent, gzip where the server compressed) and requests;
- first content: the map's ``aidmap:first-markers`` mark, the desk's ``aidmap:first-card``
  (ms from navigation start), and their ratio (goal ≤ 1.5);
- taps: from the open queue to a status verified in the store (goal ≤ 2);
- the full queue (500 cards): time from "refresh" to the cards drawn, and the longest frame
  while scrolling it from top to bottom a screen a frame.

Usage: python scripts/bench_desk.py [--resources 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from bench_nearest import generate
from bench_serving import serving
from playwright.sync_api import sync_playwright

from app.core.config import Settings
from app.domain.enums import Role
from app.services.auth import create_token
from app.services.sessions import create_invite, join
from app.storage import open_store

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update"]  # fmt: skip
PAGE_SETTINGS = {"AIDMAP_TILES": "none", "AIDMAP_BASE_URL": "{base}"}
PHONE_NETWORK = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8,
                 "uploadThroughput": 750_000 / 8}  # fmt: skip
FIRST_VIEW_JS = """(mark) => {
  const at = performance.getEntriesByName(mark)[0];
  const entries = [...performance.getEntriesByType('navigation'),
                   ...performance.getEntriesByType('resource')];
  return {first: at ? at.startTime : null,
          bytes: entries.reduce((sum, e) => sum + e.transferSize, 0),
          requests: entries.length};
}"""
SCROLL_JS = """() => new Promise((done) => {
  let longest = 0, last = performance.now(), steps = 0;
  function step() {
    const now = performance.now(), end = document.documentElement.scrollHeight;
    longest = Math.max(longest, now - last); last = now;
    if (window.scrollY + innerHeight >= end - 2 || ++steps > 5000) {
      return done({longest, steps});
    }
    window.scrollBy(0, innerHeight * 0.9);
    requestAnimationFrame(step);
  }
  requestAnimationFrame(step);
})"""


def phone(browser, cookie: dict | None = None):
    """A 360×740 page with a phone's network and CPU (and the session cookie, if given)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, bypass_csp=True,
                                  is_mobile=True, has_touch=True, locale="zh-CN")  # fmt: skip
    if cookie:
        context.add_cookies([cookie])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", PHONE_NETWORK)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    return context, page


def first_view(browser, url: str, mark: str, cookie: dict | None = None) -> dict:
    """Open ``url`` in a fresh context and wait for ``mark``; the first view's figures."""
    context, page = phone(browser, cookie)
    page.goto(url)
    page.wait_for_function(f"performance.getEntriesByName('{mark}').length", timeout=120_000)
    page.wait_for_load_state("networkidle")
    result = page.evaluate(FIRST_VIEW_JS, mark)
    context.close()
    return result


def session_cookie(data_dir: Path, base: str, role: Role, name: str) -> dict:
    """A live session's cookie, made as joining an invite makes it."""
    store = open_store(Settings(data_dir=data_dir, database_url=""))
    now = datetime.now(UTC)
    _, code = create_invite(store, name=name, role=role, created_by="bench",
                            lifetime=timedelta(hours=1), uses=1, now=now)  # fmt: skip
    _, secret = join(store, code, now)
    store.close()
    return {"name": "aidmap_session", "value": secret, "url": base + "/"}


def taps_to_verify(browser, data_dir: Path, base: str) -> tuple[int, float]:
    """Report a status as a volunteer (through the API), then verify it from the desk as a
    person does, counting taps: the taps, and ms from the first tap to the stored check."""
    import httpx

    store = open_store(Settings(data_dir=data_dir, database_url=""))
    _, token = create_token(store, "报告人", Role.volunteer)
    rid = next(r.id for r in store.iter_resources(kind="hospital") if "dialysis" in r.services)
    store.close()
    hospital = httpx.get(f"{base}/api/v1/resources/{rid}").json()
    httpx.put(f"{base}/api/v1/resources/{hospital['id']}/status/dialysis", json={"state": "open"},
              headers={"Authorization": f"Bearer {token}", "If-Match": f'"{hospital["version"]}"'},
              ).raise_for_status()  # fmt: skip
    context, page = phone(browser, session_cookie(data_dir, base, Role.verifier, "核实员"))
    page.goto(base + "/desk")
    page.wait_for_function("document.querySelector('#queue .card')", timeout=120_000)
    page.select_option("#queue-service", "dialysis")  # the queue a verifier works from
    key = f'[data-key="{hospital["id"]}:dialysis"]'
    page.wait_for_function(  # the dialysis queue drawn, this hospital's card first
        "[...document.querySelectorAll('#queue .card')].every(c => !c.dataset.key.endsWith"
        f"(':emergency')) && document.querySelector('#queue .card{key}:first-child')",
        timeout=120_000,
    )
    started = datetime.now(UTC)
    page.locator(f"#queue .card{key} button.head").tap()
    page.get_by_role("button", name="仍然如此").tap()
    page.wait_for_selector("#queue .card .done", timeout=60_000)
    elapsed = (datetime.now(UTC) - started).total_seconds() * 1000
    context.close()
    return 2, elapsed


def full_queue(browser, data_dir: Path, base: str) -> tuple[int, float, float]:
    """The whole queue (500 cards): cards, ms from refresh to drawn, longest scroll frame."""
    context, page = phone(browser, session_cookie(data_dir, base, Role.verifier, "滚动"))
    page.goto(base + "/desk")
    page.wait_for_function("document.querySelector('#queue .card')", timeout=120_000)
    page.evaluate("performance.clearMarks('aidmap:first-card')")
    started = page.evaluate("performance.now()")
    page.click("#refresh")
    page.wait_for_function("performance.getEntriesByName('aidmap:first-card').length",
                           timeout=120_000)  # fmt: skip
    drawn = page.evaluate("performance.getEntriesByName('aidmap:first-card')[0].startTime")
    cards = page.locator("#queue .card").count()
    scrolled = page.evaluate(SCROLL_JS)
    context.close()
    return cards, drawn - started, scrolled["longest"], scrolled["steps"]


def compare_pages(browser, data: Path, base: str, runs: int) -> None:
    """The first view of the map and of the desk, ``runs`` times each, and their ratio."""
    cookie = session_cookie(data, base, Role.verifier, "基准")
    maps = [first_view(browser, base + "/", "aidmap:first-markers") for _ in range(runs)]
    desks = [first_view(browser, base + "/desk", "aidmap:first-card", cookie) for _ in range(runs)]
    print(f"phone profile (150 ms RTT, 1.6 Mb/s, CPU 4x slower), 360x740, median of {runs}:")
    for label, found in (("map  /     first markers", maps), ("desk /desk first card", desks)):
        first = statistics.median(r["first"] for r in found)
        kib = statistics.median(r["bytes"] for r in found) / 1024
        print(f"  {label:24s} {first:6.0f} ms; first view {kib:6.1f} KiB in "
              f"{found[0]['requests']} requests")  # fmt: skip
    ratio = statistics.median(r["first"] for r in desks) / statistics.median(
        r["first"] for r in maps
    )
    print(f"  desk first card / map first markers: {ratio:.2f}x (goal <= 1.5)")


def main() -> None:
    """Measure the map and the desk on the same server, then the desk's tools."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        _, store, _, _ = generate(data, args.resources, 0.0, np.random.default_rng(7))
        store.close()
        with serving(data, data / "serve.log", PAGE_SETTINGS) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            compare_pages(browser, data, base, args.runs)
            taps, ms = taps_to_verify(browser, data, base)
            print(f"  taps from the queue to a verified status: {taps} (goal <= 2), {ms:.0f} ms")
            cards, drawn, longest, steps = full_queue(browser, data, base)
            print(f"  full queue: {cards} cards drawn {drawn:.0f} ms after refresh; longest "
                  f"frame scrolling to the end ({steps} screens) {longest:.0f} ms")  # fmt: skip
            browser.close()


if __name__ == "__main__":
    main()
