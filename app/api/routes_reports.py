"""Public "this is wrong" reports: they reach the verification queue, never the status."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from app.api import body_limits
from app.api.deps import IdPath, ReportBudget, StoreDep
from app.api.error_responses import errors
from app.models import ProblemReportIn, ProblemReportPublic

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
    """Say a status or detail is wrong; a verifier will call."""
    budget.spend()
    stored = store.add_problem_report(resource_id, report.service, report.text)
    return ProblemReportPublic(**asdict(stored))
