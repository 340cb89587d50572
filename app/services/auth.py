"""API tokens: made at random, shown once, kept only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict

from app.core.text import clean_text
from app.domain.enums import Role
from app.domain.records import Token
from app.storage.port import AccessStore

TOKEN_PREFIX = "aidmap_"
MAX_TOKEN_NAME = 100


class BadTokenName(ValueError):
    """A token name that is empty, too long, or not plain visible text."""


def token_name(name: str, what: str = "a token name") -> str:
    """``name`` without surrounding spaces, if it is plain visible text: signed-in pages,
    lists and the history show it as it is, so a line break, a control character or an
    invisible or direction-changing one (which ``clean_text`` would drop) is refused, not
    silently changed. ``what`` names it in the error (invites' names follow this rule)."""
    trimmed = name.strip(" ")
    if not trimmed:
        raise BadTokenName(f"{what} cannot be empty")
    if len(trimmed) > MAX_TOKEN_NAME:
        raise BadTokenName(f"{what} has at most {MAX_TOKEN_NAME} characters")
    if clean_text(trimmed) != trimmed:
        raise BadTokenName(
            f"{what} must be visible text with single spaces: no line breaks, tabs, "
            "control, invisible or direction characters"
        )
    return trimmed


def credential_key(token: Token) -> str:
    """What identifies a caller across requests (claims, allowances): the credential they
    signed in with. A session from an invite reaches routes as a token carrying its
    session's id (and that id as its own), so the two are told apart here."""
    if token.session_id is not None:
        return f"session:{token.session_id}"
    return f"token:{token.id}"


def hash_token(secret: str) -> str:
    """The stored form of a token (hex SHA-256; tokens are random, so no salt is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(store: AccessStore, name: str, role: Role) -> tuple[Token, str]:
    """A new token and its secret, which is not stored and cannot be shown again;
    BadTokenName for a name ``token_name`` refuses."""
    name = token_name(name)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return store.add_token(name, role, hash_token(secret)), secret


def token_for(store: AccessStore, secret: str) -> Token | None:
    """The live (not revoked) token this secret belongs to, or None."""
    token = store.token_by_hash(hash_token(secret))
    return token if token is not None and token.revoked_at is None else None


class RecentSignIns:
    """Hashes of the tokens that signed in during the last ``ttl_s`` seconds (at most
    ``size`` of them, the oldest forgotten first).

    Work bounds (``app/api/load_limits.py``) must tell a volunteer's request from a
    stranger's before the request reaches the store, on the event loop, where asking the
    store is not allowed: a header that merely claims a token is never among these, so it
    is bounded like any anonymous request. A revoked token may be believed for up to
    ``ttl_s`` there; every route that needs a token still asks the store.
    """

    def __init__(self, ttl_s: float = 300.0, size: int = 10_000) -> None:
        self.ttl_s, self.size = ttl_s, size
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, secret: str) -> None:
        """Note that ``secret`` was a live token just now."""
        key = hash_token(secret)
        with self._lock:
            self._seen[key] = time.monotonic()
            self._seen.move_to_end(key)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)

    def knows(self, secret: str) -> bool:
        """True when ``secret`` signed in within the last ``ttl_s`` seconds."""
        with self._lock:
            seen = self._seen.get(hash_token(secret))
        return seen is not None and time.monotonic() - seen <= self.ttl_s
