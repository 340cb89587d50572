"""API tokens: made at random, shown once, kept only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from app.storage.base import Role, Store, Token

TOKEN_PREFIX = "aidmap_"


def hash_token(secret: str) -> str:
    """The stored form of a token (hex SHA-256; tokens are random, so no salt is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(store: Store, name: str, role: Role) -> tuple[Token, str]:
    """A new token and its secret, which is not stored and cannot be shown again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return store.add_token(name, role, hash_token(secret)), secret


def token_for(store: Store, secret: str) -> Token | None:
    """The live (not revoked) token this secret belongs to, or None."""
    token = store.token_by_hash(hash_token(secret))
    return token if token is not None and token.revoked_at is None else None
