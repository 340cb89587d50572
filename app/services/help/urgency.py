"""How urgent a help request is, by rules kept as data (``geodata/help_urgency.csv``): each
rule names a service, the answer it reads, a test and the urgency it gives, with why in
words. The most urgent matching rule decides; every rule at that urgency is the "why". A
service without a matching rule is ``normal``. Pure functions: today's date is given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from app.core.config import BUNDLED_GEODATA_DIR
from app.domain.help import Urgency
from app.geo.gazetteer import parse_rows

URGENCY_FILE = "help_urgency.csv"
TESTS = ("always", "days_since_at_least", "days_until_at_most", "at_least", "any_of")


@dataclass(frozen=True, slots=True)
class UrgencyRule:
    """One row of the rules: ``test`` of the answer to ``question`` against ``value``."""

    code: str
    service: str
    question: str
    test: str
    value: str
    urgency: Urgency
    why_zh: str
    why_en: str

    def matches(self, answers: Mapping[str, object], today: date) -> bool:
        """Whether the answers (as validated: dates as ``date``) meet this rule."""
        if self.test == "always":
            return True
        answer = answers.get(self.question)
        if answer is None:
            return False
        if self.test == "days_since_at_least":
            return (today - answer).days >= int(self.value)
        if self.test == "days_until_at_most":
            return (answer - today).days <= int(self.value)
        if self.test == "at_least":
            return answer >= float(self.value)
        return bool(set(answer) & set(self.value.split("|")))  # any_of


@dataclass(frozen=True, slots=True)
class Assessment:
    """The urgency and the codes of the rules that gave it."""

    urgency: Urgency
    why: tuple[str, ...]


def read_rules(path: Path) -> tuple[UrgencyRule, ...]:
    """The rules of a CSV file; ``GazetteerFileError`` naming the line for a bad row."""

    def parse(row: dict[str, str]) -> UrgencyRule:
        if row["test"] not in TESTS:
            raise ValueError(f"test {row['test']!r} is not one of {', '.join(TESTS)}")
        if row["test"] != "always" and not row["question"]:
            raise ValueError(f"test {row['test']!r} needs a question")
        if row["test"] in TESTS[1:4]:
            float(row["value"])
        return UrgencyRule(
            code=row["code"], service=row["service"], question=row["question"],
            test=row["test"], value=row["value"], urgency=Urgency(row["urgency"]),
            why_zh=row["why_zh"], why_en=row["why_en"],
        )  # fmt: skip

    return tuple(parse_rows(path, parse))


@cache
def bundled_rules() -> tuple[UrgencyRule, ...]:
    """The bundled rules, read once."""
    return read_rules(BUNDLED_GEODATA_DIR / URGENCY_FILE)


def assess(
    service: str,
    answers: Mapping[str, object],
    today: date,
    rules: Sequence[UrgencyRule] | None = None,
) -> Assessment:
    """The urgency of a request for ``service`` with these (validated) answers."""
    matched = [
        rule
        for rule in (bundled_rules() if rules is None else rules)
        if rule.service == service and rule.matches(answers, today)
    ]
    if not matched:
        return Assessment(Urgency.normal, ())
    top = min(rule.urgency.rank for rule in matched)
    return Assessment(list(Urgency)[top], tuple(r.code for r in matched if r.urgency.rank == top))


def why_words(codes: Sequence[str]) -> list[dict[str, str]]:
    """The rules' codes with their words (a code no rule has any more: the code alone)."""
    rules = {rule.code: rule for rule in bundled_rules()}
    return [
        {"code": code, "zh": rules[code].why_zh if code in rules else code,
         "en": rules[code].why_en if code in rules else code}
        for code in codes
    ]  # fmt: skip
