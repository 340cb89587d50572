"""``aidmap token``: create, list and revoke API tokens."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.cli.common import CliError, DataDirOption, load_settings, seeded_store
from app.domain.enums import Role

token_cli = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)


@token_cli.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Who holds the token (shown in history).")],
    role: Annotated[Role, typer.Option(help="volunteer, verifier, coordinator or admin.")],
    data_dir: DataDirOption = None,
    create_db: Annotated[
        bool,
        typer.Option(
            "--create-db",
            help="Make (and seed) a new database if the data dir has none; without it, a "
            "missing database is an error (a mistyped --data-dir).",
        ),
    ] = False,
) -> None:
    """Make a token; the secret is printed once, alone on the last line."""
    from app.services.auth import BadTokenName, create_token, token_name

    try:
        name = token_name(name)
    except BadTokenName as exc:
        raise CliError(str(exc)) from None
    with seeded_store(load_settings(data_dir), writes=True, create=create_db) as store:
        token, secret = create_token(store, name, role)
    print(f"token {token.id} for {token.name} ({token.role.value}); it is shown only now:")
    print(secret)


@token_cli.command("list")
def token_list(data_dir: DataDirOption = None) -> None:
    """List tokens (never their secrets)."""
    with seeded_store(load_settings(data_dir), writes=False, create=False) as store:
        tokens = store.list_tokens()
    table = Table("id", "name", "role", "created", "revoked")
    for token in tokens:
        revoked = token.revoked_at.isoformat(timespec="seconds") if token.revoked_at else ""
        created = token.created_at.isoformat(timespec="seconds")
        table.add_row(str(token.id), token.name, token.role.value, created, revoked)
    Console().print(table)


@token_cli.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's id (see token list).")],
    data_dir: DataDirOption = None,
) -> None:
    """Revoke a token; it stops working at once."""
    with seeded_store(load_settings(data_dir), writes=True, create=False) as store:
        token = store.revoke_token(token_id)
    print(f"token {token.id} ({token.name}) revoked")


def register(cli: typer.Typer) -> None:
    """Add the ``token`` group to the command."""
    cli.add_typer(token_cli, name="token")
