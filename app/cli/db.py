"""``aidmap db``: upgrade the schema, copy a database into another, back up SQLite."""

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
from app.storage import open_store
from app.storage.errors import AlreadyExists

db_cli = typer.Typer(
    help="The database: upgrade its schema, copy it to another, back it up.", no_args_is_help=True
)


@db_cli.command("upgrade")
def db_upgrade(data_dir: DataDirOption = None) -> None:
    """Create or migrate the schema of AIDMAP_DATABASE_URL (replicas may run it at once)."""
    settings = load_settings(data_dir)
    store = open_store(settings)
    try:
        version = store.get_meta("schema_version")
    finally:
        store.close()
    typer.echo(f"{settings.database_url_safe}: schema version {version}")


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
