"""Cleaning text that people typed before we store or show it.

Names, addresses, notes and reports reach cards, pages, images and files that present
them as our information. Characters that change how text looks without being seen —
bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), zero-width spaces
and joiners, the byte-order mark, soft hyphens, tag characters, private-use and lone
surrogate code points, and control characters — let a stranger reverse or disguise what
we show (``‮831 00 388 1`` reads as a phone number it is not). They are dropped
everywhere; white space of every kind (NBSP, the ideographic space, line and paragraph
separators) becomes a plain space, or a line break where text may have lines.
"""

from __future__ import annotations

import re
import unicodedata

DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co"})
"""Controls, format characters (bidi, zero-width, BOM, soft hyphen, tags), surrogates and
private use."""
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
"""Hangul fillers: letters that draw nothing, used to pass off blank names as text."""
BLANK_LETTER = re.compile(f"[{''.join(BLANK_LETTERS)}]")
LINE_BREAKS = frozenset("\n\r\u2028\u2029\x85\x0b\x0c")
SPACES = re.compile(r"[^\S\n]+")
BREAKS = re.compile(r" *\n[ \n]*")


def _kept(char: str, multiline: bool) -> str:
    if char in LINE_BREAKS:
        return "\n" if multiline else " "
    if char.isspace():
        return " "
    if char in BLANK_LETTERS or unicodedata.category(char) in DROPPED_CATEGORIES:
        return ""
    return char


def clean_text(text: str, *, multiline: bool = False) -> str:
    """``text`` without invisible or direction-changing characters, its white space
    folded to single spaces (and, with ``multiline``, single line breaks), and trimmed."""
    if text.isprintable() and not BLANK_LETTER.search(text):
        # The common case (Chinese too), without a pass per character: printable text has
        # no controls, format, private-use or surrogate characters, and no white space
        # but the plain space.
        return " ".join(text.split())
    kept = "".join(_kept(char, multiline) for char in text)
    kept = SPACES.sub(" ", kept)
    if multiline:
        kept = BREAKS.sub("\n", kept)
    return kept.strip()


def clean_optional(text: str | None, *, multiline: bool = False) -> str | None:
    """``clean_text`` of a value that may be missing; None when nothing visible is left."""
    if text is None:
        return None
    return clean_text(text, multiline=multiline) or None
