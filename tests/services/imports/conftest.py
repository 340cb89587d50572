"""Planning a sheet's text against a seeded store, as ``aidmap import`` does."""

from __future__ import annotations

import pytest

from app.core.config import Settings
from app.geo.geocoders.registry import build_chain
from app.services.imports.plan import plan_import
from app.services.imports.read import read_table
from app.storage.port import Store


@pytest.fixture
def plan_file(seeded_store: Store, settings: Settings):
    """``plan_file(text, kind="hospitals", name="list.csv")``: the plan of a CSV text."""
    chain = build_chain(settings, seeded_store)

    def plan(text: str, kind: str = "hospitals", name: str = "list.csv"):
        return plan_import(seeded_store, chain, read_table(text.encode(), name), kind, name)

    return plan
