"""Chinese phone numbers as sheets and people write them: one canonical form to store and
show, a key to compare numbers by, and a plain reason when a text cannot be a number.

Canonical forms: a landline with its area code, ``021-64370045`` (010 and 02x take 8
digits after the code, other cities' four-digit codes 7 or 8); a mobile, ``13912345678``;
a national service number, ``400-820-8820``; an extension after ``转``:
``021-64370045转8001`` (read from 转, 分机, ext, x, # or a short group after a full number,
``021-64370045-8001``). Eight digits alone are a Shanghai number (``021-`` is added); ten
starting with 21 lost their leading 0 in a number cell. +86, 0086 and 86 are dropped. A
number is never made worse: nothing a sheet wrote is cut off but the country code and
the separators. City-wide service numbers (12345, 120 …) and numbers of the wrong length
cannot be a place's own number: ``PhoneProblem`` says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.geo.names import normalise

SERVICE_NUMBERS = {
    "110": "the police", "119": "the fire service", "120": "the ambulance service",
    "999": "the Red Cross ambulance", "122": "the traffic police",
    "12345": "the city's hotline (市民热线)", "12320": "the health hotline",
    "12315": "the consumer hotline", "12355": "the youth hotline",
}  # fmt: skip
"""Short numbers a sheet writes where it has no number of the place's own."""
SEPARATORS = re.compile(r"[,，、;；/|\n]+")
"""Between numbers in one cell (spaces too, between complete numbers)."""
BRACKETED = re.compile(r"[(（【\[][^)）】\]\d]*[)）】\]]")
"""A bracketed remark without digits: 64370045（总机）."""
LABEL = re.compile(r"^(?:[^\d+]*[:：]|[\u4e00-\u9fff]+(?=[\d+]))")
"""A leading label: 电话：, 总机:, 手机."""
EXTENSION = re.compile(
    r"^(?P<main>.+?)(?:转|分机|ext\.?|x|#)(?P<ext>\d{0,6})[\u4e00-\u9fff]*$", re.I
)
NUMBER = re.compile(r"^\+?[\d\-().]+$")
GROUPS = re.compile(r"[\-().+]+")
KEYS_KEPT = 65_536
"""Numbers whose key is kept: an import compares each row's numbers several times."""
MAX_EXTENSION = 5
"""Digits of a trailing group read as an extension (021-64370045-8001)."""


class PhoneProblem(ValueError):
    """A text that cannot be kept as a place's phone number; the message says why."""


@dataclass(frozen=True, slots=True)
class Phone:
    """A number in its canonical form, its comparison key, and a note when it was read
    with a guess (a leading 0 put back)."""

    number: str
    key: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class PhoneCell:
    """The numbers a cell holds, and each text in it that could not be one, with why."""

    phones: tuple[Phone, ...]
    dropped: tuple[tuple[str, str], ...] = ()

    @property
    def numbers(self) -> tuple[str, ...]:
        """The canonical numbers, each once, in the cell's order."""
        return tuple(dict.fromkeys(phone.number for phone in self.phones))

    def warnings(self) -> list[str]:
        """What a plan says about the cell: each number dropped, and each read with a guess."""
        notes = [f"phone {text[:40]!r} dropped: {why}" for text, why in self.dropped]
        return notes + [f"phone read as {p.number}: {p.note}" for p in self.phones if p.note]


def read_phones(cell: str) -> PhoneCell:
    """The numbers of a cell: separated by 、,;/| or line breaks, or by spaces between
    complete numbers (spaces inside one, ``021 6437 0045``, are dropped)."""
    phones: list[Phone] = []
    dropped: list[tuple[str, str]] = []
    for part in SEPARATORS.split(cell):
        pieces = part.split()
        if not pieces:
            continue
        try:
            phones.append(read_phone("".join(pieces)))
            continue
        except PhoneProblem as problem:
            whole = (part.strip(), str(problem))
        read, failed = [], []
        for piece in pieces if len(pieces) > 1 else ():
            try:
                read.append(read_phone(piece))
            except PhoneProblem as problem:
                failed.append((piece, str(problem)))
        if read:  # complete numbers side by side: keep those, drop the rest
            phones += read
            dropped += failed
        else:
            dropped.append(whole)
    return PhoneCell(tuple(phones), tuple(dropped))


def read_phone(text: str) -> Phone:
    """One number in its canonical form; ``PhoneProblem`` when it cannot be one."""
    text = LABEL.sub("", BRACKETED.sub("", normalise(text)))
    extension = ""
    found = EXTENSION.match(text)
    if found:
        text, extension = found["main"], found["ext"]
    if not NUMBER.match(text):
        raise PhoneProblem("not a phone number")
    groups = [group for group in GROUPS.split(text) if group]
    plus = text.startswith("+")
    try:
        number, key, note = _national("".join(groups), plus)
    except PhoneProblem:
        last = groups[-1] if groups else ""
        if extension or len(groups) < 2 or len(last) > MAX_EXTENSION:
            raise
        try:  # 021-64370045-8001: a full number, then its extension
            number, key, note = _national("".join(groups[:-1]), plus)
        except PhoneProblem:
            raise PhoneProblem(_length_problem("".join(groups))) from None
        extension = last
    return Phone(f"{number}转{extension}" if extension else number, key, note)


def keep_extensions(stored: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    """``new`` numbers, each replaced by the stored one of the same key when only that one
    has an extension: a sheet that leaves out 转8001 does not take it away."""
    extended = {}
    for text in stored:
        try:
            phone = read_phone(text)
        except PhoneProblem:
            continue
        if "转" in phone.number:
            extended.setdefault(phone.key, phone.number)
    return tuple(
        number if "转" in number else extended.get(phone_key(number), number) for number in new
    )


@lru_cache(maxsize=KEYS_KEPT)
def phone_key(phone: str) -> str:
    """What numbers are compared by: the national number without its extension and
    without Shanghai's 021 (``021-64370045``, ``+86 21 6437 0045`` and ``64370045转8``
    are one number); the digits of a text that is no number."""
    try:
        return read_phone(phone).key
    except PhoneProblem:
        return re.sub(r"\D", "", phone.split("转")[0])


def _national(digits: str, plus: bool) -> tuple[str, str, str | None]:
    """The canonical form, key and note of a number's digits (``plus``: written +…)."""
    if plus and not digits.startswith("86"):
        if 7 <= len(digits) <= 15:
            return f"+{digits}", digits, None
        raise PhoneProblem(f"{len(digits)} digits: not an international number")
    international = (
        plus or digits.startswith("0086") or (digits.startswith("86") and len(digits) in (12, 13))
    )
    if international:
        digits = digits.removeprefix("00").removeprefix("86")
        if digits[:1] not in ("0", "1"):
            digits = "0" + digits  # +86 21 …: the trunk 0 is left out after a country code
    if re.fullmatch(r"1[3-9]\d{9}", digits):
        return digits, digits, None
    if re.fullmatch(r"0?1[3-9]\d{9}", digits):
        return digits[1:], digits[1:], None
    if re.fullmatch(r"[48]00\d{7}", digits):
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}", digits, None
    if digits.startswith("0"):
        return _landline(digits)
    if re.fullmatch(r"[2-9]\d{7}", digits):
        return f"021-{digits}", digits, None
    if re.fullmatch(r"21[2-9]\d{7}", digits):
        number = f"021-{digits[2:]}"
        return number, digits[2:], "the leading 0 was missing (a number cell?)"
    raise PhoneProblem(_length_problem(digits))


def _landline(digits: str) -> tuple[str, str, str | None]:
    """A number with its area code: 010 and 02x take 8 digits after it, others 7 or 8."""
    if len(digits) < 4:  # "0", "02": no area code and number at all
        raise PhoneProblem(_length_problem(digits))
    short_code = digits[1] in "12"
    code, rest = (digits[:3], digits[3:]) if short_code else (digits[:4], digits[4:])
    lengths = (8,) if short_code else (7, 8)
    if len(rest) not in lengths:
        wanted = "8" if short_code else "7 or 8"
        raise PhoneProblem(f"{len(rest)} digits after {code}; numbers there have {wanted}")
    if rest[0] in "01":
        raise PhoneProblem(f"the number after {code} begins with {rest[0]}: no local number does")
    key = rest if code == "021" else digits
    return f"{code}-{rest}", key, None


def _length_problem(digits: str) -> str:
    """Why digits that fit no pattern are no place's own number."""
    if digits in SERVICE_NUMBERS:
        return f"{digits} is {SERVICE_NUMBERS[digits]}, not this place's own number"
    if 3 <= len(digits) <= 6:
        return f"{digits} is a short service number, not this place's own"
    if len(digits) == 7:
        return "7 digits: Shanghai numbers have 8 (a digit missing, or another city's area code?)"
    return f"{len(digits)} digits: not a Chinese phone number"
