"""``aidmap sources``: teams' shared documents that aidmap keeps the map in step with.

``aidmap serve`` reads each source on its interval; these commands add, list, show and
remove sources, run one now (or dry), and approve or drop a plan held for review. They
work on the same database as the server and take a source's lease like any replica, so a
command never runs a source at the same time as a server does.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.cli.common import CliError, DataDirOption, load_settings, seeded_store
from app.core.config import Settings
from app.domain.sources import SourceKind
from app.storage.port import Store

sources_cli = typer.Typer(
    help="Sources: shared documents read again and again (add, list, show, run, approve, "
    "drop, remove).",
    no_args_is_help=True,
)
NameArgument = Annotated[str, typer.Argument(help="The source's name.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _holder() -> str:
    """This command, as a source's lease names it."""
    return f"cli:{socket.gethostname()}:{os.getpid()}"


def _runner(settings: Settings, store: Store):
    from app.geo.geocoders.registry import build_chain
    from app.services.geocoding import shared_gates
    from app.services.sources.run import runner_for

    gates = shared_gates(settings, store)  # one pace and pauses across the chain's rebuilds
    return runner_for(settings, store, lambda: build_chain(settings, store, gates=gates))


def _print_json(model) -> None:
    print(model.model_dump_json(indent=1))


@sources_cli.command("add")
def sources_add(
    name: NameArgument,
    url: Annotated[str, typer.Argument(help="The document's CSV or XLSX export link.")],
    kind: Annotated[SourceKind, typer.Option(help="What the document lists.")],
    every: Annotated[str, typer.Option(help="How often to read it: 90s, 10m, 1h.")] = "10m",
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet (default: the first).")] = None,
    review: Annotated[bool, typer.Option(help="Hold every run for review.")] = False,
    max_change: Annotated[
        float, typer.Option(help="Hold a run that changes more than this share (0.3: 30%).")
    ] = 0.30,
    data_dir: DataDirOption = None,
) -> None:
    """Add a source; aidmap serve reads it within seconds, then on its interval."""
    from app.services.sources.manage import BadSource, add_source, new_source, parse_every

    settings = load_settings(data_dir)
    try:
        every_s = parse_every(every)
        new = new_source(name, url, kind, datetime.now(UTC), every_s=every_s, sheet=sheet,
                         review=review, max_change=max_change)  # fmt: skip
        with seeded_store(settings, writes=True, create=False) as store:
            source = add_source(store, new, min_interval_s=settings.source_min_interval_s,
                                allow_private=settings.source_allow_private)  # fmt: skip
    except BadSource as exc:
        raise CliError(str(exc)) from None
    print(f"source {source.name} ({source.kind.value}) added: read every {source.every_s} s")


@sources_cli.command("list")
def sources_list(as_json: JsonOption = False, data_dir: DataDirOption = None) -> None:
    """List sources with their health (never their links: see sources show)."""
    from app.models.sources import source_public

    with seeded_store(load_settings(data_dir), writes=False, create=False) as store:
        sources = store.list_sources()
    now = datetime.now(UTC)
    if as_json:
        shown = [source_public(s, now).model_dump(mode="json", exclude={"url"}) for s in sources]
        print(json.dumps(shown, ensure_ascii=False, indent=1))
        return
    table = Table("name", "kind", "every", "last run", "outcome", "understood", "held", "next run")
    for s in sources:
        table.add_row(
            s.name, s.kind.value, f"{s.every_s} s", _when(s.last_run_at),
            s.last_outcome.value if s.last_outcome else "", _rows(s.rows_understood,
            s.rows_not_understood), "yes" if s.held else "", _when(s.next_run_at),
        )  # fmt: skip
    Console().print(table)


@sources_cli.command("show")
def sources_show(name: NameArgument, as_json: JsonOption = False, data_dir: DataDirOption = None):
    """Show a source: its link, health, last error and any plan held for review."""
    from app.models.sources import source_public

    with seeded_store(load_settings(data_dir), writes=False, create=False) as store:
        shown = source_public(store.get_source(name), datetime.now(UTC))
    if as_json:
        _print_json(shown)
        return
    for key, value in shown.model_dump(mode="json", exclude={"held"}).items():
        print(f"{key}: {'' if value is None else value}")
    if shown.held is None:
        print("held plan: none")
        return
    print(f"held plan: since {shown.held.held_at:%Y-%m-%d %H:%M} UTC: {shown.held.reason}")
    print(json.dumps(shown.held.plan, ensure_ascii=False, indent=1))
    print(f"approve it: aidmap sources approve {name}; drop it: aidmap sources drop {name}")


@sources_cli.command("run")
def sources_run(
    name: NameArgument,
    dry_run: Annotated[bool, typer.Option(help="Fetch and plan; write nothing.")] = False,
    accept_headers: Annotated[
        bool, typer.Option(help="Take a file that lost columns of the last applied one.")
    ] = False,
    as_json: JsonOption = False,
    data_dir: DataDirOption = None,
) -> None:
    """Run a source now: apply its file, hold it for review, or say why not."""
    from app.models.sources import run_public
    from app.services.sources.lease import SourceBusy
    from app.services.sources.run import run_source

    settings = load_settings(data_dir)
    with seeded_store(settings, writes=not dry_run, create=False) as store:
        try:
            result = run_source(_runner(settings, store), name, _holder(), dry_run=dry_run,
                                accept_headers=accept_headers)  # fmt: skip
        except SourceBusy as exc:
            raise CliError(str(exc)) from None
    shown = run_public(result)
    if as_json:
        _print_json(shown)
        return
    print(f"{name}: {shown.outcome.value}{' (dry run: nothing written)' if dry_run else ''}")
    for label, value in (("error", shown.error), ("held because", shown.reason)):
        if value:
            print(f"{label}: {value}")
    if shown.plan is not None:
        print("plan: " + json.dumps(shown.plan.get("counts", {}), ensure_ascii=False))
    if shown.applied is not None:
        print("applied: " + ", ".join(f"{k}={v}" for k, v in shown.applied.items()))


@sources_cli.command("approve")
def sources_approve(name: NameArgument, data_dir: DataDirOption = None) -> None:
    """Apply the plan a source holds, if the map has not moved on since it was held."""
    from app.services.sources.lease import SourceBusy
    from app.services.sources.run import NothingHeld, PlanChanged, approve

    settings = load_settings(data_dir)
    with seeded_store(settings, writes=True, create=False) as store:
        try:
            result = approve(_runner(settings, store), name, _holder())
        except (SourceBusy, NothingHeld, PlanChanged) as exc:
            message = str(exc).replace("GET the source", f"aidmap sources show {name}")
            raise CliError(message) from None
    print(f"{name}: {result.outcome.value}" + (f": {result.error}" if result.error else ""))
    if result.applied is not None:
        print("applied: " + ", ".join(f"{k}={v}" for k, v in result.applied.items()))


@sources_cli.command("drop")
def sources_drop(name: NameArgument, data_dir: DataDirOption = None) -> None:
    """Drop the plan a source holds: its file is not read again until it changes."""
    from app.services.sources.lease import SourceBusy
    from app.services.sources.run import NothingHeld, drop

    settings = load_settings(data_dir)
    with seeded_store(settings, writes=True, create=False) as store:
        try:
            drop(_runner(settings, store), name, _holder())
        except (SourceBusy, NothingHeld) as exc:
            raise CliError(str(exc)) from None
    print(f"{name}: held plan dropped")


@sources_cli.command("remove")
def sources_remove(name: NameArgument, data_dir: DataDirOption = None) -> None:
    """Remove a source (what it wrote stays on the map)."""
    from app.services.sources.lease import SourceBusy
    from app.services.sources.run import remove

    settings = load_settings(data_dir)
    with seeded_store(settings, writes=True, create=False) as store:
        try:
            remove(_runner(settings, store), name, _holder())
        except SourceBusy as exc:
            raise CliError(str(exc)) from None
    print(f"source {name} removed")


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _rows(understood: int | None, not_understood: int | None) -> str:
    return "" if understood is None else f"{understood} / {not_understood} not"


def register(cli: typer.Typer) -> None:
    """Add the ``sources`` group to the command."""
    cli.add_typer(sources_cli, name="sources")
