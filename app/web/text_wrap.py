"""Breaking text into lines that fit a width in pixels, for text drawn into images.

Chinese breaks between any two characters, except before closing punctuation (，。）…)
and after opening punctuation (（“); Latin text breaks at spaces and after a slash or a
middle dot, and inside a word only when the word is wider than the line. Text beyond
the last allowed line is cut with an ellipsis.
"""

from __future__ import annotations

from PIL import ImageFont

NO_LINE_START = frozenset("，。、；：！？）」』》〉”’,.;:!?)]}…·%")
NO_LINE_END = frozenset("（「『《〈“‘([{")
BREAK_AFTER = frozenset(" /·")


def _wide(char: str) -> bool:
    return ord(char) >= 0x2E80  # CJK radicals onward: ideographs, kana, full-width forms


def _can_break(text: str, at: int) -> bool:
    """Whether a line may end before ``text[at]``."""
    before, after = text[at - 1], text[at]
    if after in NO_LINE_START or before in NO_LINE_END:
        return False
    return before in BREAK_AFTER or after == " " or _wide(before) or _wide(after)


def _fitting(text: str, face: ImageFont.FreeTypeFont, width: float) -> int:
    """How many leading characters of ``text`` fit in ``width`` (at least one)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if face.getlength(text[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def wrap(
    text: str, face: ImageFont.FreeTypeFont, width: float, max_lines: int, ellipsis: str
) -> list[str]:
    """``text`` in at most ``max_lines`` lines no wider than ``width`` pixels; the last
    ends with ``ellipsis`` (one the font can draw) when the text did not fit."""
    lines: list[str] = []
    rest = text.strip()
    while rest and len(lines) < max_lines:
        if face.getlength(rest) <= width:
            lines.append(rest)
            return lines
        cut = _fitting(rest, face, width)
        at = next((i for i in range(cut, 0, -1) if _can_break(rest, i)), cut)
        lines.append(rest[:at].rstrip())
        rest = rest[at:].lstrip()
    if rest and lines:
        last = lines[-1]
        while last and face.getlength(last + ellipsis) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + ellipsis
    return lines
