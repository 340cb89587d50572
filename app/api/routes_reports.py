"""Public "this is wrong" reports: they reach the verification queue, never the status."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from app.api import body_limits
from app.api.deps import IdPath, NotOffered, ReportBudget, StoreDep
from app.api.error_responses import errors
from app.models import ProblemReportIn, ProblemReportPublic
from app.services.problems import file_report
from app.services.status import ServiceNotOffered

router = APIRouter(prefix="/api/v1/resources", tags=["reports"])


@router.post(
    "/{resource_id}/reports",
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
