"""Where a write comes from, as history records it: the workspace page says so in a header;
every other client is ``api`` (imports record ``import`` themselves)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from app.core.errors import BadHeader
from app.domain.enums import WriteSource

SOURCE_HEADER = "X-Aidmap-Source"
FROM_CLIENTS = (WriteSource.workspace, WriteSource.api)


async def write_source(
    x_aidmap_source: Annotated[
        str | None,
        Header(
            alias=SOURCE_HEADER,
            description="workspace (set by the volunteers' page) or api (the default)",
            json_schema_extra={"enum": [source.value for source in FROM_CLIENTS]},
        ),
    ] = None,
) -> WriteSource:
    """The request's ``X-Aidmap-Source``; 400 for any value but workspace or api."""
    if x_aidmap_source is None:
        return WriteSource.api
    value = x_aidmap_source.strip().lower()
    if value not in FROM_CLIENTS:
        raise BadHeader(f"{SOURCE_HEADER} must be workspace or api, not {x_aidmap_source[:20]!r}")
    return WriteSource(value)


SourceDep = Annotated[WriteSource, Depends(write_source)]
