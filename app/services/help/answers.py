"""The questions a help request answers for its service, and each answer checked: dates
that exist and make sense (a last dialysis session is not in the future), numbers in
range, choices from their lists, free text cleaned and bounded. ``AnswerRefused`` names
the answer and why; nothing is guessed."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from app.core.fields import MARKUP
from app.core.text import clean_text

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
LAST_SESSION_DAYS = 60
"""Oldest last session taken: older is no missed session but a patient not on dialysis."""
DUE_DAYS = (90, 180)
"""A treatment's due date: at most this many days past, or ahead."""
SIGNS = ("contractions", "waters_broken", "bleeding", "reduced_movement", "severe_headache")
"""Maternity's signs of labour or danger (规律宫缩, 破水, 出血, 胎动减少, 剧烈头痛/视物模糊)."""
TREATMENTS = ("chemotherapy", "radiotherapy", "other")
MAX_NEED = 100


class AnswerRefused(ValueError):
    """An answer that cannot be taken; the message names it and says why."""

    code = "invalid_answer"


@dataclass(frozen=True, slots=True)
class Answers:
    """Answers as stored (JSON: dates as ISO text) and as the urgency rules read them."""

    stored: dict
    values: dict


Check = Callable[[object, date], object]
"""An answer's check: the value as rules read it, from what was sent and today's date."""


def _date(value: object) -> date:
    if not isinstance(value, str) or not DATE.fullmatch(value):
        raise ValueError("give a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a date that exists") from None


def _last_session(value: object, today: date) -> date:
    day = _date(value)
    if day > today:
        raise ValueError(f"{day} is in the future: give the date of the last session held")
    if day < today - timedelta(days=LAST_SESSION_DAYS):
        raise ValueError(f"{day} is more than {LAST_SESSION_DAYS} days ago")
    return day


def _due_date(value: object, today: date) -> date:
    day = _date(value)
    past, ahead = DUE_DAYS
    if not today - timedelta(days=past) <= day <= today + timedelta(days=ahead):
        raise ValueError(f"{day} is more than {past} days ago or {ahead} days ahead")
    return day


def _weeks(value: object, _today: date) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 45:
        raise ValueError("give the weeks of pregnancy as a whole number from 1 to 45")
    return value


def _choices(allowed: tuple[str, ...], many: bool) -> Check:
    def check(value: object, _today: date) -> object:
        given = value if many and isinstance(value, list) else [value]
        if not all(isinstance(v, str) and v in allowed for v in given) or len(given) > 10:
            raise ValueError(f"choose from {', '.join(allowed)}")
        return list(dict.fromkeys(given)) if many else given[0]

    return check


def _need(value: object, _today: date) -> str:
    text = clean_text(value) if isinstance(value, str) else ""
    if not text or len(text) > MAX_NEED:
        raise ValueError(f"say what is needed in 1 to {MAX_NEED} characters")
    if MARKUP.search(text):
        raise ValueError("HTML markup is not taken: write it as plain text, without <…>")
    return text


QUESTIONS: dict[str, dict[str, Check]] = {
    "dialysis": {"last_session": _last_session},
    "oncology": {"due_date": _due_date, "treatment": _choices(TREATMENTS, many=False)},
    "maternity": {"weeks": _weeks, "signs": _choices(SIGNS, many=True)},
    "other": {"need": _need},
}
"""Each service's questions, all optional (a requester in a hurry answers what they know);
a service not listed asks none."""


DATE_QUESTIONS = ("last_session", "due_date")


def stored_values(stored: Mapping[str, object]) -> dict:
    """Stored answers as the urgency rules read them (their dates as ``date`` again)."""
    return {key: date.fromisoformat(value) if key in DATE_QUESTIONS else value
            for key, value in stored.items()}  # fmt: skip


def check_answers(service: str, answers: Mapping[str, object], today: date) -> Answers:
    """The answers for ``service`` checked against ``today`` (Shanghai's date);
    ``AnswerRefused`` for one it does not ask or cannot take."""
    questions = QUESTIONS.get(service, {})
    stored, values = {}, {}
    for key, value in answers.items():
        check = questions.get(key)
        if check is None:
            asked = ", ".join(questions) or "none"
            raise AnswerRefused(f"answers.{key[:40]}: not asked for {service} (asked: {asked})")
        if value is None:
            continue
        try:
            values[key] = check(value, today)
        except ValueError as exc:
            raise AnswerRefused(f"answers.{key}: {exc}") from None
        stored[key] = values[key].isoformat() if isinstance(values[key], date) else values[key]
    return Answers(stored, values)
