"""Adding a source: its name, link, kind and interval checked before it is stored."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime

from app.domain.sources import NewSource, Source, SourceKind
from app.services.sources.addresses import is_public
from app.services.sources.fetch import FetchFailed, check_link
from app.storage.port import SourceStore

NAME = re.compile(r"[^\W_][\w.-]{0,63}")
"""A source's name: letters of any script, digits, ``_ . -``; up to 64, no spaces (it is
a path segment of the API and part of ``source:NAME`` in history)."""
MAX_URL = 2000
MAX_SHEET = 100
MAX_EVERY_S = 7 * 86_400
DEFAULT_EVERY_S = 600
EVERY = re.compile(r"^\s*(\d{1,7})\s*([smhd]?)\s*$")
UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400}


class BadSource(ValueError):
    """A source's setting that is refused; the message is safe to show."""


def parse_every(text: str) -> int:
    """``90s``, ``10m``, ``1h``, ``1d`` or plain seconds as seconds; BadSource otherwise."""
    match = EVERY.match(text)
    if match is None:
        raise BadSource(f"{text!r} is not an interval like 90s, 10m or 1h")
    return int(match[1]) * UNIT_S[match[2]]


def add_source(
    store: SourceStore,
    new: NewSource,
    *,
    min_interval_s: int,
    allow_private: bool,
) -> Source:
    """Check ``new`` and store it; BadSource for a setting out of bounds, AlreadyExists
    when the name is taken."""
    if not NAME.fullmatch(new.name):
        raise BadSource(
            "a source's name is 1 to 64 letters, digits, '_', '.' or '-', starting with a "
            "letter or digit"
        )
    check_url(new.url, allow_private)
    if not min_interval_s <= new.every_s <= MAX_EVERY_S:
        raise BadSource(
            f"a source is read every {min_interval_s} s (AIDMAP_SOURCE_MIN_INTERVAL_S) to "
            f"{MAX_EVERY_S // 86_400} days, not every {new.every_s} s"
        )
    if not 0 <= new.max_change <= 1:
        raise BadSource("max_change is a fraction from 0 to 1 (0.3: 30%)")
    if new.sheet is not None and not 0 < len(new.sheet) <= MAX_SHEET:
        raise BadSource(f"a sheet's name is 1 to {MAX_SHEET} characters")
    return store.add_source(new)


def check_url(url: str, allow_private: bool) -> None:
    """BadSource unless ``url`` is an http(s) link of at most ``MAX_URL`` characters whose
    host, when it is an address, is public (names are checked at each fetch)."""
    if len(url) > MAX_URL or not url.isprintable() or " " in url:
        raise BadSource(f"a source's link is one URL of at most {MAX_URL} characters")
    try:
        _scheme, host, _port = check_link(url)
    except FetchFailed as exc:
        raise BadSource(str(exc)) from None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if not allow_private and not is_public(address):
        raise BadSource(
            f"{host} is not a public address: sources fetch only from public addresses "
            "(AIDMAP_SOURCE_ALLOW_PRIVATE=true allows others)"
        )


def new_source(
    name: str,
    url: str,
    kind: SourceKind,
    now: datetime,
    *,
    every_s: int = DEFAULT_EVERY_S,
    sheet: str | None = None,
    review: bool = False,
    max_change: float = 0.30,
    created_by: str | None = None,
) -> NewSource:
    """A ``NewSource`` with the usual defaults (read every 10 minutes, hold runs that
    change over 30%)."""
    return NewSource(
        name=name, url=url.strip(), kind=SourceKind(kind), every_s=every_s, created_at=now,
        sheet=sheet or None, max_change=max_change, review=review, created_by=created_by,
    )  # fmt: skip
