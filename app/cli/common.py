"""What every aidmap command shares: settings with command-line overrides, the store
(seeded on first use, and named on stderr when a command is done), errors as one line."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.services.seeding import ensure_seeded
from app.storage import open_store
from app.storage.meta_keys import MetaKey
from app.storage.port import Store

console = Console(stderr=True, soft_wrap=True)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data directory (default: AIDMAP_DATA_DIR, or data/ of the source checkout, "
        "else ./data: the same as aidmap serve's).",
    ),
]


class CliError(Exception):
    """An error to print as one line before exiting with status 2."""


def load_settings(data_dir: Path | None, **options: object) -> Settings:
    """Settings from the environment, with command-line overrides (``options`` given as
    None are left to the environment)."""
    overrides = {"data_dir": data_dir} if data_dir is not None else {}
    overrides |= {name: value for name, value in options.items() if value is not None}
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        messages = "; ".join(validation_message(error) for error in exc.errors())
        raise CliError(f"configuration error: {messages}") from None


def validation_message(error: dict) -> str:
    """A settings error as the variable it is about and what is wrong."""
    field = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return f"AIDMAP_{field.upper()}: {message}" if field else message


def open_seeded_store(settings: Settings, with_bar: bool = True) -> Store:
    """Open the store and load the bundled data into it if new, with a progress bar
    (without ``with_bar``: a log line as each step starts)."""
    store = open_store(settings)
    if store.get_meta(MetaKey.seed_version) is not None:
        return store
    if not with_bar:
        started: set[str] = set()

        def log_step(step: str, _done: int, total: int) -> None:
            if step not in started:
                started.add(step)
                logging.getLogger("aidmap").info("loading %s (%d)", step, total)

        ensure_seeded(store, settings.geodata_dir, log_step)
        return store
    with progress_bar(transient=False) as progress:
        tasks: dict[str, int] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(f"loading {step}", total=total)
            progress.update(tasks[step], completed=done)

        ensure_seeded(store, settings.geodata_dir, report)
    return store


def database_settings(url: str) -> Settings:
    """Settings naming only a database (``db copy``'s two ends)."""
    try:
        return Settings(database_url=url)
    except ValidationError as exc:
        messages = "; ".join(validation_message(error) for error in exc.errors())
        raise CliError(f"configuration error: {messages}") from None


def sqlite_file(settings: Settings) -> Path | None:
    """The absolute path of the SQLite file of ``settings`` (None for PostgreSQL)."""
    url = make_url(settings.database_url)
    return Path(url.database or "").resolve() if url.drivername == "sqlite" else None


def database_label(settings: Settings) -> str:
    """The database as a person can find it: the SQLite file's absolute path, or the URL
    without its password."""
    path = sqlite_file(settings)
    return str(path) if path is not None else settings.database_url_safe


@contextmanager
def seeded_store(settings: Settings, *, writes: bool, create: bool = True) -> Iterator[Store]:
    """The store, seeded if new; once the command is done, one stderr line names the
    database it wrote to (or read), and says so when the command made it: a database
    made by mistake is seen at once, not when its tokens are refused. Without ``create``,
    a SQLite file that does not exist is a ``CliError`` (a mistyped ``--data-dir``)."""
    path = sqlite_file(settings)
    new = path is not None and not path.exists()
    if new and not create:
        raise CliError(
            f"no database at {path}: is --data-dir (or AIDMAP_DATA_DIR) the one aidmap serve "
            "uses? To make a new database there, add --create-db"
        )
    store = open_seeded_store(settings)
    try:
        yield store
    finally:
        store.close()
    done = "wrote to" if writes else "read"
    made = ": a new database, made now (is aidmap serve using another data directory?)"
    print(f"aidmap: {done} {database_label(settings)}{made if new else ''}", file=sys.stderr)


def progress_bar(*, transient: bool = True) -> Progress:
    """A progress bar on stderr (stdout is for what a command answers)."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(*columns, console=console, transient=transient)
