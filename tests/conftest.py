"""Shared fixtures: real SQLite stores in temp dirs, the bundled data, the eval data."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import REPO_GEODATA_DIR, Settings
from app.domain.records import SeedData
from app.main import create_app
from app.services.seeding import bundled_seed, ensure_seeded
from app.storage import open_store
from app.storage.errors import StoreUnavailable
from app.storage.port import Store
from tests import postgres, seeded
from tests.cli import serving

REPO = Path(__file__).resolve().parents[1]
EVAL_DIR = Path(os.environ.get("AIDMAP_EVAL_DIR", REPO.parent / "shared" / "eval"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that drive Chromium or a served app by the fixtures they use, so
    ``-m "not server and not browser and not bench"`` is a developer's quick run; then run
    the files that serve first, each file's tests in their order: the two processes then
    end on short files instead of one waiting while the other runs a long one."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "browser" in names:  # a page is always served by a real server too
            item.add_marker(pytest.mark.browser)
        if "served" in names or "browser" in names:
            item.add_marker(pytest.mark.server)
    serving_files = {item.path for item in items if item.get_closest_marker("server")}
    items.sort(key=lambda item: item.path not in serving_files)  # stable


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test that starts ``aidmap serve`` without the ``server`` mark fails (see
    ``tests.cli.serving.start_serve``), whether it starts it or its fixtures do: the quick
    run must really be quick."""
    serving.MARKED_SERVER = item.get_closest_marker("server") is not None


@pytest.fixture(autouse=True)
def _no_aidmap_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's exported AIDMAP_* settings away from the tests' stores."""
    for name in list(os.environ):
        if name.startswith("AIDMAP_") and name != "AIDMAP_EVAL_DIR":
            monkeypatch.delenv(name)


def require_or_skip(condition: bool, reason: str) -> None:
    """Skip with ``reason`` when ``condition`` is false, but fail under CI (CI=true)."""
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def require() -> Callable[[bool, str], None]:
    """``require(condition, reason)``: skip locally, fail in CI, when a test input is missing."""
    return require_or_skip


@pytest.fixture(scope="session")
def bundled() -> tuple[SeedData, str]:
    """The bundled seed data, read once per session."""
    return bundled_seed(REPO_GEODATA_DIR)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """Settings for an embedded store in a fresh temp data dir, whatever TEST_BACKEND says."""
    return Settings(data_dir=tmp_path / "data", database_url="")


@pytest.fixture
def settings(sqlite_settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Settings for an embedded store in a fresh temp data dir; with TEST_BACKEND=postgis,
    for a fresh PostGIS database instead (the whole suite on PostgreSQL)."""
    if os.environ.get("TEST_BACKEND") == "postgis":
        url = request.getfixturevalue("postgis_url")
        return Settings(data_dir=sqlite_settings.data_dir, database_url=url)
    return sqlite_settings


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """An empty, migrated SQLite store on a real file."""
    store = open_store(settings)
    yield store
    store.close()


@pytest.fixture(scope="session")
def seeded_dir() -> Path:
    """A data dir holding a seeded SQLite file, made once per test process: copy it, never
    write to it (``seeded_settings`` and ``tests.seeded.copy_seeded`` do)."""
    return seeded.seeded_dir()


@pytest.fixture(scope="session")
def seeded_postgis(postgis_template: str) -> Iterator[str]:
    """The name of a seeded PostGIS database, made once, for tests to copy as a template."""
    name = postgres.create_database(template=postgis_template)
    try:
        seeded.seed(Settings(database_url=postgres.database_url(name)))
        yield name
    finally:
        postgres.drop_database(name)


@pytest.fixture
def seeded_settings(settings: Settings) -> Settings:
    """``settings`` whose SQLite file already holds the bundled data (a copy of the
    session's), unless a store was opened there first; PostGIS databases seed at start."""
    if not settings.database_url and not settings.data_dir.exists():
        seeded.copy_seeded(settings.data_dir)
    return settings


@pytest.fixture
def seeded_store(seeded_settings: Settings) -> Iterator[Store]:
    """A store loaded with the bundled gazetteer and hospitals."""
    store = open_store(seeded_settings)
    ensure_seeded(store, seeded_settings.geodata_dir)  # PostGIS: seeded here
    yield store
    store.close()


class Clock:
    """A clock a test moves by hand (``clock.now += timedelta(hours=13)``)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A movable clock to pass to ``create_app(settings, clock=clock)``."""
    return Clock()


@pytest.fixture(scope="session")
def postgis_template() -> Iterator[str]:
    """A migrated, empty aidmap database to copy; the suite skips (fails under CI) with the
    reason when no PostgreSQL with PostGIS answers."""
    problem = postgres.server_problem()
    require_or_skip(problem is None, problem or "")
    name = postgres.create_database()
    try:
        try:
            open_store(Settings(database_url=postgres.database_url(name))).close()
        except StoreUnavailable as exc:
            require_or_skip(False, str(exc))
        yield name
    finally:
        postgres.drop_database(name)


@pytest.fixture
def postgis_url(postgis_template: str) -> Iterator[str]:
    """The URL of a fresh, migrated PostGIS database, dropped after the test."""
    name = postgres.create_database(template=postgis_template)
    try:
        yield postgres.database_url(name)
    finally:
        postgres.drop_database(name)


@pytest.fixture
def client(seeded_settings: Settings, clock: Clock) -> Iterator[TestClient]:
    """The app on a real seeded SQLite file with a movable clock, started and stopped."""
    with TestClient(create_app(seeded_settings, clock=clock)) as client:
        yield client


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    """The shared Shanghai evaluation data (dev split only may be read)."""
    require_or_skip(
        (EVAL_DIR / "streets_2018.geojson").exists(),
        f"evaluation data not found at {EVAL_DIR} (set AIDMAP_EVAL_DIR)",
    )
    return EVAL_DIR
