"""``aidmap geodata``: counts by precision, street outlines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.cli.common import CliError, DataDirOption, load_settings, seeded_store
from app.domain.enums import Level, SourceCrs

geodata_cli = typer.Typer(help="Gazetteer data: boundaries, counts.", no_args_is_help=True)


@geodata_cli.command("stats")
def geodata_stats(data_dir: DataDirOption = None) -> None:
    """Print unit and resource counts by precision."""
    with seeded_store(load_settings(data_dir), writes=False) as store:
        table = Table("level / kind", "total", "by precision")
        for key, histogram in sorted(store.precision_counts().items()):
            detail = ", ".join(f"{p}={n}" for p, n in sorted(histogram.items()))
            table.add_row(key, str(sum(histogram.values())), detail)
        Console().print(table)


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
    with seeded_store(load_settings(data_dir), writes=not dry_run) as store:
        plan = plan_relocation(store, boundaries)
        moved = 0 if dry_run else apply_plan(store, plan)
    out = Console()
    for line in plan.report_lines():
        out.print(line, markup=False)
    out.print("dry run: nothing changed" if dry_run else f"moved {moved} units")


def register(cli: typer.Typer) -> None:
    """Add the ``geodata`` group to the command."""
    cli.add_typer(geodata_cli, name="geodata")
