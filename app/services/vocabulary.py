"""The words volunteers use for services and states, and the codes they stand for.

A volunteer following the README writes ``/status/血透`` and ``{"state": "可接收"}``: both
are read here into the canonical ``dialysis`` and ``open``, which every answer reports.

- **Services** come from the services table (``geodata/services.csv``, data, not code): a
  service is named by its code, its English name (any case), its Chinese name, or any part
  of a Chinese name written with ``/`` (``肿瘤/化疗/放疗``: 肿瘤, 化疗 and 放疗).
- **States** are the phrases of ``geodata/status_words.csv`` that name one: the codes, the
  words the map page and the share card show, and the words of the teams' status sheets.
  The same file is the dictionary that reads whole sheet cells
  (``app/services/status_words.py``), so a word is listed once for both. A word that is in
  no row is refused, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.core.config import BUNDLED_GEODATA_DIR
from app.core.i18n import STRINGS
from app.domain.records import Service
from app.domain.statuses import State
from app.geo.gazetteer import GazetteerFileError, parse_rows

STATUS_WORDS_FILE = "status_words.csv"
CONDITION_CODES = frozenset(STRINGS["en"]["condition_names"])
"""The condition codes the map and the workspace can name (``app/core/i18n.py``)."""
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class StatusPhrase:
    """One row of ``geodata/status_words.csv``: a phrase, the state and/or the condition
    code it stands for, and where the phrasing comes from."""

    phrase: str
    state: State | None
    condition: str | None
    source: str


def read_status_phrases(path: Path) -> tuple[StatusPhrase, ...]:
    """The rows of a status-words file, checked: every row names a state or a known
    condition code, and no phrase is listed twice (as compared: folded)."""

    def parse(row: dict[str, str]) -> StatusPhrase:
        phrase, state, condition = row["phrase"].strip(), row["state"], row["condition"]
        if not phrase or not (state or condition) or not row["source"].strip():
            raise ValueError("a row needs a phrase, a state or a condition, and a source")
        if condition and (not CODE.match(condition) or condition not in CONDITION_CODES):
            raise ValueError(f"condition {condition!r} has no name in app/core/i18n.py")
        return StatusPhrase(
            phrase, State(state) if state else None, condition or None, row["source"].strip()
        )

    phrases = tuple(parse_rows(path, parse))
    seen: dict[str, str] = {}
    for item in phrases:
        first = seen.setdefault(fold_word(item.phrase), item.phrase)
        if first is not item.phrase:
            raise GazetteerFileError(f"{path.name}: {item.phrase!r} repeats {first!r}")
    return phrases


@cache
def bundled_status_phrases() -> tuple[StatusPhrase, ...]:
    """The bundled status words, read once."""
    return read_status_phrases(BUNDLED_GEODATA_DIR / STATUS_WORDS_FILE)


@cache
def state_words() -> dict[State, tuple[str, ...]]:
    """Every word accepted for each state, in the file's order (compared after NFKC
    folding and lower-casing, with spaces removed)."""
    phrases = bundled_status_phrases()
    return {state: tuple(p.phrase for p in phrases if p.state is state) for state in State}


def fold_word(word: str) -> str:
    """``word`` as compared: full-width forms folded (NFKC), lower case, no white space."""
    return "".join(unicodedata.normalize("NFKC", word).lower().split())


@cache
def _state_by_word() -> dict[str, State]:
    return {fold_word(word): state for state, words in state_words().items() for word in words}


class UnknownWord(ValueError):
    """A word that names no state or no service."""


def state_from_word(value: object) -> object:
    """The state a word names (``可接收`` → ``open``); other values are left for the
    model to refuse."""
    if isinstance(value, str):
        found = _state_by_word().get(fold_word(value))
        if found is not None:
            return found
        examples = (
            f"{state.value} ({'/'.join(words[1:4])})" for state, words in state_words().items()
        )
        choices = ", ".join(examples)
        raise UnknownWord(f"unknown state {value[:40]!r}; use one of {choices}")
    return value


def service_names(service: Service) -> set[str]:
    """The folded names that stand for ``service``."""
    names = {service.code, service.name_en, service.name_zh, *service.name_zh.split("/")}
    return {fold_word(name) for name in names if name.strip()}


def service_code(services: Iterable[Service], word: str) -> str | None:
    """The code of the service ``word`` names (its code first), or None."""
    services = list(services)
    if any(service.code == word for service in services):
        return word
    folded = fold_word(word)
    return next((s.code for s in services if folded in service_names(s)), None)
