"""Field types for what people send the API: text cleaned before it is stored, and
service codes that every database can hold."""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from app.core.text import clean_text


def _visible(text: str, *, multiline: bool) -> str:
    """``clean_text`` of what a person sent; refused when nothing visible is left."""
    cleaned = clean_text(text, multiline=multiline)
    if not cleaned:
        raise ValueError("no visible text once control, invisible and direction characters go")
    return cleaned


Line = AfterValidator(partial(_visible, multiline=False))
"""Cleans one line of text a person sent (and refuses it when nothing visible is left)."""
Lines = AfterValidator(partial(_visible, multiline=True))
"""Cleans text that may have lines."""

MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]")
"""The start of an HTML tag, comment or declaration (``<b``, ``</``, ``<!--``, ``<?``); a
``<`` before a digit or a space (``血压<140``) is text."""


def _plain(text: str) -> str:
    if MARKUP.search(text):
        raise ValueError("HTML markup is not taken here: write it as plain text, without <…>")
    return text


Plain = AfterValidator(_plain)
"""Refuses text holding HTML markup: for what strangers send that volunteers and requesters
read (help requests), where a 422 the form shows beside the field loses nothing."""

SERVICE_CODE = r"^[^\x00-\x1f\x7f]{1,32}$"
"""A service code as a client may send it: no control characters (PostgreSQL text cannot
hold NUL, so one reaching a query was a 500 there)."""
ServiceCode = Annotated[str, StringConstraints(pattern=SERVICE_CODE), Field(examples=["dialysis"])]
