"""Signing a browser into the workspace through an invite, as a person does, and finding a
card in its queue."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.domain.enums import Kind, Role
from app.services.sessions import create_invite
from tests.web.conftest import Page, Served


def sign_in(
    served: Served, open_page, name: str, role: Role, *, width: int = 360, height: int = 740,
    lang: str = "zh",
) -> Page:  # fmt: skip
    """A phone (its own browser context) that opened an invite for ``name`` and joined."""
    _, code = create_invite(
        served.store, name=name, role=role, created_by="李协调",
        lifetime=timedelta(hours=1), uses=1, now=datetime.now(UTC),
    )  # fmt: skip
    phone = open_page(width, height, locale="zh-CN" if lang == "zh" else "en-GB", touch=True)
    query = "?lang=en" if lang == "en" else ""
    phone.page.goto(f"{served.base}/join/{code}{query}")
    phone.page.get_by_role("button", name="确认加入" if lang == "zh" else "Join").tap()
    phone.page.wait_for_url(f"{served.base}/desk{query}")
    phone.wait_for("document.querySelectorAll('#queue .card').length > 0")
    return phone


def card(phone: Page, resource_id: int, service: str | None):
    """The queue's card of a hospital's service (or, with None, of its location)."""
    return phone.page.locator(f'#queue .card[data-key="{resource_id}:{service or "location"}"]')


def choose_service(phone: Page, service: str) -> None:
    """Show the queue of one service, and wait for it."""
    phone.page.select_option("#queue-service", service)
    phone.wait_for(
        "document.querySelector('#queue .card') && [...document.querySelectorAll('#queue .card')]"
        f".every(c => c.dataset.key.endsWith(':{service}') || c.dataset.key.endsWith(':location'))"
    )


def hospitals_offering(served: Served, service: str) -> list[int]:
    """Ids of hospitals that list ``service``, in id order."""
    return sorted(
        r.id for r in served.store.iter_resources(kind=Kind.hospital) if service in r.services
    )


@contextmanager
def another_site(page: str) -> Iterator[str]:
    """Serve one HTML page from another origin (127.0.0.1, another port: the same site,
    so a ``SameSite=Strict`` cookie still goes with its requests); its URL."""
    body = page.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
