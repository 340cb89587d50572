"""The rule layer under the status-words dictionary: what a list of phrases cannot say.

A sheet cell is folded (``fold_cell``) and cut into clauses; each clause is scanned left to
right, taking at every position the longest of these matches (``Scanner.tokens``):

- a **dictionary phrase** (``geodata/status_words.csv``), optionally after a **negation**
  (``不``, ``暂不``, ``无法``, ``无需``, ``免``, ``not`` …), which turns an open word into a
  closed one (``不接收``), a closed one into an open one (``未满``, ``不停诊``), a limit into
  none (``不限号``) and drops a condition (``无需预约``). A phrase of one letter (``收``,
  ``可``) counts inside a cell only after a negation (``不收``); alone it is a whole cell;
- a **verb rule** where a list would never end: ``可…`` (``可透析``, ``可收``) open,
  ``停…`` and ``满`` closed (not ``停车``, not ``满48小时``), ``开`` open (not ``开药``,
  ``开证明``), ``恢复`` open, or closed when it is still to come (``预计下周恢复``);
- a **test window**: ``需48小时核酸``, ``48h核酸``, ``核酸24h内``, ``2天内核酸`` → the
  condition code of 24, 48 or 72 hours, other windows as their own words;
- a **time** (``周一三五``, ``周二至周六``, ``上午``, ``8:00-12:00``, ``每天下午``,
  ``weekdays``): a condition in free text, adjacent times read as one;
- a **qualifier** ``仅…``/``只…``/``限…`` (only) or ``需…``/``须…``/``凭…`` (needs),
  whose object becomes a condition when no listed one follows it;
- ``全天``/``24小时`` (open when nothing else says otherwise), a **date** (explained, no
  state), and **past** at a clause's start (``原暂停``: not the current state).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from app.domain.statuses import State
from app.services.vocabulary import StatusPhrase

NEGATIONS = (
    "暂不", "不再", "不能", "不可", "不予", "不需要", "不需", "不用", "不必", "无法", "无需",
    "无须", "尚未", "并未", "没有", "停止", "暂停", "暂时停止", "拒绝", "拒", "没", "未", "免",
    "不", "无",
)  # fmt: skip
NEGATION = "|".join(sorted(NEGATIONS, key=len, reverse=True))
NEGATIONS_BY_FIRST = {
    first: sorted((w for w in NEGATIONS if w[0] == first), key=len, reverse=True)
    for first in {w[0] for w in NEGATIONS}
}
NEG = rf"(?P<neg>(?:{NEGATION})(?:对外|再)?|(?<![a-z])(?:not|no|non|never)[ -]?)"
"""A negation, and what may stand between it and its word (``不对外开放``, ``暂停开诊``)."""
ENGLISH_NEGATION = re.compile(r"(?<![a-z])(?:not|no|non|never)[ -]?")
CLOSING = ("暂停", "暂时停止", "停止")
"""Negations that close whatever follows them (``暂停开诊``, ``暂停预约``, ``停止营业``)."""
TEST_CODES = {24: "negative_test_24h", 48: "negative_test_48h", 72: "negative_test_72h"}
NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
            "二十四": 24, "四十八": 48, "七十二": 72}  # fmt: skip
NUM = r"\d{1,3}|二十四|四十八|七十二|[一二两三四五六七]"
UNIT = r"小时|hours?|hrs?|h|天|日"
WITHIN = r"\s*(?:内|以内|之内)?"
TEST_WORD = r"核酸(?:检测|报告|证明|结果)?(?:阴性)?|阴性(?:核酸)?(?:证明|报告)?|pcr|核检|test"
TEST = (
    rf"(?:(?P<n>{NUM})\s*(?P<u>{UNIT}){WITHIN}\s*的?\s*(?:有效)?\s*(?:{TEST_WORD}))"
    rf"|(?:(?:核酸|pcr|核检)(?:检测|报告|证明|结果)?(?:阴性)?\s*[需须要]?\s*(?:在|within)?\s*"
    rf"(?P<n2>{NUM})\s*(?P<u2>{UNIT}){WITHIN})"
    rf"|(?:(?P<n3>48|72|四十八|七十二)\s*(?P<u3>小时|h){WITHIN})"
)
DAY = r"[一二三四五六日天末1-7]"
WEEK_WORD = r"(?:周|星期|礼拜)"
TIME = "|".join(
    (
        rf"每?{WEEK_WORD}{DAY}(?:(?:[、和及与&+]|至|到|[-~—])?{WEEK_WORD}?{DAY})*",
        r"工作日|双休日|节假日|法定假日|周末|双休|隔天|隔日|单双日|单日|双日",
        r"(?:每天|每日)?(?:上午|下午|中午|晚上|夜间|夜里|夜班|白天|白班|日间|早上|早晨|凌晨|傍晚"
        r"|晚间|午后|工作时间|门诊时间)",
        r"\d{1,2}(?::\d{2}|[点时](?:\d{1,2}分?|半)?)"
        r"(?:\s*(?:-|~|—|至|到)\s*\d{1,2}(?::\d{2}|[点时](?:\d{1,2}分?|半)?)?)?"
        r"(?:以前|之前|以后|之后|前|后)?",
        r"(?<![a-z])(?:weekdays?|weekends?|mornings?|afternoons?|daytime|evenings?|nights?"
        r"|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*(?:\s*(?:-|to|/|&)\s*"
        r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*)*|\d{1,2}\s*[ap]m(?:\s*-\s*\d{1,2}\s*[ap]m)?)"
        r"(?![a-z])",
    )
)
SINCE = r"(?:起|开始|以后|之后|前)?"
DATE = rf"(?<!第)\d{{1,2}}月\d{{1,2}}[日号]?{SINCE}|(?<!第)\d{{1,2}}[日号]{SINCE}"
ONLY = (
    r"(?:仅限|只限|限于|仅|只|限)"
    r"(?:收治|接收|接诊|收|看|接|针对|对|面向|为|提供|开放|限|给)*"
)
NEED = r"(?:必须|需要|要求|需|须|凭|请先)(?:提供|出具|持有|持|携带|自带|带|有|开具|开|做)*"
PAST = r"(?:原来|原先|原本|原(?!有|发|则|因)|之前|此前|先前|曾经|曾|前期|上周)"
FUTURE = re.compile(
    r"预计|将|待|下周|明天|明日|后天|下个?月|\d+[月号日]|周[一二三四五六日天]|星期|月底|月初|近期"
    r"|近日|择期|另行"
)
"""Words before ``恢复`` that put it in the future: the service is still closed."""
VERBS: dict[str, tuple[str, State | None]] = {
    "ke": (r"可(?:以)?(?!能|否|疑|惜|是|见|乐)", State.open),
    "stop": (r"停(?!车|电|水|止)", State.closed),
    "full": (r"满(?![0-9一二两三四五六七八九十百]|岁|意|足|月|周)", State.closed),
    "open": (r"开(?![药具单方刀始会车证立展])", State.open),
    "resume": (
        r"(?:已经?|现已|均已)?恢复(?!时间|日期|后)(?:正常)?(?:接收|接诊|开放|收治|门诊|营业|透析|运行)?",
        None,
    ),
    "quota": (r"(?:每[日天])?限(?:号|额)?\d+(?:人|个|名|号|位|床)?", State.limited),
    "allday": (r"全天候?|全日|24小时|24h|24 hours", None),
}
"""Verb rules: a regular expression and the state it says (before any negation)."""

TAG = re.compile(r"<[^<>]{0,200}>")
VARIATIONS = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")
SPACE = re.compile(r"\s+")
CLAUSE = re.compile(
    r"[,;。\n|!()\[\]{}<>【】《》「」『』\"“”‘’]+|(?<!\d)/|/(?!\d)|\.(?!\d)"
    r"|(?=现已|现在|目前|但是|不过|但)"
)
BOUNDARY = re.compile(r"[、:：\s]")
"""What ends a qualifier's object inside a clause."""


def fold_cell(text: str) -> str:
    """A cell's text as the rules read it: tags and entities unwrapped, NFKC (full-width
    forms, ``？``), lower case, no emoji variation marks, and white space kept only between
    two ASCII letters or digits (``by appointment``; ``可接收 需预约`` → one string)."""
    text = html.unescape(TAG.sub(" ", text))
    text = VARIATIONS.sub("", unicodedata.normalize("NFKC", text).lower())

    def space(match: re.Match[str]) -> str:
        before, after = text[match.start() - 1 : match.start()], text[match.end() :][:1]
        return " " if (before + after).isascii() and (before + after).isalnum() else ""

    return SPACE.sub(space, text).strip()


def clauses(folded: str) -> list[str]:
    """The clauses of a folded cell, split at punctuation and at 现在/目前/但 …"""
    return [part for part in CLAUSE.split(folded) if part and part.strip()]


def whole_cell_only(phrase: str) -> bool:
    """True for a phrase of one letter or digit (``收``, ``可``, ``n``): too common inside
    other words to count there."""
    return len(phrase) == 1 and unicodedata.category(phrase)[0] in "LN"


@dataclass(frozen=True, slots=True)
class Token:
    """One match in a clause: its kind, span, words, and what it says.

    Kinds: ``state`` (a state, maybe a condition), ``condition``, ``unsure``, ``time``,
    ``only``, ``need``, ``weak`` (open unless something else speaks: ``全天``, or a negated
    limit or condition such as ``无需预约``), ``resume``, ``later`` (a resumption still to
    come: closed now), ``date``, ``past``.
    """

    kind: str
    start: int
    end: int
    text: str
    state: State | None = None
    condition: str | None = None
    negated: bool = False


@dataclass(frozen=True, slots=True)
class _Found:
    """A candidate match at one position: which rule, its span, its negation and word."""

    rule: str
    start: int
    end: int
    negation: str
    body: str
    match: re.Match[str] | None = None


class _Lexicon:
    """Phrases found by their first character, longest first: a set lookup per length,
    not an expression of hundreds of branches tried at every position of a hostile cell."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(words)
        lengths: dict[str, set[int]] = defaultdict(set)
        for word in self.words:
            lengths[word[0]].add(len(word))
        self.lengths = {first: sorted(found, reverse=True) for first, found in lengths.items()}

    def longest(self, text: str, start: int) -> int | None:
        """Where the longest phrase at ``start`` ends (Latin words whole), or None."""
        for length in self.lengths.get(text[start : start + 1], ()):
            end = start + length
            if text[start:end] in self.words and _whole(text, start, end):
                return end
        return None


def _whole(text: str, start: int, end: int) -> bool:
    """True unless a Latin letter or digit at an end of ``text[start:end]`` runs on."""
    runs_before = start > 0 and _latin(text[start]) and _latin(text[start - 1])
    runs_after = end < len(text) and _latin(text[end - 1]) and _latin(text[end])
    return not (runs_before or runs_after)


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _negations(clause: str, start: int) -> Iterator[int]:
    """Where each negation at ``start`` ends, longest first (``没有床位`` is 没 + 有床位
    when 没有 + 床位 names nothing)."""
    for word in NEGATIONS_BY_FIRST.get(clause[start], ()):
        if clause.startswith(word, start):
            after = start + len(word)
            yield from (after + len(f) for f in ("对外", "再") if clause.startswith(f, after))
            yield after
    if english := ENGLISH_NEGATION.match(clause, start):
        yield english.end()


def _has_words(phrase: str) -> bool:
    """False for a phrase of symbols only (``✅``, ``❌``, ``?``): no negation turns those."""
    return any(unicodedata.category(char)[0] in "LN" for char in phrase)


def _negate(state: State | None) -> State:
    """Open and closed swapped by a negation (``不接收``, ``未满``)."""
    return State.closed if state is State.open else State.open


class Scanner:
    """Tokens of a clause, from a dictionary of phrases and the rules above."""

    def __init__(self, phrases: Iterable[StatusPhrase]) -> None:
        self.phrases = {fold_cell(p.phrase): p for p in phrases}
        self.words = _Lexicon(p for p in self.phrases if _has_words(p) and not whole_cell_only(p))
        self.singles = _Lexicon(p for p in self.phrases if whole_cell_only(p))
        self.symbols = _Lexicon(p for p in self.phrases if not _has_words(p))
        rules = {
            "test": rf"{NEG}?(?P<body>{TEST})",
            "time": rf"(?P<body>{TIME})",
            "date": rf"(?P<body>{DATE})",
            "only": rf"(?P<body>{ONLY})",
            "need": rf"(?P<body>{NEED})",
        } | {name: rf"{NEG}?(?P<body>{regex})" for name, (regex, _) in VERBS.items()}
        self.rules = [(name, re.compile(regex)) for name, regex in rules.items()]
        self.past = re.compile(PAST)
        firsts = {w[0] for w in self.phrases} | {w[0] for w in NEGATIONS} | set("not")
        unnamed = [re.sub(r"\(\?P<\w+>", "(?:", regex) for regex in rules.values()]
        self.finder = re.compile("|".join([*unnamed, f"[{re.escape(''.join(sorted(firsts)))}]"]))
        """Where a match may start: positions nothing can start at are skipped in C."""

    def tokens(self, clause: str) -> list[Token]:
        """The clause's tokens, left to right, the longest match at each position (the
        first rule's on a tie: a listed phrase before a rule)."""
        found: list[Token] = []
        if past := self.past.match(clause):
            found.append(Token("past", 0, past.end(), past.group()))
        position = found[0].end if found else 0
        while (hit := self.finder.search(clause, position)) is not None:
            position = hit.start()
            best = max(self._candidates(clause, position), key=lambda f: f.end, default=None)
            if best is None:
                position += 1
                continue
            found.append(self._token(clause, best))
            position = best.end
        return found

    def _candidates(self, clause: str, start: int) -> Iterator[_Found]:
        for rule, lexicon in (("phrase", self.words), ("symbol", self.symbols)):
            if end := lexicon.longest(clause, start):
                yield _Found(rule, start, end, "", clause[start:end])
        for after in _negations(clause, start):
            end = self.words.longest(clause, after) or self.singles.longest(clause, after)
            if end:
                yield _Found("phrase", start, end, clause[start:after], clause[after:end])
        for rule, pattern in self.rules:
            if (match := pattern.match(clause, start)) and match.end() > start:
                negated = match.groupdict().get("neg") or ""
                yield _Found(rule, start, match.end(), negated, match["body"], match)

    def _token(self, clause: str, found: _Found) -> Token:
        text = clause[found.start : found.end]
        negated, span = bool(found.negation), (found.start, found.end)
        if found.negation.startswith(CLOSING):
            return Token("state", *span, text, State.closed, negated=True)
        if found.rule in ("phrase", "symbol"):
            entry = self.phrases[found.body]
            if negated and entry.state in (State.open, State.closed):
                return Token("state", *span, text, _negate(entry.state), negated=True)
            if negated and entry.state is not State.unknown:
                return Token("weak", *span, text, negated=True)
            kind = "unsure" if entry.state is State.unknown else "state"
            if entry.state is None:
                kind = "condition"
            return Token(kind, *span, text, entry.state, entry.condition)
        if found.rule == "test":
            if negated:
                return Token("weak", *span, text, negated=True)
            assert found.match is not None
            return Token("condition", *span, text, condition=_test_condition(found.match))
        if found.rule in ("time", "date", "only", "need"):
            return Token(found.rule, *span, text)
        if found.rule == "resume":
            if FUTURE.search(clause, 0, found.start):
                return Token("later", *span, text, State.closed)
            kind, state = ("state", State.closed) if negated else ("resume", State.open)
            return Token(kind, *span, text, state, negated=negated)
        if found.rule == "allday":
            return Token("weak", *span, text, negated=negated)
        state = VERBS[found.rule][1]
        return Token("state", *span, text, _negate(state) if negated else state, negated=negated)


def _test_condition(match: re.Match[str]) -> str:
    """The condition code of a test window (24, 48, 72 h), or the window in words."""
    groups = match.groupdict()
    number = groups["n"] or groups["n2"] or groups["n3"]
    unit = groups["u"] or groups["u2"] or groups["u3"]
    value = int(number) if number.isdigit() else NUMERALS[number]
    hours = value * 24 if unit in ("天", "日") else value
    return TEST_CODES.get(hours, match.group("body")[:100])
