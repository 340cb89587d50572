"""Read one cell of a volunteers' status sheet: its words become a state, conditions and a
note, and the reading says which words decided, so a plan can show it and a person can
classify what was not understood.

The words are a dictionary kept as data (``geodata/status_words.csv``: the state words the
API accepts and the sheets' other phrasings, each with its source) under a small rule
layer (``app/services/status_rules.py``: negation, qualifiers, times, test windows). Their
tokens combine as a careful reader would:

- an **unsure** word (``待确认``, ``电话未接通``, ``可能``, ``？``) makes the cell ``unknown``:
  a guess never becomes a status;
- **closed** with anything open, limited or partly closed (``白天开放，夜间停诊``,
  ``暂停接收新病人``, ``门诊停诊，只看急诊``) is ``limited``; closed alone is ``closed``;
- **limited**, or open with a condition (``可接收，需预约，周一三五上午``), is ``limited``:
  the map says "with conditions" (DESIGN §1);
- **open** alone is ``open``; a clause in the past (``原暂停``) says nothing about now, and
  ``恢复`` overrides an earlier closure.

A blank cell (or one of only dashes and slashes, ``n/a``) reads as no state: it changes
nothing. A cell with no known words is ``unknown``, not understood, its text kept as the
note. Pure functions over a dictionary read once: no storage, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache

from app.core.text import clean_text
from app.domain.statuses import State
from app.services.status_rules import (
    BOUNDARY,
    Scanner,
    Token,
    clauses,
    fold_cell,
)
from app.services.vocabulary import StatusPhrase, bundled_status_phrases

MAX_NOTE = 1000
MAX_CONDITION = 100
MAX_CONDITIONS = 20
MAX_WHY = 300
MAX_READ = 300
"""Characters of a cell read for its state (the note keeps up to ``MAX_NOTE``): a status
is said in its first words, and a hostile cell costs no more than this."""
MAX_REMEMBERED = 100
"""Characters of a cell whose reading is remembered: sheets repeat short phrasings, and one
stranger's check of 8,192 long cells kept ~100 MB in the process for good."""
PLACEHOLDERS = frozenset({"n/a", "na", "nil"})
"""Cells that say "nothing here" in letters; dashes and slashes say it without."""
PARTIAL_CONDITIONS = frozenset({"own_patients_only", "emergencies_only"})
"""Conditions that name who is still taken: with a closure, the service is limited."""
PARTICLES = re.compile(r"(?<=.)[了的啦呢哦吧呀嘛]+$")
"""Particles after a one-word cell (``满了``, ``收的``): the word alone is looked up."""
PATIENTS = re.compile(r"(?:患者|病人|病患|病例|孕妇|者|的)$")
LISTS = re.compile(r"[和及与、]")
"""``只接急诊和危重``: the first of a list of objects names the condition."""


@dataclass(frozen=True, slots=True)
class CellReading:
    """What one sheet cell says: ``state`` None for a blank cell (it changes nothing);
    ``note`` the cell's text, cleaned; ``why`` the words and rules that decided."""

    state: State | None
    conditions: tuple[str, ...] = ()
    note: str | None = None
    understood: bool = True
    why: str = ""


@dataclass(slots=True)
class _Tally:
    """What the tokens of a cell said, clause by clause."""

    states: list[State] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    limited: bool = False
    weak: bool = False
    unsure: bool = False
    resume: bool = False


class StatusReader:
    """Reads cells with one dictionary (the bundled one: ``read_cell``)."""

    def __init__(self, phrases: tuple[StatusPhrase, ...]) -> None:
        self.scanner = Scanner(phrases)
        self.phrases = self.scanner.phrases

    def read(self, text: str) -> CellReading:
        """The reading of one cell's text."""
        note = clean_text(text, multiline=True)[:MAX_NOTE] or None
        if note is None:
            return CellReading(None, why="blank")
        if _says_nothing(note):
            return CellReading(None, note=note, why=f"no words ({note[:20]!r}): blank")
        folded = fold_cell(note)
        core = folded.strip("".join(_punctuation(folded)) + " ")
        core = PARTICLES.sub("", core) or core
        if (entry := self.phrases.get(core)) is not None:
            return self._exact(entry, note)
        tally = _Tally()
        for clause in clauses(folded[:MAX_READ]):
            self._clause(clause, tally)
        return _decide(tally, note)

    def _exact(self, entry: StatusPhrase, note: str) -> CellReading:
        conditions = (entry.condition,) if entry.condition else ()
        state = entry.state or State.limited
        why = f"'{entry.phrase}' in the dictionary ({entry.source}) → {state}"
        return CellReading(state, conditions, note, True, why)

    def _clause(self, clause: str, tally: _Tally) -> None:
        tokens = _merge_times(clause, self.scanner.tokens(clause))
        if tokens and tokens[0].kind == "past":
            tally.said.append(f"'{clause[:20]}' is past")
            return
        skip = -1
        qualified = _followed_by_condition(tokens)
        for index, token in enumerate(tokens):
            if index == skip:
                continue
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            if token.kind == "time":
                skip = index + 1 if _time(token, after, tally) else skip
            elif token.kind in ("only", "need"):
                end = after.start if after else len(clause)
                self._qualifier(token, clause[token.end : end], qualified[index], tally)
            else:
                _count(token, tally)

    def _qualifier(self, token: Token, rest: str, qualifies: bool, tally: _Tally) -> None:
        """``仅…``/``只…``/``限…`` (limited) or ``需…`` with its object: the listed
        condition that follows it in the clause, else the object itself (``仅急诊`` by the
        dictionary's ``仅`` entries, also for the first of a list, else in words:
        ``限一名陪护``)."""
        tally.limited = tally.limited or token.kind == "only"
        if qualifies:
            tally.said.append(f"'{token.text}' qualifies what follows")
            return
        obj = BOUNDARY.split(rest, maxsplit=1)[0]
        if not obj:
            return
        if token.kind == "only":
            first = LISTS.split(obj, maxsplit=1)[0]
            for candidate in (obj, PATIENTS.sub("", obj), first, PATIENTS.sub("", first)):
                entry = self.phrases.get("仅" + candidate)
                if entry is not None and entry.condition:
                    tally.conditions.append(entry.condition)
                    tally.said.append(f"'{token.text}{obj}' {entry.condition}")
                    return
        tally.conditions.append((token.text + obj)[:MAX_CONDITION])
        tally.said.append(f"'{token.text}{obj}' in words")


def _punctuation(text: str) -> set[str]:
    """The punctuation characters of ``text`` but question marks (they say "unsure")."""
    return {c for c in text if unicodedata.category(c)[0] == "P" and c not in "?？"}


def _no_punctuation(text: str) -> str:
    return text.translate(dict.fromkeys(map(ord, _punctuation(text))))


def _time(token: Token, after: Token | None, tally: _Tally) -> bool:
    """A time: when a resumption comes (``周一恢复``: no condition), a partial closure
    (``夜间停诊``: True, the closure taken with it), or a condition (``周一三五上午``)."""
    if after is not None and after.kind == "later":
        tally.said.append(f"'{token.text}' is when it resumes")
        return False
    adjacent = after is not None and after.start == token.end
    if adjacent and after.kind == "state" and after.state is State.closed:
        tally.conditions.append(token.text + after.text)
        tally.limited = True
        tally.said.append(f"'{token.text}{after.text}' partly closed")
        return True
    tally.conditions.append(token.text)
    tally.said.append(f"time '{token.text}'")
    return False


def _followed_by_condition(tokens: list[Token]) -> list[bool]:
    """For each token, whether a condition or a time comes after it in the clause."""
    marks, seen = [], False
    for token in reversed(tokens):
        marks.append(seen)
        seen = seen or token.kind in ("condition", "time") or token.condition is not None
    return marks[::-1]


def _says_nothing(note: str) -> bool:
    """Only dashes, slashes and other punctuation (``-``, ``/``, ``——``), or ``n/a``."""
    return note.lower() in PLACEHOLDERS or not _no_punctuation(note).strip()


def _merge_times(clause: str, tokens: list[Token]) -> list[Token]:
    """Adjacent times as one (``周一三五`` + ``上午`` → ``周一三五上午``)."""
    merged: list[Token] = []
    for token in tokens:
        last = merged[-1] if merged else None
        if last and last.kind == token.kind == "time" and token.start - last.end <= 1:
            merged[-1] = Token("time", last.start, token.end, clause[last.start : token.end])
        else:
            merged.append(token)
    return merged


def _count(token: Token, tally: _Tally) -> None:
    """Add one plain token to the tally."""
    if token.kind == "unsure":
        tally.unsure = True
    elif token.kind == "weak":
        tally.weak = True
    elif token.kind == "resume":
        tally.resume = True
    elif token.state is not None:
        tally.states.append(token.state)
    if token.condition:
        tally.conditions.append(token.condition)
    if token.kind not in ("date", "past"):
        shown = "+".join(filter(None, (token.state, token.condition))) or token.kind
        tally.said.append(f"'{token.text}' {shown}")


def _decide(tally: _Tally, note: str) -> CellReading:
    """The state a tally comes to (the rules in the module's docstring)."""
    conditions = tuple(dict.fromkeys(c[:MAX_CONDITION] for c in tally.conditions))
    conditions = conditions[:MAX_CONDITIONS]
    closed = State.closed in tally.states and not tally.resume
    opened = State.open in tally.states or tally.resume
    limited = tally.limited or State.limited in tally.states
    if tally.unsure:
        state, reason = State.unknown, "unsure"
    elif closed and (opened or limited or PARTIAL_CONDITIONS.intersection(conditions)):
        state, reason = State.limited, "partly closed"
    elif closed:
        state, reason = State.closed, "closed"
    elif limited or conditions:
        state, reason = State.limited, "limited" if limited else "open with conditions"
    elif opened or tally.weak:
        state, reason = State.open, "open"
    else:
        return CellReading(State.unknown, (), note, False, "no known words")
    why = "; ".join(tally.said) + f" → {state} ({reason})"
    return CellReading(state, conditions, note, True, why[:MAX_WHY])


@cache
def bundled_reader() -> StatusReader:
    """The reader of the bundled dictionary, built once."""
    return StatusReader(bundled_status_phrases())


def read_cell(text: str) -> CellReading:
    """The reading of one sheet cell with the bundled dictionary (sheets repeat the same
    few phrasings thousands of times: readings of short cells are remembered)."""
    if len(text) > MAX_REMEMBERED:
        return bundled_reader().read(text)
    return _remembered(text)


@lru_cache(maxsize=8192)
def _remembered(text: str) -> CellReading:
    return bundled_reader().read(text)
