"""``POST /api/v1/imports?kind=statuses``: a dry run for anyone, applying for volunteers
and up, recorded under the caller's name."""

from __future__ import annotations

import dataclasses

from fastapi.testclient import TestClient

from app.api import routes_imports
from app.domain.enums import Role
from app.services.auth import create_token
from app.services.imports.limits import SIGNED_IN
from tests.services.imports.status_sheets import xlsx

SHEET = xlsx([["医院名称", "血透", "急诊"], ["瑞金医院", "可接收", "<b>满员</b>"]])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _post(client: TestClient, dry_run: bool, headers: dict | None = None):
    return client.post(
        f"/api/v1/imports?kind=statuses&dry_run={str(dry_run).lower()}",
        files={"file": ("接诊.xlsx", SHEET, XLSX)},
        headers=headers or {},
    )


def test_anyone_plans_a_status_sheet_and_a_volunteer_applies_it(client: TestClient):
    store = client.app.state.context.store
    plan = _post(client, dry_run=True)
    assert plan.status_code == 200, plan.text
    body = plan.json()
    assert body["kind"] == "statuses" and body["counts"]["cells"] == 2
    assert body["applied"] is None
    assert _post(client, dry_run=False).status_code == 401
    _, secret = create_token(store, "核实组小王", Role.volunteer)
    applied = _post(client, dry_run=False, headers={"Authorization": f"Bearer {secret}"})
    assert applied.status_code == 200, applied.text
    assert applied.json()["applied"]["written"] == 2
    rid = next(r.id for r in store.iter_resources(kind="hospital") if r.ref == "ruijin")
    status = store.statuses_for([rid], "emergency")[rid]
    assert (status.state, status.reported_by, status.note) == (
        "closed",
        "核实组小王",
        "<b>满员</b>",
    )
    public = client.get(f"/api/v1/resources/{rid}/history").text
    assert "核实组小王" not in public  # a volunteer's name never on a public read


def unlike_text(seed: int, length: int) -> str:
    """``length`` CJK characters that repeat nothing (the sheet packs as real ones do, not
    as one phrase repeated, which a zip packs past the archive check's ratio)."""
    return "".join(chr(0x4E00 + (seed * 7919 + i * 104_729) % 20_000) for i in range(length))


def test_a_strangers_dry_run_answers_a_summary_of_the_rows_it_could_not_match(
    client: TestClient,
):
    """300 rows of 1,500-character names that match no hospital: every one was listed,
    its name twice (name and reason), ~4.5 KB a row (9 MiB for the 2,000 rows a stranger's
    check reads). The counts cover them all; the list shows the first 100, names cut."""
    names = [f"{n}号" + unlike_text(n, 1500) for n in range(300)]
    rows = [["医院名称", "血透"]] + [[name, "可接收"] for name in names]
    answer = client.post(
        "/api/v1/imports?kind=statuses",
        files={"file": ("接诊.xlsx", xlsx(rows), XLSX)},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["summarised"] and body["counts"]["unmatched_rows"] == 300
    assert len(body["unmatched"]) == 100
    assert all(len(row["name"]) <= 100 and len(row["reason"]) <= 200 for row in body["unmatched"])
    assert len(answer.content) < 100_000


def test_a_volunteers_sheet_is_planned_within_a_time_limit_and_answered_in_summary(
    client: TestClient, monkeypatch
):
    """A volunteer had a coordinator's budget: no time limit and every cell in the answer
    (a 20,000-row sheet of 9 services: 19 s, 70 MiB of JSON, 890 MB of memory; 100,000
    rows five times that). Every row is still planned, so the sheet can be applied; the
    answer lists the first 100 cells that are not unchanged."""
    store = client.app.state.context.store
    _, secret = create_token(store, "核实组小王", Role.volunteer)
    signed_in = {"Authorization": f"Bearer {secret}"}
    hospitals = list(store.iter_resources(kind="hospital"))
    rows = [["医院名称", "血透", "急诊", "儿科"]]
    rows += [[hospital.name, "可接收", "需预约", "满员"] for hospital in hospitals]
    files = {"file": ("接诊.xlsx", xlsx(rows), XLSX)}
    answer = client.post("/api/v1/imports?kind=statuses", files=files, headers=signed_in)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["summarised"] and not body["truncated"]
    assert body["counts"]["cells"] == 3 * len(hospitals) and len(body["cells"]) == 100
    assert all(cell["action"] != "unchanged" for cell in body["cells"])

    monkeypatch.setattr(routes_imports, "SIGNED_IN", dataclasses.replace(SIGNED_IN, seconds=0))
    url = "/api/v1/imports?kind=statuses&dry_run=false"
    late = client.post(url, files=files, headers=signed_in)
    assert late.status_code == 422 and "does not cover every row" in late.text
    assert store.statuses_for([hospital.id for hospital in hospitals], "pediatrics") == {}
