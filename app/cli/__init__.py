"""The ``aidmap`` command: serve the API, manage the store, the data and the tokens.
One module per command group; ``common`` holds what they share."""

from __future__ import annotations

import sys

import typer

from app.cli import (
    db,
    files,
    geodata,
    help_requests,
    invites,
    poster,
    serve,
    snapshot,
    sources,
    tokens,
)
from app.cli.common import CliError
from app.geo.gazetteer import GazetteerFileError
from app.storage.errors import StorageError

cli = typer.Typer(help="aidmap: a resource map for crisis mutual aid.", no_args_is_help=True)
for module in (
    serve,
    geodata,
    tokens,
    invites,
    sources,
    help_requests,
    db,
    files,
    poster,
    snapshot,
):
    module.register(cli)


def main() -> None:
    """Console-script entry point: run the CLI, turning known errors into one line."""
    try:
        cli()
    except (CliError, StorageError, GazetteerFileError) as exc:
        print(f"aidmap: error: {exc}", file=sys.stderr)
        sys.exit(2)
