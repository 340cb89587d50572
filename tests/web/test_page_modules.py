"""The pages' shared ES modules in a real Chromium, imported as a page's own code imports
them (from the versioned path its entry module came from)."""

from __future__ import annotations

import httpx

from app.geo.crs import wgs84_to_bd09, wgs84_to_gcj02

IMPORT = """async ([name, call, args]) => {
  const entry = document.querySelector('script[type=module]').src;
  const module = await import(new URL(name, entry).href);
  try { return await module[call](...args); }
  catch (e) { return {error: e.message, status: e.status, body: e.body, etag: e.etag}; }
}"""


def call(page, module: str, function: str, *args):
    """``function(*args)`` of one of the page's modules, awaited; a rejection as a dict."""
    return page.page.evaluate(IMPORT, [module, function, list(args)])


def test_the_page_transforms_match_the_server_ones(served, open_page):
    page = open_page()
    page.page.goto(served.base + "/")
    for lon, lat in ((121.4737, 31.2304), (121.9, 30.9), (2.35, 48.85)):
        gcj = call(page, "coords.js", "wgsToGcj", lon, lat)
        bd = call(page, "coords.js", "wgsToBd", lon, lat)
        back = call(page, "coords.js", "gcjToWgs", *gcj)
        assert max(abs(a - b) for a, b in zip(gcj, wgs84_to_gcj02(lon, lat), strict=True)) < 1e-9
        assert max(abs(a - b) for a, b in zip(bd, wgs84_to_bd09(lon, lat), strict=True)) < 1e-9
        assert max(abs(a - b) for a, b in zip(back, (lon, lat), strict=True)) < 1e-8


def test_the_api_client_names_the_version_it_changes_and_says_it_is_our_page(served, open_page):
    """write() sends If-Match and X-Aidmap-Page, answers the new ETag, and a write at an old
    version fails with the server's 412 text and the current state; errors are text."""
    page = open_page()
    page.page.goto(served.base + "/")
    sent: list[dict] = []
    page.page.on("request", lambda r: r.method == "PUT" and sent.append(r.headers))
    read = call(page, "api.js", "exchange", "/api/v1/resources/3")
    etag = read["etag"]
    assert etag == f'"{read["body"]["version"]}"'
    auth = {"Authorization": f"Bearer {served.secret}"}
    path = f"/api/v1/resources/3/status/{read['body']['services'][0]}"
    written = call(page, "api.js", "write", "PUT", path, {"state": "open"}, etag, auth)
    assert written["etag"] != etag and written["body"]["status"]["state"] == "open"
    assert sent[-1]["if-match"] == etag and sent[-1]["x-aidmap-page"] == "1"
    assert httpx.get(f"{served.base}/api/v1/resources/3").headers["etag"] == written["etag"]
    stale = call(page, "api.js", "write", "PUT", path, {"state": "closed"}, etag, auth)
    assert stale["status"] == 412 and stale["error"] and "version" in stale["error"].lower()
    assert any(s["state"] == "open" for s in stale["body"]["current"]["statuses"])
    refused = call(page, "api.js", "write", "PUT", path, {"state": "closed"}, written["etag"])
    assert refused["status"] == 401 and refused["error"]
    missing = call(page, "api.js", "api", "/api/v1/resources/999999")
    assert missing["status"] == 404 and missing["error"]
    assert [e for e in page.errors if not e.startswith("Failed to load resource")] == []


def test_a_phones_extension_is_dialled_after_a_pause_not_as_more_digits(served, open_page):
    """Phones may carry an extension (imports and the API read 转, ext and x): its digits
    were run into the number, so a tap dialled 021643700458001, another number."""
    page = open_page()
    page.page.goto(served.base + "/")
    expected = {
        "021-64370045": "tel:02164370045",
        "+86 21 6437 0045": "tel:+862164370045",
        "021-64370045转8001": "tel:02164370045,8001",
        "64370045ext.12": "tel:64370045,12",
        "(021)64370045x3": "tel:02164370045,3",
        "javascript:alert(1)": "tel:1",
    }
    for phone, href in expected.items():
        assert call(page, "places.js", "telHref", phone) == href, phone
