"""Phones in an import as a coordinator's sheet writes them: a questionable number is a
warning on its row, never a reason to lose the file, and never makes a stored number worse
(issue 17)."""

from __future__ import annotations

from app.services.imports.plan import apply_import
from app.services.imports.records import RowAction
from app.storage.port import Store

SHEET = """名称,区,电话
瑞金医院,黄浦区,021-64370045
瑞金医院北院,嘉定区,12345
甲医院,黄浦区,021-55550001转
乙医院,黄浦区,6630058
丙医院,黄浦区,021-663005888888、021-55550003-8001
"""


def test_questionable_phones_are_warnings_and_the_file_applies(plan_file, seeded_store: Store):
    plan = plan_file(SHEET)
    ruijin, north, first, second, third = plan.rows
    assert [row.action for row in plan.rows] == [
        RowAction.unchanged, RowAction.unchanged, RowAction.add, RowAction.add, RowAction.add,
    ]  # fmt: skip
    assert (
        "phone '12345' dropped: 12345 is the city's hotline (市民热线), not this place's own number"
    ) in north.notes  # and the stored numbers stay
    assert first.record.phones == ("021-55550001",) and first.notes == []
    assert second.record.phones == () and second.notes == [
        "phone '6630058' dropped: 7 digits: Shanghai numbers have 8 (a digit missing, or "
        "another city's area code?)"
    ]
    assert third.record.phones == ("021-55550003转8001",)
    assert third.notes == [
        "phone '021-663005888888' dropped: 12 digits after 021; numbers there have 8"
    ]
    assert plan.notices[-1] == (
        "phones questioned on 3 rows (each row's notes say which were dropped or read with a "
        "guess; the rows are imported): 3, 5, 6"
    )
    assert apply_import(seeded_store, plan)["added"] == 3  # no bad rows: nothing blocks
    assert seeded_store.get_resource(ruijin.resource_id).phones == ("021-64370045",)


def test_a_stored_number_is_never_made_worse(plan_file, seeded_store: Store):
    for written in ("021-64370045", "64370045", "+86 21 6437 0045", "2164370045"):
        [row] = plan_file(f"名称,区,电话\n瑞金医院,黄浦区,{written}\n").rows
        assert row.action is RowAction.unchanged, (written, row.changes)
    apply_import(seeded_store, plan_file("名称,区,电话\n甲医院,黄浦区,021-55550001转8001\n"))
    [row] = plan_file("名称,区,电话\n甲医院,黄浦区,021 5555 0001\n").rows
    assert row.action is RowAction.unchanged  # the extension stays
    [row] = plan_file("名称,区,电话\n甲医院,黄浦区,021-55550001、13912345678\n").rows
    assert row.changes == {
        "phones": [["021-55550001转8001"], ["021-55550001转8001", "13912345678"]]
    }
