"""API tokens, managed by admins: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from app.api.checked_route import CheckedRoute
from app.api.deps import Admin, IdPath, StoreDep
from app.api.error_responses import SIGNED_IN, errors
from app.core.errors import AppError
from app.models import TokenCreate, TokenCreated, TokenPublic
from app.services.auth import create_token

router = APIRouter(
    prefix="/api/v1/tokens", tags=["tokens"], responses=SIGNED_IN, route_class=CheckedRoute
)


@router.post("", response_model=TokenCreated, status_code=201, responses=errors(400, 422))
def create_api_token(body: TokenCreate, _admin: Admin, store: StoreDep) -> TokenCreated:
    """Make a token; its secret is in this answer only."""
    token, secret = create_token(store, body.name, body.role)
    return TokenCreated(**asdict(token), token=secret)


@router.get("", response_model=list[TokenPublic])
def list_api_tokens(_admin: Admin, store: StoreDep) -> list[TokenPublic]:
    """List tokens (never their secrets)."""
    return [TokenPublic(**asdict(token)) for token in store.list_tokens()]


class OwnToken(AppError):
    """An admin tried to revoke the token of the request itself."""

    status_code = 409
    code = "own_token"


@router.delete("/{token_id}", response_model=TokenPublic, responses=errors(404, 409, 422))
def revoke_api_token(token_id: IdPath, admin: Admin, store: StoreDep) -> TokenPublic:
    """Revoke a token; it stops working at once (not the one making this request)."""
    if admin.session_id is None and token_id == admin.id:
        raise OwnToken("this is the token you are using; revoke it with another admin token")
    return TokenPublic(**asdict(store.revoke_token(token_id)))
