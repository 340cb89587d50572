"""A team's status sheet through the workspace, in real Chromium against ``aidmap serve``:
imported once through the page, and kept in step as a source whose held plan a
coordinator approves on the page."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.domain.enums import Role
from app.domain.sources import SourceKind
from app.services.sources.manage import new_source
from tests.web.conftest import Served, serving
from tests.web.desk import sign_in

SHEET = "医院名称,区,血透,急诊\n瑞金医院,黄浦区,暂停接收,🙏问问再说\n火星医院,黄浦区,可接收,\n"


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    """The page's server, allowed to read a document on loopback, polling every second."""
    env = {"AIDMAP_SOURCE_ALLOW_PRIVATE": "true", "AIDMAP_SOURCE_MIN_INTERVAL_S": "1"}
    with serving(tmp_path_factory.mktemp("served"), "none", **env) as served:
        yield served


def _state(served: Served, ref: str, service: str) -> str | None:
    rid = next(r.id for r in served.store.iter_resources(kind="hospital") if r.ref == ref)
    status = served.store.statuses_for([rid], service).get(rid)
    return None if status is None else status.state


def test_a_coordinator_imports_a_status_sheet_through_the_page(served, open_page, tmp_path):
    sheet = tmp_path / "接诊情况.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    phone = sign_in(served, open_page, "钱协调", Role.coordinator)
    phone.page.get_by_role("link", name="导入").tap()
    phone.page.set_input_files("#import-file", str(sheet))
    assert phone.page.locator("#import-kind").input_value() == "statuses"
    phone.page.get_by_role("button", name="预览").tap()
    phone.wait_for("document.querySelector('#import-plan .plan')")
    plan = phone.page.locator("#import-plan").inner_text()
    assert "看不懂 1" in plan and "找不到医院 1 行" in plan and "火星医院" in plan
    assert "🙏问问再说" in plan and "暂停" in plan
    phone.screenshot("desk-import-statuses-360x740")
    assert _state(served, "ruijin", "dialysis") is None  # a dry run
    phone.page.get_by_role("button", name="确认导入").tap()
    phone.wait_for("document.querySelector('#import-plan .done')")
    assert _state(served, "ruijin", "dialysis") == "closed"
    assert _state(served, "ruijin", "emergency") == "unknown"
    assert phone.errors == []


class _Document(BaseHTTPRequestHandler):
    """The team's shared document, as its CSV export link answers."""

    def do_GET(self) -> None:
        body = SHEET.replace("暂停接收", "可接收").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/csv; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_held_source_plan_is_approved_on_the_page(served, open_page):
    document = ThreadingHTTPServer(("127.0.0.1", 0), _Document)
    threading.Thread(target=document.serve_forever, daemon=True).start()
    try:
        link = f"http://127.0.0.1:{document.server_port}/export.csv"
        source = new_source("team-sheet", link, SourceKind.statuses, datetime.now(UTC),
                            every_s=3600, review=True)  # fmt: skip
        served.store.add_source(source)
        phone = sign_in(served, open_page, "孙协调", Role.coordinator)
        phone.page.get_by_role("link", name="导入").tap()
        phone.wait_for("document.getElementById('sources').innerText.includes('team-sheet')")
        if "等待审核" not in phone.page.locator("#sources").inner_text():
            phone.page.get_by_role("button", name="现在读取").tap()
        phone.wait_for("document.getElementById('sources').innerText.includes('等待审核')")
        assert link not in phone.page.locator("body").inner_text()  # links stay in the API
        phone.screenshot("desk-source-held-360x740")
        phone.page.get_by_role("button", name="批准并应用").tap()
        phone.wait_for("document.getElementById('sources').innerText.includes('已更新')")
        assert _state(served, "ruijin", "dialysis") == "open"
        assert phone.errors == []
    finally:
        document.shutdown()
        document.server_close()
