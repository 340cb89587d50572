"""Downloading a whole layer as GeoJSON, CSV, XLSX or GeoPackage (public)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Path
from fastapi.responses import StreamingResponse

from app.api.checked_route import CheckedRoute
from app.api.deps import ExportBudget, OptionalToken, StoreDep
from app.api.error_responses import content, errors
from app.services.exports.layers import ExportLayer, read_layer
from app.services.exports.writers import (
    MEDIA_TYPES,
    STREAMED,
    ExportFormat,
    csv_chunks,
    export_file,
    geojson_chunks,
)
from app.storage.errors import NotFound

router = APIRouter(prefix="/api/v1/exports", tags=["exports"], route_class=CheckedRoute)
READ_BYTES = 256 * 1024
RESPONSES = content(
    *(media.split(";")[0] for media in MEDIA_TYPES.values()), description="the layer as a file"
) | errors(404, 429)
LAYERS = ", ".join(ExportLayer)
FORMATS = ", ".join(ExportFormat)


@router.get("/{layer}.{fmt}", response_class=StreamingResponse, responses=RESPONSES)
def export_layer(
    layer: Annotated[str, Path(description=f"one of {LAYERS}")],
    fmt: Annotated[str, Path(description=f"one of {FORMATS}")],
    store: StoreDep,
    token: OptionalToken,
    budget: ExportBudget,
) -> StreamingResponse:
    """A whole layer as a file; hospitals and offices import back unchanged. Imported
    columns without a field of their own only with a token (any role): they may name
    people. A few at once per server (503 when busy) and per client address (429)."""
    if layer not in ExportLayer.__members__:
        raise NotFound(f"no layer {layer[:40]!r}; layers: {LAYERS}")
    if fmt not in ExportFormat.__members__:
        raise NotFound(f"no format {fmt[:40]!r}; formats: {FORMATS}")
    budget.spend()
    export = read_layer(store, ExportLayer(layer), signed_in=token is not None)
    chosen = ExportFormat(fmt)
    headers = {"Content-Disposition": f'attachment; filename="{layer}.{fmt}"'}
    headers["Vary"] = "Authorization"
    if token is not None:
        headers["Cache-Control"] = "private"
    if chosen in STREAMED:
        chunks = csv_chunks(export) if chosen is ExportFormat.csv else geojson_chunks(export)
        return StreamingResponse(chunks, media_type=chosen.media_type, headers=headers)
    file = export_file(export, chosen)
    headers["Content-Length"] = str(os.fstat(file.fileno()).st_size)
    return StreamingResponse(_read(file), media_type=chosen.media_type, headers=headers)


def _read(file: BinaryIO) -> Iterator[bytes]:
    with file:
        while chunk := file.read(READ_BYTES):
            yield chunk
