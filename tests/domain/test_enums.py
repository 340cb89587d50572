"""Layer names come from the domain's kinds and levels, in one place."""

from __future__ import annotations

import pytest

from app.domain.enums import Kind, Level
from app.services.exports.layers import RESOURCE_KINDS
from app.services.layers import COLLECTIONS


def test_a_kind_and_its_layer_name_go_both_ways():
    assert [k.plural for k in Kind] == ["hospitals", "offices"]
    assert all(Kind.from_plural(kind.plural) is kind for kind in Kind)
    with pytest.raises(ValueError, match="pharmacies"):
        Kind.from_plural("pharmacies")


def test_collections_and_exports_name_layers_by_the_plural():
    assert {c.id: c.layer for c in COLLECTIONS.values()} == {
        "hospitals": "hospital",
        "offices": "office",
        "districts": "district",
        "streets": "street",
        "committees": "committee",
    }
    assert {layer.value: kind for layer, kind in RESOURCE_KINDS.items()} == {
        "hospitals": Kind.hospital,
        "offices": Kind.office,
    }
    assert Level.committee.plural == "committees"
