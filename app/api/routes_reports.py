"""Public "this is wrong" reports: they reach the verification queue, never the status,
until a check answers them or a verifier resolves or dismisses them."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from app.api import body_limits
from app.api.checked_route import CheckedRoute
from app.api.deps import IdPath, NotOffered, NowDep, ReportBudget, StoreDep, Verifier
from app.api.error_responses import SIGNED_IN, errors
from app.domain.enums import ProblemOutcome
from app.models import ProblemClose, ProblemClosed, ProblemReportIn, ProblemReportPublic
from app.services.problems import file_report
from app.services.status import ServiceNotOffered

router = APIRouter(prefix="/api/v1", tags=["reports"], route_class=CheckedRoute)


@router.post(
    "/resources/{resource_id}/reports",
    response_model=ProblemReportPublic,
    status_code=201,
    max_body_size=body_limits.PUBLIC_FORM,
    responses=errors(400, 404, 413, 422, 429),
)
def create_problem_report(
    resource_id: IdPath, report: ProblemReportIn, store: StoreDep, budget: ReportBudget
) -> ProblemReportPublic:
    """Say a status or detail is wrong; a verifier will call. A report about one service
    names one the resource lists, by code or name (422 ``service_not_offered`` otherwise)."""
    budget.spend()
    try:
        stored = file_report(store, resource_id, report.service, report.text)
    except ServiceNotOffered as exc:
        raise NotOffered(str(exc)) from None
    return ProblemReportPublic(**asdict(stored))


def _close(
    report_id: int, outcome: ProblemOutcome, body: ProblemClose | None, token, store, now
) -> ProblemClosed:
    note = body.note if body is not None else None
    closed = store.close_problem_report(report_id, outcome, token.name, note, now)
    return ProblemClosed(**asdict(closed))


CLOSE_ERRORS = (
    SIGNED_IN
    | errors(404, 413, 422)
    | {409: {"description": "`already_closed`: resolved or dismissed before"}}
)


@router.post(
    "/problem-reports/{report_id}/resolve",
    response_model=ProblemClosed,
    max_body_size=body_limits.CLOSE_REPORT,
    responses=CLOSE_ERRORS,
)
def resolve_problem_report(
    report_id: IdPath,
    token: Verifier,
    store: StoreDep,
    now: NowDep,
    body: ProblemClose | None = None,
) -> ProblemClosed:
    """Verifiers: the problem was real and is dealt with (the note says how). The report
    leaves the call queue and the public flag; closing twice is a 409."""
    return _close(report_id, ProblemOutcome.resolved, body, token, store, now)


@router.post(
    "/problem-reports/{report_id}/dismiss",
    response_model=ProblemClosed,
    max_body_size=body_limits.CLOSE_REPORT,
    responses=CLOSE_ERRORS,
)
def dismiss_problem_report(
    report_id: IdPath,
    token: Verifier,
    store: StoreDep,
    now: NowDep,
    body: ProblemClose | None = None,
) -> ProblemClosed:
    """Verifiers: the report was wrong, or not about intake (the note says why). It
    leaves the call queue and the public flag; closing twice is a 409."""
    return _close(report_id, ProblemOutcome.dismissed, body, token, store, now)
