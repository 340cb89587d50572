"""A row that may be a stored resource or a new one is matched when the evidence names one,
shown as a choice when it does not, and never skipped without a word; the plan's messages
never contradict each other (issue 17)."""

from __future__ import annotations

from app.domain.enums import Precision
from app.services.imports.plan import apply_import
from app.services.imports.records import RowAction
from app.services.imports.report import print_plan
from app.storage.port import Store

FIRST = "名称,区,地址,电话\n上海市第一人民医院,{district},海宁路100号,021-63240090\n"
NORTH, SOUTH = "上海市第一人民医院（北部）", "上海市第一人民医院（南部）"


def candidates(row) -> list[tuple[str, list[str], bool]]:
    return [(c["name"], c["why"], c["chosen"]) for c in row.candidates]


def test_a_row_the_evidence_names_one_campus_for_is_matched_and_shows_the_other(plan_file):
    [row] = plan_file(FIRST.format(district="虹口区")).rows
    assert row.action is RowAction.unchanged  # 北部: same address, phone and district
    assert candidates(row) == [
        (NORTH, ["same_phone", "similar_name", "same_district"], True),
        (SOUTH, ["same_phone", "similar_name"], False),
    ]
    assert row.notes[0] == (
        f"matched to resource {row.resource_id} {NORTH} (same phone, similar name, same "
        f"district); also possible: resource {row.candidates[1]['resource_id']} {SOUTH} (same "
        "phone, similar name); a ref column chooses otherwise"
    )
    [south] = plan_file(FIRST.format(district="松江区")).rows
    assert (south.resource_id, south.candidates[0]["name"]) == (
        south.candidates[0]["resource_id"], SOUTH,
    )  # fmt: skip


def test_a_row_the_evidence_leaves_open_is_a_choice_that_is_listed_not_written(
    plan_file, seeded_store: Store
):
    plan = plan_file(FIRST.format(district="黄浦区"))
    [row] = plan.rows
    assert row.action is RowAction.choice and row.record is None
    assert [c["ref"] for c in row.candidates] == ["first-north", "first-south"]
    assert row.reason.endswith(
        "or a new hospital: not written until a ref column says which (its stored ref "
        "(first-north, first-south) to update it, a new ref to add it)"
    )
    assert plan.to_dict(summary=True)["rows"][0]["candidates"] == row.candidates
    before = seeded_store.counts()["hospitals"]
    assert apply_import(seeded_store, plan)["choices_left"] == 1
    assert seeded_store.counts()["hospitals"] == before


def test_a_ref_column_makes_the_choice(plan_file, seeded_store: Store):
    text = FIRST.format(district="黄浦区").replace("名称,", "ref,名称,")
    [south] = plan_file(text.replace("\n上海", "\nfirst-south,上海")).rows
    assert south.action is RowAction.change and south.candidates == []
    assert seeded_store.get_resource(south.resource_id).name == SOUTH
    [new] = plan_file(text.replace("\n上海", "\nshanghai-general,上海")).rows
    assert new.action is RowAction.add and new.record.ref == "shanghai-general"


def test_a_stored_finer_location_kept_is_not_counted_as_low_precision(plan_file):
    plan = plan_file("名称,区,地址\n瑞金医院,黄浦区,某某路1号\n新医院,黄浦区,某某路2号\n")
    ruijin, new = plan.rows
    assert (ruijin.precision, ruijin.located_by) == (Precision.approximate, "stored")
    assert ruijin.precision_reason.startswith("the stored location (approximate) is kept")
    assert ruijin.notes == [] and new.precision is Precision.district
    assert [row.row for row in plan.low_precision] == [3]


def test_the_printed_plan_says_what_to_choose(plan_file, capsys):
    plan = plan_file(FIRST.format(district="黄浦区"))
    print_plan(plan, {"added": 0, "choices_left": 1})
    out = " ".join(capsys.readouterr().out.split())
    assert "row 2: 上海市第一人民医院: choose: may be resource" in out
    assert "applied: added=0, choices_left=1" in out
