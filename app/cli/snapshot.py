"""``aidmap snapshot``: the offline map file, written from the store without a server."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import CliError, DataDirOption, load_settings, seeded_store


def snapshot(
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")],
    service: Annotated[
        str | None, typer.Option(help="Colour by this service's state (血透, dialysis …).")
    ] = None,
    district: Annotated[
        str | None, typer.Option(help="Only this district (浦东新区, 浦东 …).")
    ] = None,
    lang: Annotated[str, typer.Option(help="zh or en.")] = "zh",
    base_url: Annotated[
        str | None,
        typer.Option(
            help="The live map's public origin for the file's link and QR code "
            "(default: AIDMAP_BASE_URL)."
        ),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Write the map as one HTML file that needs no network: hospitals coloured by state,
    popups, a legend, a search, when it was taken, and a QR code back to the live map.
    The live link is a share kept in the store, served by aidmap serve on the same data."""
    from app.services.exports.snapshot_data import BadSnapshotQuery, live_view, snapshot_query
    from app.services.sharing import create_share
    from app.storage.errors import NotFound
    from app.web.snapshot import build_snapshot

    settings = load_settings(data_dir)
    origin = (base_url or settings.base_url).rstrip("/")
    if not origin.startswith(("http://", "https://")):
        raise CliError(
            "the file links back to the live map: pass --base-url https://your.site "
            "(or set AIDMAP_BASE_URL), the address people open the map at"
        )
    if not output.parent.is_dir():
        raise CliError(f"no such directory: {output.parent}")
    with seeded_store(settings, writes=True) as store:  # the share of the live view
        try:
            query = snapshot_query(store, service, district, lang)
        except (NotFound, BadSnapshotQuery) as exc:
            raise CliError(str(exc)) from None
        code = create_share(store, live_view(query)).code
        link = f"{origin}{settings.root_path.rstrip('/')}/s/{code}"
        body, data = build_snapshot(store, settings, query, datetime.now(UTC), link)
    partial = output.with_name(f".{output.name}.partial")
    partial.write_bytes(body)
    os.replace(partial, output)  # whole or not at all
    typer.echo(f"wrote {output}: {data.count:,} hospitals, {len(body) / 1024:,.0f} KiB; "
               f"live map: {link}")  # fmt: skip


def register(cli: typer.Typer) -> None:
    """Add ``snapshot`` to the command."""
    cli.command("snapshot")(snapshot)
