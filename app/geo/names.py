"""Normalising Chinese place names so that spelling variants compare equal."""

from __future__ import annotations

import re
import unicodedata

WHITESPACE = re.compile(r"\s+")
UNIT_SUFFIXES = ("街道办事处", "街道", "镇", "乡")


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters to half-width) with all white space removed."""
    return WHITESPACE.sub("", unicodedata.normalize("NFKC", text))


def core_name(name: str) -> str:
    """A street/town name without its unit suffix or a trailing 路.

    友谊路街道 and 友谊 give 友谊; 吴淞镇, 吴淞街道 and 吴淞镇街道 give 吴淞;
    半淞园路街道 gives 半淞园.
    """
    core = normalise(name)
    for suffix in UNIT_SUFFIXES:  # in order, so 吴淞镇街道 loses 街道, then 镇
        if core.endswith(suffix) and len(core) > len(suffix) + 1:
            core = core.removesuffix(suffix)
    if core.endswith("路") and len(core) > 2:
        core = core.removesuffix("路")
    return core


DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}  # fmt: skip
UNITS = {"十": 10, "百": 100, "千": 1000}
# A number counts something when 弄, 号, 村, 居(委), 社(区), 坊 or a list's 、 follows it, or
# the text ends with it: 临汾路一二四四弄, 东安一村, 中一居委会, 田林一、二村. 七宝, 四川北路
# and 十六铺 are names, not numbers.
COUNTED = re.compile(r"(第?)([零〇一二两三四五六七八九十百千]+)(?=[弄号村居社坊、]|$)")


def fold_numerals(text: str) -> str:
    """``text`` with the Chinese numbers that count something written in Arabic digits,
    and 第 before them dropped, so names compare whichever way a number is written:
    临汾路一二四四弄, 临汾路一千二百四十四弄 and 临汾路1244弄 all give 临汾路1244弄;
    联洋第七居委会 and 联洋七居委会 give 联洋7居委会."""
    return COUNTED.sub(_arabic, text)


def _arabic(found: re.Match[str]) -> str:
    value = _number(found[2])
    return found[0] if value is None else str(value)


def _number(numeral: str) -> int | None:
    """一二四四 → 1244 (digit by digit), 一千二百四十四 → 1244, 十 → 10, 一百零五 → 105;
    None for what is no number (十十, 百)."""
    if not any(ch in UNITS for ch in numeral):
        return int("".join(str(DIGITS[ch]) for ch in numeral))
    total, digit, last_unit, zero = 0, None, 10_000, False
    for ch in numeral:
        if ch in DIGITS:
            if digit is not None and not zero:
                return None  # two digits in a row: 二三十
            digit, zero = DIGITS[ch], DIGITS[ch] == 0
        else:
            unit = UNITS[ch]
            if unit >= last_unit or (digit is None and unit != UNITS["十"]) or digit == 0:
                return None
            total += (1 if digit is None else digit) * unit
            digit, last_unit, zero = None, unit, False
    return total + (digit or 0)
