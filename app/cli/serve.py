"""``aidmap serve``: the API and the map."""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from app import __version__
from app.cli.common import DataDirOption, load_settings, open_seeded_store
from app.core.config import Settings


class LogLevel(StrEnum):
    """uvicorn's log levels."""

    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    data_dir: DataDirOption = None,
    log_level: Annotated[
        LogLevel, typer.Option(help="Log level of aidmap and uvicorn (info: a line per request).")
    ] = LogLevel.info,
    workers: Annotated[
        str | None,
        typer.Option(
            help="Processes serving requests: a number, or auto (one per CPU) "
            "[default: AIDMAP_WORKERS, else 1].",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the API and map on the embedded default (or AIDMAP_DATABASE_URL)."""
    from app.core.logging import chosen_format, configure_logging
    from app.main import create_app
    from app.serving.server import run, worker_count

    settings = load_settings(data_dir, workers=workers)
    log_format = chosen_format(settings.log_format, sys.stderr)
    configure_logging(log_format, log_level.value)  # text at a terminal, else JSON lines
    count = worker_count(settings.workers)
    open_seeded_store(settings, with_bar=log_format == "text").close()  # errors: one line
    for line in start_lines(settings, workers=count):
        logging.getLogger("aidmap").info("%s", line)
    chosen = settings.model_copy(update={"log_format": log_format})  # the workers' too
    run(create_app, chosen, host, port, log_level.value, count)


def start_lines(settings: Settings, workers: int) -> list[str]:
    """What a person starting the server reads first: the version and the processes, and
    where the data lives (a database's password never shown)."""
    url = make_url(settings.database_url)
    if settings.backend == "sqlite":
        data = f"data: SQLite file {Path(url.database).resolve()}"
    else:
        server = (url.host or "the local socket") + (f":{url.port}" if url.port else "")
        data = f"data: PostgreSQL database {url.database} on {server}"
        data += f" as {url.username}" if url.username else ""
    processes = "1 worker process" if workers == 1 else f"{workers} worker processes"
    return [f"aidmap {__version__}, {processes}", data]


def register(cli: typer.Typer) -> None:
    """Add ``serve`` to the command."""
    cli.command()(serve)
