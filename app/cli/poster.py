"""``aidmap poster``: a share's poster image, written to a file (to send where links fail)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import CliError, DataDirOption, load_settings, seeded_store

LOCAL_ORIGIN = "http://127.0.0.1:8000"
"""Where the QR code points when AIDMAP_BASE_URL is unset: ``aidmap serve``'s default."""


def poster(
    share: Annotated[str, typer.Option("--share", help="The share's code (end of its link).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG file to write.")],
    data_dir: DataDirOption = None,
) -> None:
    """Draw a share's poster (1080×2340 PNG: its map, the hospitals it lists now with their
    phones, and the QR code of its link at AIDMAP_BASE_URL) as GET /s/{code}/poster.png
    does."""
    from datetime import UTC, datetime

    from app.services.geocoding import ChainHolder
    from app.services.nearest import NearestFinder
    from app.services.share_place import Places
    from app.services.sharing import load_share
    from app.web.fonts import find_fonts
    from app.web.poster import share_poster

    settings = load_settings(data_dir)
    if not output.parent.is_dir():
        raise CliError(f"no such directory: {output.parent}")
    origin = settings.base_url or LOCAL_ORIGIN
    fonts = find_fonts(settings.image_fonts)
    with seeded_store(settings, writes=False, create=False) as store:
        found = load_share(store, share)
        link = f"{origin}{settings.root_path}/s/{found.code}"
        finder = NearestFinder(store, settings.nearest_index == "database")
        places = Places.of(ChainHolder(settings, store))
        drawn = share_poster(found, store, finder, places, datetime.now(UTC),
                             settings.status_ttl_hours, link, fonts)  # fmt: skip
    output.write_bytes(drawn.png)
    if not settings.base_url:
        print(f"aidmap: AIDMAP_BASE_URL is unset: the QR code holds {link}", file=sys.stderr)
    if not fonts.cjk:
        print("aidmap: no CJK font found (fonts-wqy-microhei): the poster is in English",
              file=sys.stderr)  # fmt: skip
    typer.echo(f"wrote {output}: {len(drawn.rows)} hospitals listed, QR code of {link}")


def register(cli: typer.Typer) -> None:
    """Add ``poster`` to the command."""
    cli.command()(poster)
