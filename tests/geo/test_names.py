"""Place-name normalisation."""

from __future__ import annotations

import pytest

from app.geo.names import core_name, normalise


def test_normalise_folds_full_width_and_removes_spaces():
    assert normalise(" 浦电路２２１号　 ") == "浦电路221号"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("友谊路街道", "友谊"),
        ("吴淞街道", "吴淞镇"),
        ("吴淞街道", "吴淞镇街道"),
        ("古美街道", "古美路"),
        ("半淞园路街道", "半淞园"),
        ("南京东路街道", "南京东路"),
    ],
)
def test_variants_share_a_core_name(a: str, b: str):
    assert core_name(a) == core_name(b)


@pytest.mark.parametrize(("a", "b"), [("五角场街道", "长海路街道"), ("江镇", "川沙新镇")])
def test_different_units_keep_different_core_names(a: str, b: str):
    assert core_name(a) != core_name(b)


def test_short_names_keep_their_suffix():
    assert core_name("江镇") == "江镇"
    assert core_name("路") == "路"
