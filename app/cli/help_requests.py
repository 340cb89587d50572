"""``aidmap help``: help requests' retention by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from app.cli.common import CliError, DataDirOption, load_settings, seeded_store

help_cli = typer.Typer(help="Help requests (求助): erase what retention no longer keeps.",
                       no_args_is_help=True)  # fmt: skip


@help_cli.command("purge")
def help_purge(
    older_than: Annotated[
        str | None,
        typer.Option(
            help="Erase requests finished longer ago than this: 30d, 72h (default: "
            "AIDMAP_HELP_RETENTION_DAYS, 30d)."
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Erase the phone, name, text, exact point, answers and private notes of help requests
    resolved or closed before then (aidmap serve does it daily); the counts stay."""
    from app.services.help.retention import purge
    from app.services.sessions import parse_lifetime

    settings = load_settings(data_dir)
    try:
        age = parse_lifetime(older_than) if older_than else None
    except ValueError as exc:
        raise CliError(f"--older-than: {exc}") from None
    age = age or timedelta(days=settings.help_retention_days)
    with seeded_store(settings, writes=True, create=False) as store:
        erased = purge(store, datetime.now(UTC), age)
    print(f"help requests finished before {_days(age)} ago: {erased} erased")


def _days(age: timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours / 24:g} days" if hours >= 24 else f"{hours:g} hours"


def register(cli: typer.Typer) -> None:
    """Add the ``help`` group to the command."""
    cli.add_typer(help_cli, name="help")
