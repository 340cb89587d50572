"""Schemathesis over the app's own OpenAPI document: every operation it declares, once
without a token of ours and once with a volunteer's.

Each operation is a test; schemathesis generates its cases (schema examples, boundary and
negative values, then random ones) and sends them to the real app (lifespan, SQLite file
copied from a seeded one) in process. Checks: no 5xx, and every answer's status code,
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

import shutil
from collections import Counter
from collections.abc import Iterator
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
from app.main import create_app
from app.services.auth import create_token
from app.services.ratelimit import RateLimiter
from app.storage.base import Role

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


@pytest.fixture(scope="module")
def cases(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    """Cases sent, per caller; their total is printed (uncaptured) when the module ends."""
    counted: Counter[str] = Counter()
    yield counted
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        by_caller = ", ".join(f"{n} {caller}" for caller, n in sorted(counted.items()))
        print(f"\nschemathesis: {counted.total()} cases ({by_caller})")


@pytest.fixture
def app_client(settings: Settings, seeded_dir: Path) -> Iterator[asgi.ASGIClient]:
    """A fresh app on a copy of the seeded database, started, with wide rate limits."""
    shutil.copytree(seeded_dir, settings.data_dir)
    app = create_app(settings)
    for limiter in ("failed_auth", "public_reports", "public_shares"):
        setattr(app.state, limiter, RateLimiter(10**9, 1.0))
    try:
        with asgi.get_client(app) as client:
            yield client
    finally:
        asgi.shutdown_lifespans()


@pytest.fixture(params=["anonymous", "volunteer"])
def caller(request: pytest.FixtureRequest, app_client: asgi.ASGIClient) -> tuple[str, dict]:
    """Who calls: its name and the headers it sends."""
    if request.param == "anonymous":
        return request.param, {}
    _, secret = create_token(app_client.app.state.store, "fuzz", Role.volunteer)
    return request.param, {"Authorization": f"Bearer {secret}"}


@SCHEMA.parametrize()
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_operation_answers_as_declared(
    case: schemathesis.Case,
    app_client: asgi.ASGIClient,
    caller: tuple[str, dict],
    cases: Counter[str],
) -> None:
    name, headers = caller
    cases[name] += 1
    timeout = EVENTS_READ_S if case.operation.path == "/api/v1/events" else 30
    case.call_and_validate(
        session=app_client, base_url=BASE_URL, headers=headers, checks=CHECKS, timeout=timeout
    )
