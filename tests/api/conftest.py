"""Fixtures of the tests that drive /ogc from outside, through a live ``aidmap serve``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.core.config import Settings
from app.domain.enums import Kind, Precision
from app.domain.records import NewResource
from app.storage import open_store
from tests.cli.serving import free_port, start_serve, stop, wait_healthy
from tests.seeded import copy_seeded


@pytest.fixture(scope="module")
def ogc_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``aidmap serve`` on the bundled data plus one office (the suite wants every collection
    to list features), its public URL set to its own address: the suite follows links. A
    module using it carries ``pytest.mark.server``."""
    data_dir = copy_seeded(tmp_path_factory.mktemp("ogc-suite") / "data")
    store = open_store(Settings(data_dir=data_dir, database_url=""))
    try:
        office = NewResource(kind=Kind.office, name="南京东路街道办事处", lon=121.475,
                             lat=31.231, precision=Precision.exact)  # fmt: skip
        store.add_resource(office)
    finally:
        store.close()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"AIDMAP_BASE_URL": url}
    process = start_serve(data_dir, port, data_dir.parent / "serve.log", env=env)
    try:
        wait_healthy(process, port)
        yield f"{url}/ogc"
    finally:
        stop(process)
