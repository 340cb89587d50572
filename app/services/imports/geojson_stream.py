"""Decoding a GeoJSON document one feature at a time, each within a size bound.

``json.loads`` of a 20 MiB file of empty lists builds seven million Python objects (over
500 MB). Here the top-level object is walked by hand and each of its values, and each
feature, is decoded by itself from a slice of at most ``MAX_VALUE_CHARS`` characters, so
decoding never holds more than one feature's objects, and a reader can stop after the
features it wants.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from app.services.imports.table import ImportFileError

KEPT_MEMBERS = frozenset({"type", "crs", "id", "geometry", "properties"})
"""The top-level members a reader needs (of a collection, or of a single Feature); any
other is dropped once decoded."""
MAX_VALUE_CHARS = 2**20
"""One feature, or all top-level members other than ``features`` together (a point
feature is well under a kilobyte): 18 MiB of padding members took seconds to decode."""
FIRST_SLICE = 4096
DECODER = json.JSONDecoder()
BLANK = re.compile(r"[ \t\n\r]*")


def decode_collection(text: str, filename: str, take: Callable[[object], bool]) -> dict:
    """The top-level ``KEPT_MEMBERS`` of ``text``, and ``features``, whose elements are
    passed to ``take`` one by one until it returns False (then the rest is not read)."""
    pos = _skip(text, 0)
    if not text.startswith("{", pos):
        raise ImportFileError(f"{filename} is not GeoJSON (not a JSON object)")
    head: dict = {}
    others = 0  # characters of the members other than features
    pos = _skip(text, pos + 1)
    if text.startswith("}", pos):
        return head
    closed = False
    while not closed:
        key, pos = _value(text, pos, filename)
        if not isinstance(key, str):
            raise _syntax(filename, "a property name in double quotes", pos)
        pos = _expect(text, pos, ":", filename)
        if key == "features" and text.startswith("[", pos):
            pos = _features(text, pos + 1, filename, take)
            if pos < 0:
                return head
            head["features"] = []
        else:
            value, end = _value(text, pos, filename)
            others, pos = _count_other(others + end - pos, filename), end
            if key in KEPT_MEMBERS:
                head[key] = value
        pos, closed = _after_item(text, pos, "}", filename)
    if _skip(text, pos) != len(text):
        raise _syntax(filename, "the end of the file", _skip(text, pos))
    return head


def _count_other(others: int, filename: str) -> int:
    """``others``, the characters of the members besides ``features``, once within bounds."""
    if others > MAX_VALUE_CHARS:
        raise ImportFileError(f"{filename} holds over {MAX_VALUE_CHARS:,} characters "
                              "of members besides its features")  # fmt: skip
    return others


def _features(text: str, pos: int, filename: str, take: Callable[[object], bool]) -> int:
    """Pass each element of the array starting at ``pos`` to ``take``; the position after
    the array, or -1 when ``take`` asked to stop."""
    pos = _skip(text, pos)
    if text.startswith("]", pos):
        return pos + 1
    closed = False
    while not closed:
        feature, pos = _value(text, pos, filename)
        if not take(feature):
            return -1
        pos, closed = _after_item(text, pos, "]", filename)
    return pos


def _after_item(text: str, pos: int, close: str, filename: str) -> tuple[int, bool]:
    """The position after the ',' or ``close`` that follows an item, and whether it was
    ``close``."""
    pos = _skip(text, pos)
    if text.startswith(",", pos):
        return _skip(text, pos + 1), False
    if text.startswith(close, pos):
        return pos + 1, True
    raise _syntax(filename, f"',' or '{close}'", pos)


def _value(text: str, pos: int, filename: str) -> tuple[object, int]:
    """The JSON value at ``pos`` and the position after it, decoded from slices growing
    up to ``MAX_VALUE_CHARS``."""
    size = FIRST_SLICE
    while True:
        chunk = text[pos : pos + size]
        whole = pos + size >= len(text)
        try:
            value, end = DECODER.raw_decode(chunk)
        except json.JSONDecodeError as exc:
            if whole:
                raise ImportFileError(
                    f"{filename} is not GeoJSON ({exc.msg} at character {pos + exc.pos:,})"
                ) from None
        except ValueError:  # an integer of more digits than Python converts
            raise ImportFileError(f"{filename} holds a number too long to read") from None
        else:
            if whole or end < len(chunk):  # a number cut by the slice would end with it
                return value, pos + end
        if size >= MAX_VALUE_CHARS:
            raise ImportFileError(
                f"{filename}: the value at character {pos:,} is over {MAX_VALUE_CHARS:,} "
                "characters long; a point feature is under a thousand"
            )
        size *= 4


def _skip(text: str, pos: int) -> int:
    match = BLANK.match(text, pos)
    return match.end() if match else pos


def _expect(text: str, pos: int, token: str, filename: str) -> int:
    pos = _skip(text, pos)
    if not text.startswith(token, pos):
        raise _syntax(filename, repr(token), pos)
    return _skip(text, pos + 1)


def _syntax(filename: str, wanted: str, pos: int) -> ImportFileError:
    return ImportFileError(f"{filename} is not GeoJSON (expecting {wanted} at character {pos:,})")
