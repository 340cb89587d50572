"""Versioned writes: the ``If-Match`` header that names the resource version a client saw."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header

from app.core.errors import BadHeader, PreconditionRequired

ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,18})"\s*$')
IfMatch = Annotated[str | None, Header(description='the resource ETag, e.g. "5"', examples=['"1"'])]


def expected_version(if_match: str | None) -> int:
    """The version an ``If-Match: "<version>"`` names; 428 when absent, 400 when malformed."""
    if if_match is None:
        raise PreconditionRequired('send If-Match: "<version>" (the ETag of the resource)')
    found = ETAG.match(if_match)
    if found is None:
        raise BadHeader(f'If-Match must look like "12", not {if_match[:40]!r}')
    return int(found[1])
