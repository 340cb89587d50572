"""``aidmap invite``: create, list and revoke invite links."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.cli.common import CliError, DataDirOption, load_settings, seeded_store
from app.domain.enums import Role

invite_cli = typer.Typer(help="Invite links: create, list, revoke.", no_args_is_help=True)
LOCAL_ORIGIN = "http://127.0.0.1:8000"
"""Where links point when AIDMAP_BASE_URL is unset: ``aidmap serve``'s default address."""


@invite_cli.command("create")
def invite_create(
    role: Annotated[Role, typer.Option(help="volunteer, verifier, coordinator or admin.")],
    name: Annotated[str, typer.Option(help="Whom it invites (shown in history).")],
    expires: Annotated[str, typer.Option(help="How long it works: 30m, 72h, 7d.")] = "72h",
    uses: Annotated[int, typer.Option(help="How many people may join through it.")] = 1,
    by: Annotated[
        str | None, typer.Option(help="Who invites, as the invite page says (default: none).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Make an invite; its link is printed once, alone on the last line."""
    from app.services.auth import token_name
    from app.services.sessions import BadInvite, create_invite, parse_lifetime

    settings = load_settings(data_dir)
    try:
        lifetime = parse_lifetime(expires)
        inviter = token_name(by, "an inviter's name") if by is not None else None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    with seeded_store(settings, writes=True, create=False) as store:
        try:
            invite, code = create_invite(
                store, name=name, role=role, created_by=inviter, lifetime=lifetime, uses=uses,
                now=datetime.now(UTC),
            )  # fmt: skip
        except BadInvite as exc:
            raise CliError(str(exc)) from None
    origin = settings.base_url or LOCAL_ORIGIN
    where = "AIDMAP_BASE_URL" if settings.base_url else "AIDMAP_BASE_URL is unset: the default"
    expiry = invite.expires_at.isoformat(timespec="minutes")
    print(f"invite {invite.id} for {invite.name} ({invite.role.value}), {invite.max_uses} use(s),"
          f" until {expiry}")  # fmt: skip
    print(f"links start with {origin} ({where}); the link is shown only now:")
    print(f"{origin}{settings.root_path}/join/{code}")


@invite_cli.command("list")
def invite_list(data_dir: DataDirOption = None) -> None:
    """List invites (never their links) with their uses."""
    from app.services.sessions import unusable_because

    with seeded_store(load_settings(data_dir), writes=False, create=False) as store:
        invites, sessions = store.list_invites(), store.list_sessions()
    now = datetime.now(UTC)
    table = Table("id", "name", "role", "by", "expires", "uses", "state", "joined")
    for invite in invites:
        joined = sum(1 for session in sessions if session.invite_id == invite.id)
        table.add_row(
            str(invite.id), invite.name, invite.role.value, invite.created_by or "",
            invite.expires_at.isoformat(timespec="minutes"), f"{invite.uses}/{invite.max_uses}",
            unusable_because(invite, now) or "usable", str(joined),
        )  # fmt: skip
    Console().print(table)


@invite_cli.command("revoke")
def invite_revoke(
    invite_id: Annotated[int, typer.Argument(help="The invite's id (see invite list).")],
    data_dir: DataDirOption = None,
) -> None:
    """Revoke an invite: nobody can join through it any more."""
    with seeded_store(load_settings(data_dir), writes=True, create=False) as store:
        invite = store.revoke_invite(invite_id)
    print(f"invite {invite.id} ({invite.name}) revoked")


def register(cli: typer.Typer) -> None:
    """Add the ``invite`` group to the command."""
    cli.add_typer(invite_cli, name="invite")
