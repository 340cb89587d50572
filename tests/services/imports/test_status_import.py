"""``--kind statuses``: a team's status sheet read into the stored hospitals' statuses,
through the same versioned write as the API, never over a person's newer word."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.enums import WriteSource
from app.domain.statuses import StatusReport
from app.services.imports import status_plan
from app.services.imports.limits import FULL
from app.services.imports.plan import ImportBlocked
from app.services.imports.status_plan import CellAction, import_statuses
from app.services.imports.table import ImportFileError
from app.storage.port import Store
from tests.services.imports.status_sheets import WIDE, xlsx

NOW = datetime(2022, 4, 12, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai


def _id(store: Store, ref: str) -> int:
    return next(r.id for r in store.iter_resources(kind="hospital") if r.ref == ref)


def _status(store: Store, ref: str, service: str):
    rid = _id(store, ref)
    return store.statuses_for([rid], service).get(rid)


def _cell(plan, ref_name: str, service: str):
    return next(c for c in plan.cells if c.name.startswith(ref_name) and c.service == service)


def test_a_wide_sheet_is_planned_cell_by_cell_and_applied_under_the_callers_name(
    seeded_store: Store,
):
    upload = (xlsx(WIDE, merges=("A1:I1",)), "接诊情况.xlsx", None)
    plan, applied = import_statuses(seeded_store, upload, FULL, NOW, None)
    counts = plan.counts()
    assert applied is None and _status(seeded_store, "ruijin", "dialysis") is None  # dry run
    assert counts["unmatched_rows"] == 1 and plan.unmatched[0].name == "火星医院"
    assert counts["not_understood"] >= 1  # 🙏问问再说, for a person to classify
    ruijin = _cell(plan, "上海交通大学医学院附属瑞金医院", "dialysis")
    assert (ruijin.reading.state, ruijin.action) == ("open", CellAction.change)
    assert ruijin.reported_at == datetime(2022, 4, 12, 6, 30, tzinfo=UTC)  # 14:30 Shanghai
    assert _cell(plan, "上海交通大学医学院附属瑞金医院", "oncology").reading.state == "closed"
    maternity = _cell(plan, "上海交通大学医学院附属瑞金医院", "maternity")
    assert (
        maternity.reading.state == "limited" and "appointment_only" in maternity.reading.conditions
    )
    huashan_er = _cell(plan, "复旦大学附属华山医院", "emergency")
    assert "negative_test_48h" in huashan_er.reading.conditions
    sixth = _cell(plan, "上海市第六人民医院", "dialysis")
    assert sixth.reading.state == "limited" and "电话常占线" in (sixth.reading.note or "")

    plan, applied = import_statuses(seeded_store, upload, FULL, NOW, "核实组")
    assert applied["written"] >= 6 and applied["conflicts"] == 0
    status = _status(seeded_store, "ruijin", "dialysis")
    assert (status.state, status.reported_by) == ("open", "核实组")
    assert status.reported_at == datetime(2022, 4, 12, 6, 30, tzinfo=UTC)
    [entry, *_] = seeded_store.history(_id(seeded_store, "ruijin"), service="dialysis")
    assert entry.via == WriteSource.import_ and entry.status.source.startswith(
        "import:接诊情况.xlsx"
    )

    again, applied = import_statuses(seeded_store, upload, FULL, NOW, "核实组")
    assert again.counts()["change"] == 0 and applied["written"] == 0  # nothing new


def test_a_long_sheet_reads_a_service_column_and_a_state_column(seeded_store: Store):
    rows = [
        ["医院", "科室", "状态", "核实时间"],
        ["瑞金医院", "透析", "暂停", "2022-04-12 10:00"],
        ["瑞金医院", "急诊", "可接收", "2022-04-12 10:00"],
        ["华山", "发热", "有限接诊，仅上午", "2022/4/12 11:05"],
    ]
    plan, applied = import_statuses(seeded_store, (xlsx(rows), "long.xlsx", None), FULL, NOW, "李")
    assert plan.counts()["cells"] == 3 and applied["written"] == 3
    assert _status(seeded_store, "ruijin", "dialysis").state == "closed"
    assert _status(seeded_store, "huashan", "fever_clinic").state == "limited"


def test_a_persons_newer_word_stands_and_a_future_time_is_refused(seeded_store: Store):
    rid = _id(seeded_store, "ruijin")
    version = seeded_store.get_resource(rid).version
    seeded_store.set_status(rid, "dialysis", StatusReport(state="closed", reported_by="王阿姨",
                            reported_at=NOW - timedelta(minutes=30)), version)  # fmt: skip
    rows = [
        ["医院名称", "血透", "急诊", "更新时间"],
        ["瑞金医院", "可接收", "", "4/12 14:30"],  # 06:30 UTC: before 王阿姨's 08:30
        ["华山医院", "可接收", "", "4/12 23:30"],  # ahead of now
    ]
    plan, applied = import_statuses(seeded_store, (xlsx(rows), "s.xlsx", None), FULL, NOW, "表")
    assert _cell(plan, "上海交通大学医学院附属瑞金医院", "dialysis").action is CellAction.late
    assert _cell(plan, "复旦大学附属华山医院", "dialysis").action is CellAction.future
    assert applied["written"] == 0
    assert _status(seeded_store, "ruijin", "dialysis").reported_by == "王阿姨"
    assert _status(seeded_store, "huashan", "dialysis") is None


def test_a_status_changed_between_plan_and_apply_is_a_conflict_not_overwritten(
    seeded_store: Store,
):
    from app.services.imports.read import read_table
    from app.services.imports.status_plan import apply_statuses, plan_statuses

    rows = [["医院名称", "血透", "急诊"], ["瑞金医院", "可接收", "暂停"]]
    table = read_table(xlsx(rows), "s.xlsx", None)
    plan = plan_statuses(seeded_store, table, "s.xlsx", NOW)
    rid = _id(seeded_store, "ruijin")
    seeded_store.set_status(rid, "oncology", StatusReport(state="open", reported_by="王阿姨"),
                            seeded_store.get_resource(rid).version)  # fmt: skip
    applied = apply_statuses(seeded_store, plan, "表")
    assert applied == applied | {"written": 0, "conflicts": 2}
    assert _status(seeded_store, "ruijin", "dialysis") is None


def test_blank_cells_change_nothing_and_a_sheet_without_services_is_refused(seeded_store: Store):
    rows = [["医院名称", "血透"], ["瑞金医院", ""]]
    plan, _ = import_statuses(seeded_store, (xlsx(rows), "s.xlsx", None), FULL, NOW, None)
    assert plan.cells == []
    with pytest.raises(ImportFileError, match="no service column"):
        import_statuses(seeded_store, (xlsx([["医院名称", "电话"], ["瑞金医院", "1"]]), "s.xlsx",
                                       None), FULL, NOW, None)  # fmt: skip


def test_a_service_the_hospital_does_not_list_is_reported_not_written(seeded_store: Store):
    rows = [["医院名称", "产科"], ["上海市胸科医院", "可接收"]]
    plan, applied = import_statuses(seeded_store, (xlsx(rows), "s.xlsx", None), FULL, NOW, "表")
    [cell] = plan.cells
    assert cell.action is CellAction.not_offered and applied["written"] == 0


def test_the_file_name_reaches_history_as_plain_text_with_its_row(seeded_store: Store):
    """A file's name is the uploader's choice: a NUL in it was a 500 on PostgreSQL (text
    cannot hold one), and control and direction characters went into the public history
    as they were; past 300 characters the row number was cut off."""
    sheet = "医院名称,血透\n瑞金医院,可接收\n瑞金医院,满员\n".encode()
    named = "接诊\x00\u202e\x1b[31m.csv"
    _, applied = import_statuses(seeded_store, (sheet, named, None), FULL, NOW, "核实组")
    assert applied["written"] == 1
    [entry, *_] = seeded_store.history(_id(seeded_store, "ruijin"), service="dialysis")
    assert entry.status.source == "import:接诊[31m.csv row 3"
    long = "接诊" * 200 + ".csv"
    import_statuses(seeded_store, (sheet.replace("满员".encode(), "停诊".encode()), long, None),
                    FULL, NOW, "核实组")  # fmt: skip
    [entry, *_] = seeded_store.history(_id(seeded_store, "ruijin"), service="dialysis")
    assert entry.status.source.endswith("… row 3") and len(entry.status.source) <= 300


def test_service_cells_built_to_be_slow_cost_little_to_plan(seeded_store: Store):
    """A 科室 cell was matched against every service name once per part between its
    slashes, on every row: 2,000 characters of ``x/x/…`` cost ~95 ms, so a 20 MiB sheet of
    them planned for over 10 minutes (a volunteer's, or a source's at each change). The
    300 rows here took ~28 s."""
    rows = ["医院名称,科室,状态"]
    rows += [f"瑞金医院,{'x/' * 999}{n},可接收" for n in range(300)]
    rows += ["瑞金医院,血液透析,暂停接收", "瑞金医院,急诊科,正常"]
    started = time.monotonic()
    plan, _ = import_statuses(seeded_store, ("\n".join(rows).encode(), "s.csv", None), FULL,
                              NOW, None)  # fmt: skip
    assert time.monotonic() - started < 3
    assert {(c.service, c.reading.state) for c in plan.cells} == {
        ("dialysis", "closed"), ("emergency", "open"),
    }  # fmt: skip


def test_closest_names_are_looked_up_for_the_first_unmatched_rows_only(seeded_store: Store):
    """Each unmatched row was compared with every stored name (~1 ms a row here, ~13 ms
    with 2,000 hospitals): a source's sheet of 100,000 made-up names planned for minutes
    at every change. Past the first 100, a sheet is not a few typos."""
    rows = ["医院名称,血透"] + [f"上海市第{n}人民医院分院,可接收" for n in range(300)]
    plan, _ = import_statuses(seeded_store, ("\n".join(rows).encode(), "s.csv", None), FULL,
                              NOW, None)  # fmt: skip
    assert len(plan.unmatched) == 300
    assert all(row.closest for row in plan.unmatched[:100])
    assert not any(row.closest for row in plan.unmatched[100:])


def test_an_update_time_a_little_ahead_is_filed_as_now(seeded_store: Store):
    """Within the five minutes a fast clock is allowed, the sheet's time was stored as it
    was: a status checked in the future, against which a person's dated report in the
    next minutes was late and changed nothing. The API files such a time as now."""
    rows = [["医院名称", "血透", "更新时间"], ["瑞金医院", "可接收", "4/12 17:04"]]  # NOW + 4 min
    plan, applied = import_statuses(seeded_store, (xlsx(rows), "s.xlsx", None), FULL, NOW, "表")
    assert applied["written"] == 1 and plan.cells[0].reported_at == NOW
    assert _status(seeded_store, "ruijin", "dialysis").checked_at == NOW


def test_a_sheet_of_more_cells_than_any_teams_is_planned_only_so_far(
    seeded_store: Store, monkeypatch: pytest.MonkeyPatch
):
    """Rows naming the same hospitals again and again gave a plan of every cell: 100,000
    rows of 9 services held ~600 MB for a source's run (and a volunteer's 30 s). Past
    ``MAX_PLAN_CELLS`` the plan stops, says so, and is not applied."""
    monkeypatch.setattr(status_plan, "MAX_PLAN_CELLS", 5)
    rows = ["医院名称,血透,急诊"] + ["瑞金医院,可接收,正常", "华山医院,满员,正常"] * 3
    upload = ("\n".join(rows).encode(), "s.csv", None)
    plan, _ = import_statuses(seeded_store, upload, FULL, NOW, None)
    assert plan.truncated and len(plan.cells) <= 6
    assert "only the rows before row 5 were planned (more than 5 cells)" in plan.notices
    with pytest.raises(ImportBlocked, match="does not cover every row"):
        import_statuses(seeded_store, upload, FULL, NOW, "核实组")
    assert _status(seeded_store, "ruijin", "dialysis") is None
