"""Read the update-time cell of a status sheet (``更新时间``, ``核实时间``, ``最后更新`` …)
into the moment a status was reported.

Sheets write these times every way a hurried volunteer types them: ``2022-04-12 14:30``,
``2022/4/12``, ``4/12 14:30``, ``4月12日 下午3点``, ``04.12``, ``12日14时``, ``昨天
18:00``, ``14:30`` alone, an Excel serial number (``44663.6``) when a date cell lost its
format, or a ``datetime`` that openpyxl read from a date cell. All are Shanghai time
unless they carry their own offset.

A date without a year takes the year that puts it on or before today (``12/31`` read on
2 January is last year's); a day without a month takes this month or the last; a time
without a date is today's, or yesterday's if today's is still to come. A date without a
time is its midnight (the earliest it can mean, so it never looks newer than it is). A
moment more than five minutes ahead of ``now`` is a ``TimeProblem``, never a value: a
wrong clock or a typo must not make a status look newer than one a person wrote. So is
anything that is not a time (``暂停`` in the time column) or before 2000.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.core.text import clean_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=SHANGHAI)
EXCEL_EPOCH = datetime(1899, 12, 30)
"""Day 0 of Excel's 1900 date system (its 1900 leap-year bug makes this the epoch)."""
SERIALS = (36526, 2958466)
"""Excel serial numbers of 2000-01-01 and 10000-01-01: outside them a number is no date."""
MAX_TEXT = 100

HOURS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
         "十": 10, "十一": 11, "十二": 12}  # fmt: skip
HOUR = r"\d{1,2}|十[一二]?|[一二两三四五六七八九]"
PERIOD = r"上午|早上|早晨|凌晨|中午|下午|傍晚|晚上|夜间|夜里|晚|am|pm"
FULL_DATE = re.compile(
    r"(?<![\d/.-])(?P<y>\d{4}|\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*[日号]?"
)
COMPACT_DATE = re.compile(r"(?<!\d)(?P<y>20\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")
MONTH_DAY = re.compile(
    r"(?<![\d:])(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*[日号]?(?![\d:])"
)
DAY_ONLY = re.compile(r"(?<!\d)(?P<d>\d{1,2})\s*[日号]")
RELATIVE = re.compile(r"今天|今日|昨天|昨日|前天|today|yesterday")
DAYS_BACK = {"今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1, "前天": 2}
CLOCK = re.compile(
    rf"(?P<p>{PERIOD})?\s*(?P<h>{HOUR})\s*(?:(?::|点|时)\s*(?P<mi>\d{{1,2}}|半)?\s*分?"
    rf"(?::(?P<s>\d{{1,2}}))?(?:\.\d+)?|(?=\s*(?:am|pm)))\s*(?P<p2>am|pm)?"
)
LEFTOVER = re.compile(r"[\s,.;:/\-~—()t]|更新|核实|左右|前后|时间|时|分|许|起|日|号")
"""What may remain of a time cell beside its date and time (``4/12 14:30 更新``)."""


@dataclass(frozen=True, slots=True)
class TimeProblem:
    """An update-time cell that gives no usable moment, and why."""

    text: str
    reason: str


def read_update_time(value: object, now: datetime) -> datetime | TimeProblem | None:
    """The moment an update-time cell names, timezone-aware UTC; None for a blank cell.

    ``value`` is a cell as read: text, a number (an Excel serial date), or a ``datetime``,
    ``date`` or ``time`` from openpyxl. ``now`` (aware) places partial dates and judges the
    future.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if value is None:
        return None
    local_now = now.astimezone(SHANGHAI)
    shown = clean_text(str(value))[:MAX_TEXT]
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=SHANGHAI)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(), SHANGHAI)
    elif isinstance(value, time):
        moment = _latest(local_now, value.hour, value.minute, value.second)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        found = _serial(value)
        if isinstance(found, str):
            return TimeProblem(shown, found)
        moment = found
    elif isinstance(value, str):
        if not shown:
            return None
        found = _parse(shown, local_now)
        if isinstance(found, str):
            return TimeProblem(shown, found)
        moment = found
    else:
        return TimeProblem(shown, f"not a time: a {type(value).__name__}")
    return _checked(moment, now, shown)


def _checked(moment: datetime, now: datetime, shown: str) -> datetime | TimeProblem:
    if moment > now + FUTURE_TOLERANCE:
        return TimeProblem(shown, f"in the future ({_in_shanghai(moment)})")
    if moment < EARLIEST:
        return TimeProblem(shown, "before 2000: not an update time")
    return moment.astimezone(UTC)


def _in_shanghai(moment: datetime) -> str:
    """``moment`` as Shanghai's clock shows it; as written when that is past the year 9999
    (``9999-12-31T23:59-14:00``: converting it raised OverflowError)."""
    try:
        return f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
    except OverflowError:
        return f"{moment:%Y-%m-%d %H:%M%z}"


def _serial(number: float) -> datetime | str:
    """An Excel serial date (days since 1899-12-30, the fraction the time of day)."""
    if number != number or not SERIALS[0] <= number < SERIALS[1]:  # NaN, or out of range
        return f"the number {number!r} is not an Excel date"
    moment = EXCEL_EPOCH + timedelta(days=float(number))
    return moment.replace(microsecond=0, tzinfo=SHANGHAI)


def _parse(text: str, now: datetime) -> datetime | str:
    """A moment from the words of a time cell, or why there is none."""
    folded = unicodedata.normalize("NFKC", text).lower().strip()
    if re.fullmatch(r"\d{5}(?:\.\d+)?", folded):
        return _serial(float(folded))
    if "t" in folded and (iso := _iso(folded)) is not None:
        return iso
    day, rest = _date_part(folded, now.date())
    if isinstance(day, str):
        return day
    clock = CLOCK.search(rest)
    if clock is None and day is None:
        return "no date or time in it"
    if clock is not None:
        rest = rest[: clock.start()] + rest[clock.end() :]
    if re.search(r"\d", rest) or LEFTOVER.sub("", rest):
        return f"cannot read {rest.strip()[:30]!r} as part of a time"
    if clock is None:
        assert day is not None
        return datetime.combine(day, time(), SHANGHAI)
    hms = _clock(clock)
    if isinstance(hms, str):
        return hms
    if day is None:
        return _latest(now, *hms)
    return datetime.combine(day, time(*hms), SHANGHAI)


def _iso(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.upper())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _date_part(text: str, today: date) -> tuple[date | str | None, str]:
    """The date a cell names (None when it names none) and the text left beside it."""
    for pattern in (FULL_DATE, COMPACT_DATE):
        if match := pattern.search(text):
            year = int(match["y"]) + (2000 if len(match["y"]) == 2 else 0)
            found = _date(year, int(match["m"]), int(match["d"]))
            return found, _without(text, match)
    if match := MONTH_DAY.search(text):
        month, day = int(match["m"]), int(match["d"])
        found = _date(today.year, month, day)
        if isinstance(found, date) and found > today:
            found = _date(today.year - 1, month, day)
        return found, _without(text, match)
    if match := DAY_ONLY.search(text):
        day = int(match["d"])
        month_start = today.replace(day=1)
        found = _date(today.year, today.month, day)
        if isinstance(found, str) or found > today:
            last = month_start - timedelta(days=1)
            found = _date(last.year, last.month, day)
        return found, _without(text, match)
    if match := RELATIVE.search(text):
        return today - timedelta(days=DAYS_BACK[match.group()]), _without(text, match)
    return None, text


def _date(year: int, month: int, day: int) -> date | str:
    try:
        return date(year, month, day)
    except ValueError:
        return f"no such date: {year}-{month}-{day}"


def _without(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " + text[match.end() :]


def _clock(match: re.Match[str]) -> tuple[int, int, int] | str:
    """Hours, minutes and seconds of a clock match, its period (下午, pm) applied."""
    hour_text = match["h"]
    hour = int(hour_text) if hour_text.isdigit() else HOURS[hour_text]
    minute = 30 if match["mi"] == "半" else int(match["mi"] or 0)
    second = int(match["s"] or 0)
    period = match["p"] or match["p2"]
    afternoon = period in ("下午", "傍晚", "晚上", "夜间", "夜里", "晚", "pm") and hour < 12
    if afternoon or (period == "中午" and hour < 11):
        hour += 12
    elif period in ("凌晨", "am") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return f"no such time: {hour}:{minute:02d}"
    return hour, minute, second


def _latest(now: datetime, hour: int, minute: int, second: int) -> datetime:
    """The latest moment at this time of day that is not ahead of ``now`` (beyond the
    tolerance): today's, else yesterday's."""
    today = datetime.combine(now.date(), time(hour, minute, second), SHANGHAI)
    return today if today <= now + FUTURE_TOLERANCE else today - timedelta(days=1)
