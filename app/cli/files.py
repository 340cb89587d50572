"""``aidmap import``, ``export`` and ``geocode``: files in and out of the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from app.cli.common import CliError, DataDirOption, load_settings, progress_bar, seeded_store
from app.services.imports.records import ImportKind


def import_file(
    file: Annotated[
        Path,
        typer.Argument(help="CSV (UTF-8, GB18030 or UTF-16), XLSX, GeoJSON or GeoPackage file."),
    ],
    kind: Annotated[ImportKind, typer.Option(help="What the file lists.")] = ImportKind.hospitals,
    dry_run: Annotated[bool, typer.Option(help="Print the plan; write nothing.")] = False,
    sheet: Annotated[
        str | None, typer.Option(help="XLSX sheet or GeoPackage layer (default: the first).")
    ] = None,
    skip_bad_rows: Annotated[
        bool, typer.Option(help="Apply the good rows even when some are bad.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    by: Annotated[
        str, typer.Option(help="Statuses: the name history records them under.")
    ] = "aidmap import",
    data_dir: DataDirOption = None,
) -> None:
    """Import hospitals or contacts from a CSV, XLSX, GeoJSON or GeoPackage file (plan
    every row, then apply all of it or nothing), or a status sheet (--kind statuses: its
    cells written through versioned changes, a few hospitals a transaction)."""
    from app.geo.geocoders.registry import build_chain
    from app.services.geocoding import shared_gates
    from app.services.imports.plan import ImportBlocked, apply_import, check_columns, plan_import
    from app.services.imports.read import read_table
    from app.services.imports.report import print_plan
    from app.services.imports.table import ImportFileError

    settings = load_settings(data_dir)
    if not file.is_file():
        raise CliError(f"no such file: {file}")
    if kind is ImportKind.statuses:
        import_statuses(file, sheet, dry_run, as_json, by, settings)
        return
    try:
        table = read_table(file.read_bytes(), file.name, sheet)
        check_columns(table, kind, file.name)
    except ImportFileError as exc:
        raise CliError(str(exc)) from None
    with seeded_store(settings, writes=not dry_run) as store:
        try:
            with progress_bar() as progress:
                task = progress.add_task("planning rows", total=len(table.rows))
                plan = plan_import(
                    store,
                    build_chain(settings, store, gates=shared_gates(settings, store)),
                    table,
                    kind,
                    file.name,
                    lambda done, _total: progress.update(task, completed=done),
                )
            applied = None if dry_run else apply_import(store, plan, skip_bad_rows=skip_bad_rows)
        except ImportBlocked as exc:
            print_plan(plan, as_json=as_json)
            raise CliError(str(exc)) from None
    print_plan(plan, applied, as_json=as_json)


def import_statuses(file: Path, sheet, dry_run: bool, as_json: bool, by: str, settings) -> None:
    """``aidmap import FILE --kind statuses``: plan the sheet's cells, then write them."""
    from datetime import UTC, datetime

    from app.services.imports.read import read_table
    from app.services.imports.status_plan import apply_statuses, plan_statuses
    from app.services.imports.status_report import print_status_plan
    from app.services.imports.table import ImportFileError

    with seeded_store(settings, writes=not dry_run) as store:
        try:
            table = read_table(file.read_bytes(), file.name, sheet)
            plan = plan_statuses(store, table, file.name, datetime.now(UTC))
        except ImportFileError as exc:
            raise CliError(str(exc)) from None
        applied = None if dry_run else apply_statuses(store, plan, by)
    print_status_plan(plan, applied, as_json=as_json)


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
    with seeded_store(load_settings(data_dir), writes=False) as store:
        export = read_layer(store, ExportLayer(layer), signed_in=True)  # the operator's copy
    write_export(export, ExportFormat(fmt), output)
    typer.echo(f"wrote {output}: {len(export.records):,} {layer}")


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
    from app.services.geocoding import shared_gates
    from app.services.imports.read import read_table
    from app.services.imports.table import ImportFileError

    settings = load_settings(data_dir)
    if not input_file.is_file():
        raise CliError(f"no such file: {input_file}")
    with seeded_store(settings, writes=True) as store:  # providers' answers are cached
        try:
            table = read_table(input_file.read_bytes(), input_file.name)
            with progress_bar() as progress:
                task = progress.add_task("geocoding", total=len(table.rows))
                counts = geocode_table(
                    build_chain(settings, store, gates=shared_gates(settings, store)),
                    table,
                    address_column,
                    district_column,
                    output,
                    lambda done: progress.update(task, completed=done),
                )
        except (ImportFileError, KeyError) as exc:
            raise CliError(str(exc).strip("'\"")) from None
    summary = ", ".join(f"{precision}={n}" for precision, n in sorted(counts.items()))
    Console().print(f"wrote {output}: {summary}", markup=False)


def register(cli: typer.Typer) -> None:
    """Add ``import``, ``export`` and ``geocode`` to the command."""
    cli.command("import")(import_file)
    cli.command("export")(export_layer)
    cli.command("geocode")(geocode_file)
