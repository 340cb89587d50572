"""``aidmap geodata``: counts by precision, street outlines, addresses taught from a list."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.cli.common import CliError, DataDirOption, load_settings, seeded_store
from app.domain.enums import Level, SourceCrs

if TYPE_CHECKING:
    from app.services.address_teaching import TeachPlan

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


SHOWN_SKIPPED = 50
"""Skipped rows listed with their reasons (the count says how many more)."""
SHOWN_ROADS = 30


@geodata_cli.command("learn")
def geodata_learn(
    file: Annotated[
        Path, typer.Argument(help="CSV or XLSX with 区, 地址, 经度, 纬度 (optional 坐标系).")
    ],
    dry_run: Annotated[bool, typer.Option(help="Report what would be learned.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Teach the learned geocoder the points of places a team already knows (hospitals,
    offices, compounds, roads): only places, never a list of residents' addresses."""
    from app.geo.geocoders.registry import build_chain
    from app.services.address_learning import rebuild, teach
    from app.services.address_teaching import read_teaching
    from app.services.imports.read import read_table
    from app.services.imports.table import ImportFileError

    settings = load_settings(data_dir)
    if not file.is_file():
        raise CliError(f"no such file: {file}")
    try:
        table = read_table(file.read_bytes(), file.name)
    except ImportFileError as exc:
        raise CliError(str(exc)) from None
    with seeded_store(settings, writes=not dry_run) as store:
        chain = build_chain(settings, store, online=False)
        try:
            plan = read_teaching(table, chain.index, chain.reverse, file.name)
        except ImportFileError as exc:
            raise CliError(str(exc)) from None
        if not dry_run and not store.resources_learned():
            rebuild(store, chain.index)  # teaching first would skip the resources' points
        replaced = 0 if dry_run else teach(store, plan.points)
    out = Console()
    for line in _teaching_lines(plan):
        out.print(line, markup=False)
    if dry_run:
        out.print("dry run: nothing changed")
    else:
        out.print(f"learned {len(plan.points)} points ({replaced} replaced)")


@geodata_cli.command("relearn")
def geodata_relearn(
    forget_file: Annotated[
        str | None, typer.Option(help="First forget what the file of this name taught.")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Derive the learned points of placed and imported resources again (after an upgrade
    or a gazetteer change), and parse taught addresses again."""
    from app.geo.gazetteer_index import GazetteerIndex
    from app.services.address_learning import forget_taught, rebuild

    with seeded_store(load_settings(data_dir), writes=True) as store:
        forgotten = forget_taught(store, forget_file) if forget_file else 0
        rebuilt = rebuild(store, GazetteerIndex.from_store(store))
    out = Console()
    if forget_file:
        out.print(f"forgot {forgotten} points taught by {forget_file}", markup=False)
    out.print(f"{rebuilt.resources} resource points, {rebuilt.taught} taught points parsed again")


def _teaching_lines(plan: TeachPlan) -> list[str]:
    """The summary of a taught file: counts, roads, the first skipped rows and why."""
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(plan.by_kind.items()))
    systems = ", ".join(f"{crs} {n}" for crs, n in sorted(plan.by_crs.items()))
    lines = [*plan.notices, f"{len(plan.points)} points to learn ({kinds or 'none'})"]
    lines.append(f"coordinate systems: {systems or 'none'}")
    roads = plan.roads.most_common(SHOWN_ROADS)
    if roads:
        more = len(plan.roads) - len(roads)
        listed = ", ".join(f"{road} {n}" for road, n in roads)
        lines.append(f"roads ({len(plan.roads)}): {listed}" + (f" and {more} more" if more else ""))
    if plan.skipped:
        lines.append(f"{len(plan.skipped)} rows skipped:")
        lines += [f"  row {row}: {why}" for row, why in plan.skipped[:SHOWN_SKIPPED]]
        if len(plan.skipped) > SHOWN_SKIPPED:
            lines.append(f"  … and {len(plan.skipped) - SHOWN_SKIPPED} more")
    return lines


def register(cli: typer.Typer) -> None:
    """Add the ``geodata`` group to the command."""
    cli.add_typer(geodata_cli, name="geodata")
