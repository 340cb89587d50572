"""Server-sent events: status changes as they happen, for open map pages."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from app.api.deps import MAX_ID
from app.api.error_responses import content, errors
from app.core.errors import AppError
from app.services.events import TooManyListeners

router = APIRouter(prefix="/api/v1", tags=["events"])
HISTORY_ID = re.compile(r"[0-9]{1,20}")


class BadResumePoint(AppError):
    """A Last-Event-ID beyond any history id a store holds."""

    status_code = 422
    code = "invalid_request"


class Busy(AppError):
    """No room for another listener in this process."""

    status_code = 503
    code = "busy"


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses=content("text/event-stream", description="event stream") | errors(422, 503),
)
async def status_events(
    request: Request,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="history id")] = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """`event: status` per status change (id = history id; data = resource_id, service,
    version, status); `event: reset` when the page should reload its data. Reconnecting
    with `Last-Event-ID` (or `?after=`) replays what was missed."""
    resume = after
    if last_event_id is not None and HISTORY_ID.fullmatch(last_event_id):  # else: not ours
        resume = int(last_event_id)
        if resume > MAX_ID:
            raise BadResumePoint(f"Last-Event-ID {resume} is beyond any history id")
    try:
        events = await request.app.state.events.stream(resume)
    except TooManyListeners:
        raise Busy("too many live pages on this server; the page falls back to reloading") from None
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)
