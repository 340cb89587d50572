"""Live updates: status changes as they happen (server-sent events), and the same changes
for pages that poll when they cannot hold a stream."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from app.api.checked_route import CheckedRoute
from app.api.deps import MAX_ID, ContextDep, SettingsDep, address_within, client_address
from app.api.error_responses import HEADERS, content, errors
from app.core.errors import AppError, TooManyRequests
from app.models import ChangesPublic
from app.services.events import REPLAY_LIMIT, Listener
from app.services.stream_slots import TooManyFromClient, TooManyListeners

router = APIRouter(prefix="/api/v1", tags=["events"], route_class=CheckedRoute)
HISTORY_ID = re.compile(r"[0-9]{1,20}")
RETRY_AFTER_S = 30
"""When a refused stream may try again: slots free as streams end (each within 10 min)."""
CHANGES_CACHE_S = 5
"""How long an answer of /changes may be cached: shared caches can answer many pollers."""


class BadResumePoint(AppError):
    """A Last-Event-ID beyond any history id a store holds."""

    status_code = 422
    code = "invalid_request"


class Busy(TooManyRequests):
    """No room for another stream in this process: try again after ``retry_after``."""

    status_code = 503
    code = "busy"


class EventStream(StreamingResponse):
    """An event stream that frees its listener's slot however the answer ends: finished,
    cancelled, or its client gone before the first byte (the body would never run)."""

    def __init__(self, listener: Listener) -> None:
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        super().__init__(listener.body, media_type="text/event-stream", headers=headers)
        self.listener = listener

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the stream; free the slot when sending is over, whatever ended it."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.listener.close()


def with_retry_after(declared: dict[int | str, dict]) -> dict[int | str, dict]:
    """Error declarations whose 503 also carries Retry-After, like a 429."""
    declared[503]["headers"] = HEADERS[429]
    return declared


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses=content("text/event-stream", description="event stream")
    | with_retry_after(errors(422, 429, 503)),
)
async def status_events(
    request: Request,
    context: ContextDep,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID, description="history id")] = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """`event: status` per status change (id = history id; data = resource_id, service,
    version, status); `event: ready` once caught up (data: last_id); `event: reset` when the
    page should reload its data (data: last_id to go on from). Reconnecting with
    `Last-Event-ID` (or `?after=`) replays what was missed. One client may hold a few
    streams (429 beyond), a process a bounded number (503 beyond); both carry Retry-After."""
    resume = after
    if last_event_id is not None and HISTORY_ID.fullmatch(last_event_id):  # else: not ours
        resume = int(last_event_id)
        if resume > MAX_ID:
            raise BadResumePoint(f"Last-Event-ID {resume} is beyond any history id")
    try:
        listener = await context.events.stream(client_address(request), resume)
    except TooManyFromClient:
        message = "this address holds as many live streams as it may; poll /api/v1/changes"
        raise TooManyRequests(message, RETRY_AFTER_S) from None
    except TooManyListeners:
        message = "too many live pages on this server; poll /api/v1/changes"
        raise Busy(message, RETRY_AFTER_S) from None
    return EventStream(listener)


@router.get("/changes", response_model=ChangesPublic, responses=errors(422, 429))
async def list_changes(
    request: Request,
    response: Response,
    settings: SettingsDep,
    context: ContextDep,
    after: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="history id; none: where history is now")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=REPLAY_LIMIT)] = 100,
) -> ChangesPublic:
    """The status changes after a history id, as the event stream replays them, for pages
    that cannot hold a stream; ask again with `last_id` after `poll_s` seconds (at once
    when `more`). `reset`: too far behind, reload the data and go on from `last_id`."""
    events = context.events
    events.polls.record(address_within(request, events.polls, "too many polls from this address"))
    answer = await run_in_threadpool(events.changes, after, limit)
    max_age = min(CHANGES_CACHE_S, settings.live_poll_s // 2)  # never a whole poll late
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return ChangesPublic(**answer, poll_s=settings.live_poll_s)
