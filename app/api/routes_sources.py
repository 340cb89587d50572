"""Sources, managed by coordinators: teams' shared documents that aidmap reads again and
again. Add, list, show, run now (or dry), approve or drop a held plan, remove.

A source's link may carry the document's secret: only coordinators see it, answers are
never stored by caches, and no log line holds it. Runs go to the imports' own threads.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response

from app.api.checked_route import CheckedRoute
from app.api.deps import ContextDep, Coordinator, NowDep, StoreDep
from app.api.error_responses import SIGNED_IN, errors
from app.core.errors import AppError
from app.models import RunResultPublic, SourceCreate, SourcePublic
from app.models.sources import run_public, source_public
from app.services.sources.lease import SourceBusy
from app.services.sources.manage import BadSource, add_source, new_source
from app.services.sources.run import (
    NothingHeld,
    PlanChanged,
    Runner,
    approve,
    drop,
    remove,
    run_source,
    runner_for,
)

router = APIRouter(
    prefix="/api/v1/sources", tags=["sources"], responses=SIGNED_IN, route_class=CheckedRoute
)

NamePath = Annotated[str, Path(min_length=1, max_length=64, description="the source's name")]
NO_STORE = {"Cache-Control": "private, no-store"}
RUN_ERRORS = errors(404, 409)


class SourceRefused(AppError):
    """A source's setting out of bounds."""

    status_code = 422
    code = "bad_source"


class SourceRunning(AppError):
    """Another run holds the source."""

    status_code = 409
    code = "source_busy"


class NoHeldPlan(AppError):
    """Approving or dropping when no plan is held."""

    status_code = 409
    code = "nothing_held"


class HeldPlanChanged(AppError):
    """The held plan, made again, is not the one reviewed."""

    status_code = 409
    code = "plan_changed"


SERVICE_ERRORS = {
    SourceBusy: SourceRunning,
    NothingHeld: NoHeldPlan,
    PlanChanged: HeldPlanChanged,
}


def _runner(context: ContextDep) -> Runner:
    return runner_for(context.settings, context.store, context.geocoders.get)


def _holder() -> str:
    """A run asked through the API, as the source's lease names it."""
    return f"api:{uuid.uuid4().hex[:12]}"


async def _in_import_thread(context: ContextDep, work, *args):
    """``work(*args)`` on the imports' threads, its service errors as HTTP ones."""
    try:
        return await context.imports.run(work, *args)
    except tuple(SERVICE_ERRORS) as exc:
        raise SERVICE_ERRORS[type(exc)](str(exc)) from None


@router.get("", response_model=list[SourcePublic])
def list_sources(
    _coordinator: Coordinator, store: StoreDep, now: NowDep, response: Response
) -> list[SourcePublic]:
    """Every source with its health and any plan it holds, by name."""
    response.headers.update(NO_STORE)
    return [source_public(source, now) for source in store.list_sources()]


@router.post("", response_model=SourcePublic, status_code=201, responses=errors(409, 422))
def create_source(
    body: SourceCreate, caller: Coordinator, context: ContextDep, response: Response
) -> SourcePublic:
    """Add a source; it is read within seconds, then every ``every_s`` seconds."""
    now = context.clock()
    new = new_source(
        body.name, body.url, body.kind, now, every_s=body.every_s, sheet=body.sheet,
        review=body.review, max_change=body.max_change, created_by=caller.name,
    )  # fmt: skip
    settings = context.settings
    try:
        added = add_source(context.store, new, min_interval_s=settings.source_min_interval_s,
                           allow_private=settings.source_allow_private)  # fmt: skip
    except BadSource as exc:
        raise SourceRefused(str(exc)) from None
    response.headers.update(NO_STORE)
    return source_public(added, now)


@router.get("/{name}", response_model=SourcePublic, responses=errors(404, 422))
def read_source(
    name: NamePath, _coordinator: Coordinator, store: StoreDep, now: NowDep, response: Response
) -> SourcePublic:
    """A source: its link, health, last error and any plan held for review."""
    response.headers.update(NO_STORE)
    return source_public(store.get_source(name), now)


@router.post("/{name}/run", response_model=RunResultPublic, responses=RUN_ERRORS | errors(422))
async def run_source_now(
    name: NamePath,
    _coordinator: Coordinator,
    context: ContextDep,
    response: Response,
    dry_run: bool = False,
    accept_headers: bool = False,
) -> RunResultPublic:
    """Run a source now: apply its file, hold it for review or say why not (a dry run
    fetches and plans, and writes nothing). ``accept_headers`` takes a file that lost
    columns of the last applied one."""
    result = await _in_import_thread(
        context,
        lambda: run_source(_runner(context), name, _holder(), dry_run=dry_run,
                           accept_headers=accept_headers),
    )  # fmt: skip
    response.headers.update(NO_STORE)
    return run_public(result)


@router.post("/{name}/approve", response_model=RunResultPublic, responses=RUN_ERRORS | errors(422))
async def approve_held_plan(
    name: NamePath, _coordinator: Coordinator, context: ContextDep, response: Response
) -> RunResultPublic:
    """Apply the plan the source holds if, made again now, it is the one held; 409
    ``plan_changed`` when the map moved on (the new plan is held: read it and approve
    again), ``nothing_held`` when there is none."""
    result = await _in_import_thread(context, approve, _runner(context), name, _holder())
    response.headers.update(NO_STORE)
    return run_public(result)


@router.post("/{name}/drop", response_model=SourcePublic, responses=RUN_ERRORS | errors(422))
async def drop_held_plan(
    name: NamePath, _coordinator: Coordinator, context: ContextDep, response: Response
) -> SourcePublic:
    """Drop the plan the source holds: its file is not read again until it changes."""
    source = await _in_import_thread(context, drop, _runner(context), name, _holder())
    response.headers.update(NO_STORE)
    return source_public(source, context.clock())


@router.delete(
    "/{name}", status_code=204, response_class=Response, responses=RUN_ERRORS | errors(422)
)
async def delete_source(name: NamePath, _coordinator: Coordinator, context: ContextDep) -> Response:
    """Remove a source (what it wrote stays on the map)."""
    await _in_import_thread(context, remove, _runner(context), name, _holder())
    return Response(status_code=204)
