"""Reading the words of volunteers' status sheets (issue 17): the dictionary, the rules
under it, and the share of a few hundred real-looking phrasings read right."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pytest

from app.core.config import REPO_GEODATA_DIR
from app.core.i18n import STRINGS
from app.domain.statuses import State
from app.geo.gazetteer import GazetteerFileError, read_csv
from app.services.status_words import CellReading, read_cell
from app.services.vocabulary import (
    STATUS_WORDS_FILE,
    read_status_phrases,
    state_from_word,
)

PHRASES_FILE = Path(__file__).parent / "data" / "status_phrases.csv"
PHRASES = read_csv(PHRASES_FILE)
UNDERSTOOD_FLOOR = 0.96
CORRECT_FLOOR = 0.99
HELD_OUT_FLOOR = 0.97
"""Just below what the reader reaches (97.0 % understood; 99.5 % of the labelled and
98.5 % of the two held-out batches read right): a regression fails. The held-out batches
were labelled before the reader saw them; their first runs read 89.2 % and 70.7 % right."""

open_, limited, closed, unknown = State.open, State.limited, State.closed, State.unknown


def reads(text: str, state: State | None, *conditions: str) -> CellReading:
    reading = read_cell(text)
    assert (reading.state, set(reading.conditions)) == (state, set(conditions)), reading.why
    assert reading.understood
    return reading


def expected(row: dict[str, str]) -> tuple[State | None, set[str]]:
    state = None if row["state"] == "blank" else State(row["state"])
    return state, set(filter(None, row["conditions"].split("|")))


def test_the_dictionary_names_states_and_known_conditions_once():
    phrases = read_status_phrases(REPO_GEODATA_DIR / STATUS_WORDS_FILE)
    assert len(phrases) > 250
    for lang in ("zh", "en"):
        names = STRINGS[lang]["condition_names"]
        assert {p.condition for p in phrases if p.condition} <= set(names)
    assert all(p.source for p in phrases)


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ("开放,open,,a\n開放,open,,b\n", None),  # traditional and simplified: two phrases
        ("可接收,open,,a\n 可接收 ,open,,b\n", "repeats"),
        ("ＯＫ,open,,a\nok,open,,b\n", "repeats"),
        ("需自带午饭,,lunch,a\n", "no name"),
        ("随便,,,a\n", "a state or a condition"),
        ("可收,open,,\n", "a source"),
        ("可收,maybe,,a\n", "maybe"),
    ],
)
def test_a_bad_dictionary_row_is_refused_with_its_line(tmp_path, rows, error):
    path = tmp_path / STATUS_WORDS_FILE
    path.write_text("phrase,state,condition,source\n" + rows, encoding="utf-8")
    if error is None:
        assert len(read_status_phrases(path)) == 2
        return
    with pytest.raises(GazetteerFileError, match=error):
        read_status_phrases(path)


def test_every_dictionary_phrase_reads_as_its_row_alone():
    for phrase in read_status_phrases(REPO_GEODATA_DIR / STATUS_WORDS_FILE):
        reading = read_cell(phrase.phrase)
        assert reading.state == (phrase.state or limited), phrase
        assert reading.conditions == ((phrase.condition,) if phrase.condition else ())
        assert phrase.phrase in reading.why or phrase.phrase == "🈵"


def test_the_api_accepts_the_dictionarys_state_words():
    assert state_from_word("满员") is closed and state_from_word("仅急诊") is limited
    assert state_from_word(" ＯＫ ") is open_ and state_from_word("待确认") is unknown
    with pytest.raises(ValueError, match="open \\(开放/可接诊/可接收\\)"):
        state_from_word("核酸")  # a condition, not a state


@pytest.mark.parametrize(
    ("cell", "state"),
    [
        ("接收", open_), ("不接收", closed), ("不收", closed), ("无法接收", closed),
        ("暂不接收", closed), ("不再接收", closed), ("不能收", closed), ("拒收", closed),
        ("未开放", closed), ("没开", closed), ("not accepting", closed),
        ("满", closed), ("未满", open_), ("停诊", closed), ("不停诊", open_), ("未关闭", open_),
        ("无需预约", open_), ("不用预约", open_), ("不限号", open_), ("无需核酸", open_),
        ("未恢复", closed), ("已恢复", open_), ("预计下周恢复", closed),
    ],
)  # fmt: skip
def test_negation_turns_a_word_around_or_drops_a_condition(cell, state):
    reads(cell, state)


@pytest.mark.parametrize(
    ("cell", "state", "conditions"),
    [
        ("暂停", closed, ()), ("停", closed, ()), ("停开", closed, ()), ("满员", closed, ()),
        ("床位已满", closed, ()), ("关闭", closed, ()),
        ("有限", limited, ()), ("限号", limited, ()), ("需预约", limited, ("appointment_only",)),
        ("仅限本院患者", limited, ("own_patients_only",)),
        ("只收老病人", limited, ("own_patients_only",)),
        ("只收急诊", limited, ("emergencies_only",)),
        ("限一名陪护", limited, ("限一名陪护",)),
        ("仅限上海户籍", limited, ("仅限上海户籍",)),
        ("需自带透析器", limited, ("需自带透析器",)),
        ("正常", open_, ()), ("开放", open_, ()), ("可透析", open_, ()), ("可以收", open_, ()),
        ("居委开证明", limited, ("committee_letter",)),
        ("需120转运", limited, ("closed_loop_transport",)),
        ("闭环", limited, ("closed_loop_transport",)),
    ],
)  # fmt: skip
def test_qualifiers_and_state_words(cell, state, conditions):
    reads(cell, state, *conditions)


@pytest.mark.parametrize(
    ("cell", "condition"),
    [
        ("需48小时核酸", "negative_test_48h"), ("48h核酸", "negative_test_48h"),
        ("核酸阴性", "negative_test_48h"), ("核酸48小时内", "negative_test_48h"),
        ("需两天内核酸", "negative_test_48h"), ("Need 48h PCR", "negative_test_48h"),
        ("需24小时核酸", "negative_test_24h"), ("当日核酸", "negative_test_24h"),
        ("PCR within 24h", "negative_test_24h"), ("需72小时核酸", "negative_test_72h"),
        ("需12小时核酸", "12小时核酸"), ("抗原阴性", "antigen_test"),
    ],
)  # fmt: skip
def test_test_windows_become_their_codes(cell, condition):
    reads(cell, limited, condition)


@pytest.mark.parametrize(
    ("cell", "conditions"),
    [
        ("周一三五", ("周一三五",)), ("周二至周六", ("周二至周六",)), ("上午", ("上午",)),
        ("8:00-12:00", ("8:00-12:00",)), ("8：00－12：00", ("8:00-12:00",)),
        ("每天下午", ("每天下午",)), ("周一三五上午", ("周一三五上午",)),
        ("夜间停诊", ("夜间停诊",)), ("白天开放，夜间停诊", ("白天", "夜间停诊")),
        ("周一至周五可接收", ("周一至周五",)), ("Open weekdays 8am-12pm", ("weekdays 8am-12pm",)),
    ],
)  # fmt: skip
def test_times_are_conditions_and_a_timed_closure_is_partial(cell, conditions):
    reads(cell, limited, *conditions)


def test_a_time_before_a_resumption_is_when_it_resumes_not_a_condition():
    reads("停诊，周一恢复", closed)
    reads("24小时接诊", open_)
    reads("全天停诊", closed)


@pytest.mark.parametrize(
    ("cell", "state", "conditions"),
    [
        ("可接收，需预约，周一三五上午", limited, ("appointment_only", "周一三五上午")),
        ("正常接诊，需48h核酸及居委证明", limited, ("negative_test_48h", "committee_letter")),
        ("暂停接收新病人", limited, ("own_patients_only",)),
        ("门诊停诊，只看急诊", limited, ("emergencies_only",)),
        ("老病人可接收，新病人暂停", limited, ("own_patients_only",)),
        ("可接收但床位紧张", limited, ()),
        ("暂停接收，恢复时间另行通知", closed, ()),
        ("原暂停，现已恢复", open_, ()),
        ("之前需预约，现在正常", open_, ()),
        ("暂停（设备检修）", closed, ()),
        ("可接收 4/12 电话确认", open_, ()),
    ],
)
def test_mixed_cells_combine(cell, state, conditions):
    reads(cell, state, *conditions)


@pytest.mark.parametrize(
    ("cell", "state"),
    [
        ("✅", open_), ("√", open_), ("✓", open_), ("✔️", open_), ("🟢", open_), ("⭕", open_),
        ("❌", closed), ("✗", closed), ("×", closed), ("X", closed), ("🈵", closed),
        ("🈵了", closed),
        ("△", limited), ("⚠️", limited), ("open", open_), ("OPEN", open_), ("ＯＫ", open_),
        ("closed", closed), ("full", closed), ("Full today", closed), ("limited", limited),
    ],
)  # fmt: skip
def test_symbols_and_english_words(cell, state):
    reads(cell, state)
    reads("by appointment", limited, "appointment_only")
    reads("✅需预约", limited, "appointment_only")


@pytest.mark.parametrize(
    "cell",
    ["可能停诊", "待确认", "电话未接通", "可接收？", "?", "？", "听说暂停了", "可接收（待确认）"],
)
def test_hearsay_and_questions_are_unknown_never_a_guess(cell):
    reads(cell, unknown)


@pytest.mark.parametrize(
    ("cell", "note"),
    [
        ("", None), ("   ", None), ("\u200b", None), ("\n\t", None), ("-", "-"), ("/", "/"),
        ("——", "——"), ("n/a", "n/a"), ("N/A", "N/A"), (" 、", "、"),
    ],
)  # fmt: skip
def test_blank_cells_change_nothing(cell, note):
    reading = read_cell(cell)
    assert (reading.state, reading.conditions, reading.note) == (None, (), note)
    assert reading.understood


@pytest.mark.parametrize(
    ("cell", "note", "state"),
    [
        ("<b>可接收</b>", "<b>可接收</b>", open_),
        ("<script>alert(1)</script>暂停", "<script>alert(1)</script>暂停", closed),
        ("\u202e可接收", "可接收", open_),
        ("可接收\u0007\u200b", "可接收", open_),
        ("可接收&nbsp;", "可接收&nbsp;", open_),
        ("正常接诊\n（4/12核实）", "正常接诊\n（4/12核实）", open_),
        ('<img src=x onerror="alert(1)">', '<img src=x onerror="alert(1)">', None),
    ],
)
def test_html_and_controls_in_a_cell_stay_plain_note_text(cell, note, state):
    reading = read_cell(cell)
    assert reading.note == note
    if state is None:
        assert (reading.state, reading.understood) == (unknown, False)
    else:
        assert reading.state is state


def test_a_cell_not_understood_is_unknown_with_its_text_kept():
    reading = read_cell("  请咨询科室 李医生  ")
    assert reading == CellReading(unknown, (), "请咨询科室 李医生", False, "no known words")


def test_a_reading_is_bounded_however_long_the_cell():
    huge = read_cell("可接收；" + "；".join(f"需第{i}种材料" for i in range(40)) + "x" * 5000)
    assert len(huge.note) == 1000 and huge.state is limited
    assert len(huge.conditions) == 20 and max(len(c) for c in huge.conditions) <= 100
    late_word = read_cell("请看备注" * 80 + "暂停")  # read: the first 300 characters
    assert (late_word.state, late_word.understood, len(late_word.note)) == (unknown, False, 322)
    long_object = read_cell("需" + "证" * 300)
    assert len(long_object.conditions[0]) == 100
    assert len(huge.why) <= 300


def test_long_cells_are_not_remembered():
    """Every reading was remembered (8,192 of them): one stranger's check of 8,192 long
    cells kept ~100 MB in each process for good. Sheets repeat short phrasings."""
    read_cell("可接收")
    gc.collect()
    tracemalloc.start()
    try:
        for n in range(300):
            read_cell(f"{n}" + "😀可" * 150)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert kept < 200_000


def test_the_why_names_the_words_that_decided():
    why = read_cell("可接收，需预约，周一三五上午").why
    assert "'可接收' open" in why and "appointment_only" in why and "周一三五上午" in why
    assert why.endswith("→ limited (limited)")
    assert "in the dictionary" in read_cell("暂停接收").why


def test_the_phrase_set_is_large_and_distinct():
    cells = [row["cell"] for row in PHRASES]
    assert len(cells) == len(set(cells))
    assert sum(1 for row in PHRASES if row["state"] not in ("", "blank")) >= 300


def test_the_share_understood_and_read_right_stays_above_its_floor():
    readings = [read_cell(row["cell"]) for row in PHRASES]
    understood = sum(r.understood for r in readings) / len(readings)
    labelled = [(row, r) for row, r in zip(PHRASES, readings, strict=True) if row["state"]]
    right = [
        (*expected(row), True) == (r.state, set(r.conditions), r.understood) for row, r in labelled
    ]
    held_out = [ok for ok, (row, _) in zip(right, labelled, strict=True) if row["batch"] != "first"]
    assert understood >= UNDERSTOOD_FLOOR
    assert sum(right) / len(right) >= CORRECT_FLOOR
    assert len(held_out) >= 70 and sum(held_out) / len(held_out) >= HELD_OUT_FLOOR
