"""Schemathesis over the app's own OpenAPI document: every operation it declares, on
SQLite without a token of ours and with a volunteer's, and on PostGIS with a volunteer's.

Each operation is a test; schemathesis generates its cases (schema examples, boundary and
negative values, then random ones) and sends them to the real app (lifespan, a copy of a
seeded SQLite file or PostGIS database) in process. Checks: no 5xx, and every answer's status code,
Content-Type and body are the ones the document declares. The run is bounded and
repeatable: a fixed seed, derandomized, at most ``MAX_EXAMPLES`` random cases an operation,
no deadline. The number of cases is printed at the end of the module.

The event stream (``/api/v1/events``) never ends by itself: its calls get a read timeout of
``EVENTS_READ_S``, after which schemathesis keeps the events sent so far and checks the
answer like any other, so the stream is fuzzed too and no case hangs. The per-address rate
limits are widened in this app: otherwise nearly every case after the tenth sign-in failure
or report would be a 429 and the fuzzer would never reach the handlers behind them
(tests/api/test_status_roles.py tests the limits).
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.core.config import Settings
from app.domain.enums import Precision, Role
from app.domain.help import NewHelpRequest, Urgency
from app.main import create_app
from app.services.auth import create_token
from app.services.ratelimit import RateLimiter
from tests import postgres

MAX_EXAMPLES = 25
EVENTS_READ_S = 0.3
BASE_URL = f"http://{asgi.HOST}"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
CONFIG = schemathesis.Config.from_dict(
    {"seed": 8, "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True}}
)
# The document is a function of the code alone: building the app opens nothing (the store
# opens at startup), so collection can read it before any fixture exists.
SCHEMA = schemathesis.openapi.from_dict(
    create_app(Settings(database_url="")).openapi(), config=CONFIG
)


RUNS = [("sqlite", "anonymous"), ("sqlite", "volunteer"), ("postgis", "volunteer")]
"""(backend, caller) of each run: PostgreSQL has its own limits (32-bit integer ids), so a
volunteer, who reaches every operation an anonymous caller does and the writes, fuzzes it
too; with TEST_BACKEND=postgis every run is on PostGIS."""


@pytest.fixture(scope="module")
def cases(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """Cases sent, per run; their total is printed (uncaptured) when the module ends."""
    counted: Counter[str] = Counter()
    yield counted
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        by_run = ", ".join(f"{n} {run}" for run, n in sorted(counted.items()))
        print(f"\nschemathesis: {counted.total()} cases ({by_run})")


@pytest.fixture(params=RUNS, ids="-".join)
def run(request: pytest.FixtureRequest) -> tuple[str, str]:
    """The backend and the caller of this run."""
    return request.param


@pytest.fixture
def app_settings(
    run: tuple[str, str], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Settings]:
    """Settings for a copy of the seeded database of the run's backend (no source
    poller: the links of sources the fuzzer adds are never fetched)."""
    data_dir = tmp_path / "data"
    if run[0] == "sqlite" and os.environ.get("TEST_BACKEND") != "postgis":
        shutil.copytree(request.getfixturevalue("seeded_dir"), data_dir)
        yield Settings(data_dir=data_dir, database_url="", source_polling=False)
        return
    name = postgres.create_database(template=request.getfixturevalue("seeded_postgis"))
    try:
        url = postgres.database_url(name)
        yield Settings(data_dir=data_dir, database_url=url, source_polling=False)
    finally:
        postgres.drop_database(name)


@pytest.fixture
def app_client(app_settings: Settings) -> Iterator[asgi.ASGIClient]:
    """A fresh app on that database, started, with wide rate limits."""
    app = create_app(app_settings)
    for limiter in (
        "failed_auth",
        "public_reports",
        "public_shares",
        "failed_share_lookups",
        "public_imports",
    ):
        setattr(app.state, limiter, RateLimiter(10**9, 1.0))
    try:
        with asgi.get_client(app) as client:
            yield client
    finally:
        asgi.shutdown_lifespans()


@pytest.fixture
def headers(run: tuple[str, str], app_client: asgi.ASGIClient) -> dict[str, str]:
    """What the run's caller sends: nothing, or a token of the run's role."""
    if run[1] == "anonymous":
        return {}
    _, secret = create_token(app_client.app.state.context.store, "fuzz", Role(run[1]))
    return {"Authorization": f"Bearer {secret}"}


def check(
    case: schemathesis.Case,
    app_client: asgi.ASGIClient,
    headers: dict[str, str],
    run: tuple[str, str],
    cases: Counter[str],
) -> None:
    """Send ``case`` as the run's role and validate the answer against the document,
    counting it for the run."""
    cases["-".join(run)] += 1
    timeout = EVENTS_READ_S if case.operation.path == "/api/v1/events" else 30
    case.call_and_validate(
        session=app_client, base_url=BASE_URL, headers=headers, checks=CHECKS, timeout=timeout
    )


@SCHEMA.parametrize()
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_operation_answers_as_declared(
    case: schemathesis.Case,
    app_client: asgi.ASGIClient,
    headers: dict[str, str],
    run: tuple[str, str],
    cases: Counter[str],
) -> None:
    check(case, app_client, headers, run, cases)


HAND_EDITS = SCHEMA.include(
    method=["POST", "PATCH"], path_regex=r"^/api/v1/resources(/duplicates|/\{resource_id\})?$"
)
"""Adding, checking and editing hospitals: a volunteer meets only 403 there, so a
coordinator fuzzes them too (on SQLite; the API tests run them on PostGIS)."""


@HAND_EDITS.parametrize()
@pytest.mark.parametrize("run", [("sqlite", "coordinator")], ids="-".join, indirect=True)
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_hand_edits_answer_a_coordinator_as_declared(
    case: schemathesis.Case,
    app_client: asgi.ASGIClient,
    headers: dict[str, str],
    run: tuple[str, str],
    cases: Counter[str],
) -> None:
    check(case, app_client, headers, run, cases)


SOURCE_MANAGEMENT = SCHEMA.include(path_regex=r"^/api/v1/sources").exclude(path_regex=r"/run$")
"""Managing sources: everyone but a coordinator meets only 401 or 403 there, so a
coordinator fuzzes them too; not runs, which would fetch the fuzzer's links (the API tests
run them against a local server)."""


@SOURCE_MANAGEMENT.parametrize()
@pytest.mark.parametrize("run", [("sqlite", "coordinator")], ids="-".join, indirect=True)
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_source_management_answers_a_coordinator_as_declared(
    case: schemathesis.Case,
    app_client: asgi.ASGIClient,
    headers: dict[str, str],
    run: tuple[str, str],
    cases: Counter[str],
) -> None:
    check(case, app_client, headers, run, cases)


HELP_BOARD = SCHEMA.include(path_regex=r"^/api/v1/help-requests/")
"""A help request's routes: a volunteer meets 403 on its reveal log and is never its
holder, so a coordinator (who may do everything there) fuzzes them too, on stored
requests (ids 1 to 3: the schema's example id is 1)."""


@pytest.fixture
def help_requests(app_client: asgi.ASGIClient) -> None:
    """Three stored help requests, one of them finished."""
    now = datetime.now(UTC)
    store = app_client.app.state.context.store
    for n in range(3):
        new = NewHelpRequest(
            service="dialysis", answers={}, urgency=Urgency.medium, urgency_why=("dialysis",),
            district_id=None, street_id=None, committee_id=None, lon=121.47, lat=31.23,
            precision=Precision.exact, phone=f"1390000000{n}", name=None, text=None,
            consent_at=now,
        )  # fmt: skip
        store.add_help_request(new, str(n) * 64, now, now)
    store.withdraw_help_request(3, now)


@HELP_BOARD.parametrize()
@pytest.mark.parametrize("run", [("sqlite", "coordinator")], ids="-".join, indirect=True)
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_help_requests_answer_a_coordinator_as_declared(
    case: schemathesis.Case,
    help_requests: None,
    app_client: asgi.ASGIClient,
    headers: dict[str, str],
    run: tuple[str, str],
    cases: Counter[str],
) -> None:
    check(case, app_client, headers, run, cases)
