"""``aidmap serve``: the API and the map."""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Annotated

import typer

from app.cli.common import DataDirOption, load_settings, open_seeded_store


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
    from app.core.logging import configure_logging
    from app.serving.server import run, worker_count

    settings = load_settings(data_dir, workers=workers)
    configure_logging(settings.log_format, log_level.value)  # JSON or text lines on stderr
    open_seeded_store(settings, with_bar=settings.log_format == "text").close()
    logging.getLogger("aidmap").info("%s store at %s", settings.backend, settings.database_url_safe)
    run(settings, host, port, log_level.value, worker_count(settings.workers))


def register(cli: typer.Typer) -> None:
    """Add ``serve`` to the command."""
    cli.command()(serve)
