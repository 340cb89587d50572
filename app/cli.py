"""The ``aidmap`` command: serve the API, manage the bundled geodata."""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from app.core.config import Settings
from app.geo.gazetteer import GazetteerFileError
from app.services.imports.records import ImportKind
from app.services.seeding import ensure_seeded
from app.storage import open_store
from app.storage.base import AlreadyExists, Level, Role, SourceCrs, StorageError, Store

cli = typer.Typer(help="aidmap: a resource map for crisis mutual aid.", no_args_is_help=True)
geodata_cli = typer.Typer(help="Gazetteer data: boundaries, counts.", no_args_is_help=True)
cli.add_typer(geodata_cli, name="geodata")
token_cli = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
cli.add_typer(token_cli, name="token")
db_cli = typer.Typer(
    help="The database: upgrade its schema, copy it to another, back it up.", no_args_is_help=True
)
cli.add_typer(db_cli, name="db")
console = Console(stderr=True, soft_wrap=True)

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (default: AIDMAP_DATA_DIR or ./data)."),
]


class LogLevel(StrEnum):
    """uvicorn's log levels."""

    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"


class CliError(Exception):
    """An error to print as one line before exiting with status 2."""


def load_settings(data_dir: Path | None) -> Settings:
    """Settings from the environment, with command-line overrides."""
    overrides = {"data_dir": data_dir} if data_dir is not None else {}
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        messages = "; ".join(_validation_message(error) for error in exc.errors())
        raise CliError(f"configuration error: {messages}") from None


def _validation_message(error: dict) -> str:
    field = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    return f"AIDMAP_{field.upper()}: {message}" if field else message


def open_seeded_store(settings: Settings, progress_bar: bool = True) -> Store:
    """Open the store and load the bundled data into it if new, with a progress bar
    (without ``progress_bar``: a log line as each step starts)."""
    store = open_store(settings)
    if store.get_meta("seed_version") is not None:
        return store
    if not progress_bar:
        started: set[str] = set()

        def log_step(step: str, _done: int, total: int) -> None:
            if step not in started:
                started.add(step)
                logging.getLogger("aidmap").info("loading %s (%d)", step, total)

        ensure_seeded(store, settings.geodata_dir, log_step)
        return store
    with _progress(transient=False) as progress:
        tasks: dict[str, int] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(f"loading {step}", total=total)
            progress.update(tasks[step], completed=done)

        ensure_seeded(store, settings.geodata_dir, report)
    return store


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    data_dir: DataDirOption = None,
    log_level: Annotated[
        LogLevel, typer.Option(help="Log level of aidmap and uvicorn (info: a line per request).")
    ] = LogLevel.info,
) -> None:
    """Run the API and map on the embedded default (or AIDMAP_DATABASE_URL)."""
    from app.core.logging import configure_logging
    from app.main import create_app
    from app.serving.server import run

    settings = load_settings(data_dir)
    configure_logging(settings.log_format, log_level.value)  # JSON or text lines on stderr
    open_seeded_store(settings, progress_bar=settings.log_format == "text").close()
    logging.getLogger("aidmap").info("%s store at %s", settings.backend, settings.database_url_safe)
    run(create_app(settings), settings, host, port, log_level.value)


@geodata_cli.command("stats")
def geodata_stats(data_dir: DataDirOption = None) -> None:
    """Print unit and resource counts by precision."""
    store = open_seeded_store(load_settings(data_dir))
    try:
        table = Table("level / kind", "total", "by precision")
        for key, histogram in sorted(store.precision_counts().items()):
            detail = ", ".join(f"{p}={n}" for p, n in sorted(histogram.items()))
            table.add_row(key, str(sum(histogram.values())), detail)
        Console().print(table)
    finally:
        store.close()


@geodata_cli.command("import-boundaries")
def geodata_import_boundaries(
    file: Annotated[Path, typer.Argument(help="GeoJSON, shapefile or GeoPackage of outlines.")],
    level: Annotated[Level, typer.Option(help="Level the outlines are of.")] = Level.street,
    name_field: Annotated[str, typer.Option(help="Column with the unit's name.")] = "street",
    district_field: Annotated[str, typer.Option(help="Column with the district.")] = "district",
    source_crs: Annotated[
        SourceCrs, typer.Option(help="What the file's lon/lat really are (Amap: gcj02).")
    ] = SourceCrs.wgs84,
    dry_run: Annotated[
        bool, typer.Option(help="Report matches without changing anything.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Relocate units (and their committees) to the representative points of outlines."""
    from app.geo.boundaries import BoundaryFileError, read_boundaries
    from app.services.relocation import apply_plan, plan_relocation

    if level != Level.street:
        raise CliError("only --level street is supported")
    try:
        boundaries = read_boundaries(file, name_field, district_field, source_crs)
    except BoundaryFileError as exc:
        raise CliError(str(exc)) from None
    store = open_seeded_store(load_settings(data_dir))
    try:
        plan = plan_relocation(store, boundaries)
        moved = 0 if dry_run else apply_plan(store, plan)
    finally:
        store.close()
    out = Console()
    for line in plan.report_lines():
        out.print(line, markup=False)
    out.print("dry run: nothing changed" if dry_run else f"moved {moved} units")


@token_cli.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Who holds the token (shown in history).")],
    role: Annotated[Role, typer.Option(help="volunteer, verifier, coordinator or admin.")],
    data_dir: DataDirOption = None,
) -> None:
    """Make a token; the secret is printed once, alone on the last line."""
    from app.services.auth import BadTokenName, create_token, token_name

    try:
        name = token_name(name)
    except BadTokenName as exc:
        raise CliError(str(exc)) from None
    store = open_seeded_store(load_settings(data_dir))
    try:
        token, secret = create_token(store, name, role)
    finally:
        store.close()
    print(f"token {token.id} for {token.name} ({token.role.value}); it is shown only now:")
    print(secret)


@token_cli.command("list")
def token_list(data_dir: DataDirOption = None) -> None:
    """List tokens (never their secrets)."""
    store = open_seeded_store(load_settings(data_dir))
    try:
        tokens = store.list_tokens()
    finally:
        store.close()
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
    store = open_seeded_store(load_settings(data_dir))
    try:
        token = store.revoke_token(token_id)
    finally:
        store.close()
    print(f"token {token.id} ({token.name}) revoked")


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

    stores = [open_store(_database(url)) for url in (source, target)]
    try:
        with _progress() as progress:
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
        with _progress() as progress:
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


def _database(url: str) -> Settings:
    try:
        return Settings(database_url=url)
    except ValidationError as exc:
        messages = "; ".join(_validation_message(error) for error in exc.errors())
        raise CliError(f"configuration error: {messages}") from None


@cli.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GB18030) or XLSX file.")],
    kind: Annotated[ImportKind, typer.Option(help="What the file lists.")] = ImportKind.hospitals,
    dry_run: Annotated[bool, typer.Option(help="Print the plan; write nothing.")] = False,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet (default: the first).")] = None,
    skip_bad_rows: Annotated[
        bool, typer.Option(help="Apply the good rows even when some are bad.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Import hospitals or contacts: plan every row, then apply all of it or nothing."""
    from app.geo.geocoders.registry import build_chain
    from app.services.imports.plan import ImportBlocked, apply_import, check_columns, plan_import
    from app.services.imports.report import print_plan
    from app.services.imports.table import ImportFileError, read_table

    settings = load_settings(data_dir)
    if not file.is_file():
        raise CliError(f"no such file: {file}")
    try:
        table = read_table(file.read_bytes(), file.name, sheet)
        check_columns(table, kind, file.name)
    except ImportFileError as exc:
        raise CliError(str(exc)) from None
    store = open_seeded_store(settings)
    try:
        with _progress() as progress:
            task = progress.add_task("planning rows", total=len(table.rows))
            plan = plan_import(
                store,
                build_chain(settings, store),
                table,
                kind,
                file.name,
                lambda done, _total: progress.update(task, completed=done),
            )
        applied = None if dry_run else apply_import(store, plan, skip_bad_rows=skip_bad_rows)
    except ImportBlocked as exc:
        print_plan(plan, as_json=as_json)
        raise CliError(str(exc)) from None
    finally:
        store.close()
    print_plan(plan, applied, as_json=as_json)


@cli.command("export")
def export_layer(
    layer: Annotated[str, typer.Option(help="hospitals, offices, committees or districts.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="geojson, csv, xlsx or gpkg (default: the file's suffix)."),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export a layer; hospitals and offices files import back unchanged."""
    from app.services.exports.layers import ExportLayer, read_layer
    from app.services.exports.writers import ExportFormat, write_export

    fmt = fmt or output.suffix.removeprefix(".").lower()
    if layer not in ExportLayer.__members__:
        raise CliError(f"no layer {layer!r}; layers: {', '.join(ExportLayer)}")
    if fmt not in ExportFormat.__members__:
        raise CliError(f"no format {fmt!r} (--format): use one of {', '.join(ExportFormat)}")
    if not output.parent.is_dir():
        raise CliError(f"no such directory: {output.parent}")
    store = open_seeded_store(load_settings(data_dir))
    try:
        export = read_layer(store, ExportLayer(layer), signed_in=True)  # the operator's copy
    finally:
        store.close()
    write_export(export, ExportFormat(fmt), output)
    typer.echo(f"wrote {output}: {len(export.records):,} {layer}")


@cli.command("geocode")
def geocode_file(
    input_file: Annotated[Path, typer.Argument(help="CSV with an address column.")],
    address_column: Annotated[str, typer.Option(help="Column with the address.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV to write.")],
    district_column: Annotated[str | None, typer.Option(help="Column with the district.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Geocode every row of a CSV; writes lon, lat, precision, confidence and units beside it."""
    from app.geo.geocoders.registry import build_chain
    from app.services.batch_geocode import geocode_table
    from app.services.imports.table import ImportFileError, read_table

    settings = load_settings(data_dir)
    if not input_file.is_file():
        raise CliError(f"no such file: {input_file}")
    store = open_seeded_store(settings)
    try:
        table = read_table(input_file.read_bytes(), input_file.name)
        with _progress() as progress:
            task = progress.add_task("geocoding", total=len(table.rows))
            counts = geocode_table(
                build_chain(settings, store),
                table,
                address_column,
                district_column,
                output,
                lambda done: progress.update(task, completed=done),
            )
    except (ImportFileError, KeyError) as exc:
        raise CliError(str(exc).strip("'\"")) from None
    finally:
        store.close()
    summary = ", ".join(f"{precision}={n}" for precision, n in sorted(counts.items()))
    Console().print(f"wrote {output}: {summary}", markup=False)


def _progress(*, transient: bool = True) -> Progress:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(*columns, console=console, transient=transient)


def main() -> None:
    """Console-script entry point: run the CLI, turning known errors into one line."""
    try:
        cli()
    except (CliError, StorageError, GazetteerFileError) as exc:
        print(f"aidmap: error: {exc}", file=sys.stderr)
        sys.exit(2)
