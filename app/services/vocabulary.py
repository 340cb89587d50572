"""The words volunteers use for services and states, and the codes they stand for.

A volunteer following the README writes ``/status/血透`` and ``{"state": "可接收"}``: both
are read here into the canonical ``dialysis`` and ``open``, which every answer reports.

- **Services** come from the services table (``geodata/services.csv``, data, not code): a
  service is named by its code, its English name (any case), its Chinese name, or any part
  of a Chinese name written with ``/`` (``肿瘤/化疗/放疗``: 肿瘤, 化疗 and 放疗).
- **States** are the explicit table ``STATE_WORDS``: the codes, the words the map page
  and the share card show, and the words of the teams' status sheets. A word that is in no
  row is refused, never guessed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from app.domain.records import Service
from app.domain.statuses import State

STATE_WORDS: dict[State, tuple[str, ...]] = {
    State.open: ("open", "开放", "可接诊", "可接收", "接收", "接诊", "正常接诊", "正常"),
    State.limited: ("limited", "有限接诊", "有限制", "限制接收", "限流", "有条件", "需预约"),
    State.closed: ("closed", "暂停", "暂停接诊", "暂停接收", "关闭", "停诊", "不接收", "已满"),
    State.unknown: ("unknown", "未知", "不清楚"),
}
"""Every word accepted for each state (compared after NFKC folding and lower-casing, with
spaces removed)."""


def _fold(word: str) -> str:
    """``word`` as compared: full-width forms folded (NFKC), lower case, no white space."""
    return "".join(unicodedata.normalize("NFKC", word).lower().split())


STATE_BY_WORD = {_fold(word): state for state, words in STATE_WORDS.items() for word in words}


class UnknownWord(ValueError):
    """A word that names no state or no service."""


def state_from_word(value: object) -> object:
    """The state a word names (``可接收`` → ``open``); other values are left for the
    model to refuse."""
    if isinstance(value, str):
        found = STATE_BY_WORD.get(_fold(value))
        if found is not None:
            return found
        examples = (
            f"{state.value} ({'/'.join(words[1:4])})" for state, words in STATE_WORDS.items()
        )
        choices = ", ".join(examples)
        raise UnknownWord(f"unknown state {value[:40]!r}; use one of {choices}")
    return value


def service_names(service: Service) -> set[str]:
    """The folded names that stand for ``service``."""
    names = {service.code, service.name_en, service.name_zh, *service.name_zh.split("/")}
    return {_fold(name) for name in names if name.strip()}


def service_code(services: Iterable[Service], word: str) -> str | None:
    """The code of the service ``word`` names (its code first), or None."""
    services = list(services)
    if any(service.code == word for service in services):
        return word
    folded = _fold(word)
    return next((s.code for s in services if folded in service_names(s)), None)
