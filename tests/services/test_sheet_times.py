"""Update-time cells of status sheets (issue 17): every way a volunteer types a time, read
as Shanghai time; a partial date placed before now; the future refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import openpyxl
import pytest

from app.services.sheet_times import SHANGHAI, TimeProblem, read_update_time

NOW = datetime(2022, 4, 13, 10, 0, tzinfo=SHANGHAI)


def shanghai(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.mark.parametrize(
    ("cell", "moment"),
    [
        ("2022-04-12 14:30", shanghai(2022, 4, 12, 14, 30)),
        ("2022/4/12", shanghai(2022, 4, 12)),
        ("2022年4月12日 14:30", shanghai(2022, 4, 12, 14, 30)),
        ("2022.4.12 8:05:30", shanghai(2022, 4, 12, 8, 5, 30)),
        ("22/4/12", shanghai(2022, 4, 12)),
        ("20220412", shanghai(2022, 4, 12)),
        ("2022-04-12T14:30:00+08:00", shanghai(2022, 4, 12, 14, 30)),
        ("2022-04-12T06:30:00Z", shanghai(2022, 4, 12, 14, 30)),
        ("4/12 14:30", shanghai(2022, 4, 12, 14, 30)),
        ("04-12 14:30", shanghai(2022, 4, 12, 14, 30)),
        ("4.12 14:30", shanghai(2022, 4, 12, 14, 30)),
        ("4月12日", shanghai(2022, 4, 12)),
        ("4月12号", shanghai(2022, 4, 12)),
        ("4月12日 下午3点", shanghai(2022, 4, 12, 15)),
        ("4月12日下午三点半", shanghai(2022, 4, 12, 15, 30)),
        ("4月12日 晚上8点", shanghai(2022, 4, 12, 20)),
        ("4月12日 中午12点", shanghai(2022, 4, 12, 12)),
        ("4月12日 凌晨12点", shanghai(2022, 4, 12, 0)),
        ("04.12", shanghai(2022, 4, 12)),
        ("12日14时", shanghai(2022, 4, 12, 14)),
        ("13日", shanghai(2022, 4, 13)),
        ("15日", shanghai(2022, 3, 15)),  # not yet this month: the last
        ("12/31", shanghai(2021, 12, 31)),  # not yet this year: the last
        ("14:30", shanghai(2022, 4, 12, 14, 30)),  # today's is to come: yesterday's
        ("9:00", shanghai(2022, 4, 13, 9)),
        ("10:04", shanghai(2022, 4, 13, 10, 4)),  # within five minutes: today's
        ("昨天 18:00", shanghai(2022, 4, 12, 18)),
        ("今天上午9点", shanghai(2022, 4, 13, 9)),
        ("4/12 14:30 更新", shanghai(2022, 4, 12, 14, 30)),
        ("４／１２　１４：３０", shanghai(2022, 4, 12, 14, 30)),
        ("44663.6", shanghai(2022, 4, 12, 14, 24)),
    ],
)
def test_text_cells(cell, moment):
    assert read_update_time(cell, NOW) == moment


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        (44663.6, shanghai(2022, 4, 12, 14, 24)),
        (44663, shanghai(2022, 4, 12)),
        (datetime(2022, 4, 12, 9, 30), shanghai(2022, 4, 12, 9, 30)),
        (datetime(2022, 4, 12, 1, 30, tzinfo=UTC), shanghai(2022, 4, 12, 9, 30)),
        (date(2022, 4, 12), shanghai(2022, 4, 12)),
        (time(9, 0), shanghai(2022, 4, 13, 9)),
        (time(11, 0), shanghai(2022, 4, 12, 11)),
        (None, None),
        ("", None),
        ("  \u200b ", None),
    ],
)
def test_values_as_openpyxl_and_csv_give_them(value, moment):
    assert read_update_time(value, NOW) == moment


def test_cells_of_a_real_workbook(tmp_path):
    path = tmp_path / "statuses.xlsx"
    book = openpyxl.Workbook()
    book.active.append([datetime(2022, 4, 12, 14, 30), 44663.6, "4/12 14:30", date(2022, 4, 11)])
    book.save(path)
    cells = next(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert [read_update_time(cell, NOW) for cell in cells] == [
        shanghai(2022, 4, 12, 14, 30),
        shanghai(2022, 4, 12, 14, 24),
        shanghai(2022, 4, 12, 14, 30),
        shanghai(2022, 4, 11),
    ]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("4月13日 下午3点", "in the future"),
        ("2022-04-14", "in the future"),
        (datetime(2022, 4, 13, 10, 6), "in the future"),
        (44664.9, "in the future"),
        ("暂停", "no date or time"),
        ("可接收", "no date or time"),
        ("2022-02-30", "no such date"),
        ("4月31日", "no such date"),
        ("25:00", "no such time"),
        ("4/12-4/13", "cannot read"),
        ("4/12/2022", "cannot read"),
        (12.5, "not an Excel date"),
        (float("nan"), "not an Excel date"),
        (10**9, "not an Excel date"),
        (True, "not a time"),
        ("1999-12-31", "before 2000"),
        ("x" * 500, "no date or time"),
        # in Shanghai after the year 9999: shown in Shanghai time, an OverflowError (a 500
        # on anyone's dry run)
        ("9999-12-31T23:59:59-14:00", "in the future"),
        (datetime(9999, 12, 31, 23, 0, tzinfo=timezone(-timedelta(hours=10))), "in the future"),
    ],
)
def test_problems_are_reported_not_guessed(value, reason):
    problem = read_update_time(value, NOW)
    assert isinstance(problem, TimeProblem), problem
    assert reason in problem.reason and len(problem.text) <= 100


def test_now_must_be_aware():
    with pytest.raises(ValueError, match="aware"):
        read_update_time("4/12", datetime(2022, 4, 13))
