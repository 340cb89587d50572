"""``GET /api/v1/help-stats``: what the public may know of help requests, aggregates only."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.api.deps import PlacesDep, StoreDep
from app.api.error_responses import errors
from app.models import HelpStats
from app.services.help.stats import help_stats

router = APIRouter(prefix="/api/v1", tags=["help"])


@router.get("/help-stats", response_model=HelpStats, responses=errors(422))
def read_help_stats(store: StoreDep, places: PlacesDep, response: Response) -> HelpStats:
    """Help requests counted by state, service and district, and by street (the map's
    layer of counts); a district or street with fewer than 5 requests is left out, as is
    the median wait for a first contact over fewer than 5 waits. The share resolved is of
    all requests."""
    response.headers["Cache-Control"] = "public, max-age=60"
    return help_stats(store.help_counts(), store.help_contact_seconds(), places.units)
