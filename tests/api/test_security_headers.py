"""Security headers on every answer, the page's own policy, and CORS (off by default)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from app.web.csp import DOCS_POLICY, DOCUMENT_POLICY


def test_security_headers(client: TestClient):
    api = client.get("/api/v1/services")
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    page = client.get("/").headers["content-security-policy"]
    assert "script-src 'self';" in page and "unsafe" not in page
    assert "frame-ancestors 'self'" in page and "https://webrd01.is.autonavi.com" in page
    embedded = client.get("/", params={"embed": 1}).headers["content-security-policy"]
    assert "frame-ancestors *" in embedded  # ?embed=1 is for others' pages
    ogc = client.get("/ogc/collections", params={"f": "html"})
    assert ogc.headers["content-security-policy"] == DOCUMENT_POLICY
    docs = client.get("/docs").headers["content-security-policy"]
    assert docs == DOCS_POLICY and "script-src 'self';" in docs and "http" not in docs
    assert client.get("/redoc").status_code == 404  # FastAPI's, from a CDN: not served


def test_paths_holding_a_credential_send_no_referrer(client: TestClient):
    """An invite's or a tracking link's page fetches its stylesheet before any referrer
    meta is read: the whole URL went as Referer to wherever the static files are served
    and logged. Error pages under those paths too (a 429 for a right secret)."""
    html = {"Accept": "text/html"}
    for path in ("/join/Vh7NDdzXduhgbEC5oo8q--RN", "/h/unknown-secret", "/join/x/qr.png"):
        answer = client.get(path, headers=html)
        assert answer.headers["referrer-policy"] == "no-referrer", path
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert client.get("/").headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_cors_is_off_by_default(client: TestClient):
    origin = {"Origin": "https://elsewhere.example"}
    assert (
        "access-control-allow-origin" not in client.get("/api/v1/services", headers=origin).headers
    )
    preflight = client.options("/api/v1/share", headers=origin | {
        "Access-Control-Request-Method": "POST"})  # fmt: skip
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_the_configured_origins_only(settings: Settings):
    settings = settings.model_copy(update={"cors_origins": ["https://partner.example"]})
    with TestClient(create_app(settings)) as client:
        partner, other = "https://partner.example", "https://elsewhere.example"
        allowed = client.get("/api/v1/services", headers={"Origin": partner})
        assert allowed.headers["access-control-allow-origin"] == partner
        exposed = allowed.headers["access-control-expose-headers"].lower()
        assert "etag" in exposed and "x-request-id" in exposed
        assert (
            "access-control-allow-origin"
            not in client.get("/api/v1/services", headers={"Origin": other}).headers
        )
        preflight = client.options("/api/v1/resources/1/status/dialysis", headers={
            "Origin": partner, "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, if-match, content-type"})  # fmt: skip
        assert preflight.status_code == 200
        assert "PUT" in preflight.headers["access-control-allow-methods"]
        too_big = client.post("/api/v1/share", content=b"x" * 5000, headers={"Origin": partner})
        assert too_big.status_code == 413  # and the partner's page can read why:
        assert too_big.headers["access-control-allow-origin"] == partner
