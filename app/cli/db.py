"""``aidmap db``: upgrade the schema, show its revision, copy a database into another, back
up SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.cli.common import (
    CliError,
    DataDirOption,
    database_settings,
    load_settings,
    progress_bar,
)
from app.core.config import Settings
from app.storage import open_store, revisions
from app.storage.errors import AlreadyExists

db_cli = typer.Typer(
    help="The database: upgrade its schema, show its revision, copy it to another, back it up.",
    no_args_is_help=True,
)


@db_cli.command("upgrade")
def db_upgrade(data_dir: DataDirOption = None) -> None:
    """Create the schema of AIDMAP_DATABASE_URL or run its pending revisions (replicas may
    run it at once: one migrates, the others wait and find nothing to do)."""
    settings = load_settings(data_dir)
    open_store(settings).close()
    _print_revision(settings)


@db_cli.command("current")
def db_current(data_dir: DataDirOption = None) -> None:
    """Print the revision AIDMAP_DATABASE_URL is at, without changing anything."""
    _print_revision(load_settings(data_dir))


def _print_revision(settings: Settings) -> None:
    revision, head = revisions.stored_revision(settings.database_url), revisions.HEAD
    if revision == head:
        state = f"revision {revision} (head)"
    else:
        state = f"{'no revision' if revision is None else f'revision {revision}'} "
        state += f"(head is {head}): run aidmap db upgrade"
    typer.echo(f"{settings.database_url_safe}: {state}")


@db_cli.command("copy")
def db_copy(
    source: Annotated[str, typer.Option("--from", help="Database URL to copy from.")],
    target: Annotated[str, typer.Option("--to", help="Empty database URL to copy into.")],
) -> None:
    """Copy every row (ids kept) into an empty database, e.g. SQLite to PostGIS; counts
    are checked and nothing is kept if they differ."""
    from app.storage.copy import copy_store

    stores = [open_store(database_settings(url)) for url in (source, target)]
    try:
        with progress_bar() as progress:
            tasks: dict[str, int] = {}

            def report(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = progress.add_task(f"copying {step}", total=total)
                progress.update(tasks[step], completed=done)

            counts = copy_store(*stores, report)
    finally:
        for store in stores:
            store.close()
    table = Table("table", "rows")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    Console().print(table)


@db_cli.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="File to write the copy to.")],
    force: Annotated[bool, typer.Option(help="Replace PATH if it exists.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Copy the SQLite store to PATH while the server runs: one consistent snapshot,
    checked before it appears at PATH."""
    from app.storage.backup import backup_database

    settings = load_settings(data_dir)
    try:
        with progress_bar() as progress:
            task = progress.add_task("copying pages", total=None)
            counts = backup_database(
                settings.database_url, path, replace=force,
                progress=lambda _step, done, total: progress.update(
                    task, completed=done, total=total
                ),
            )  # fmt: skip
    except AlreadyExists as exc:
        raise CliError(f"{exc}; pass --force to replace it") from None
    table = Table("table", "rows")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}")
    Console().print(table)
    typer.echo(f"backup of {settings.database_url_safe} written to {path}")


def register(cli: typer.Typer) -> None:
    """Add the ``db`` group to the command."""
    cli.add_typer(db_cli, name="db")
