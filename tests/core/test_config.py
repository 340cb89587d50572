"""Settings: defaults, validation, and what is safe to print."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from app.core.config import PrecisionName, Settings
from app.domain.enums import Precision


def test_defaults_put_a_sqlite_file_in_the_data_dir(tmp_path: Path):
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path}/aidmap.sqlite3"
    assert settings.backend == "sqlite"
    assert settings.status_ttl_hours == 12
    assert (settings.geodata_dir / "admin_units.csv").is_file()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("database_url", "sqlite:///:memory:", "must name a SQLite file"),
        ("database_url", "sqlite:///x.db?mode=memory&uri=true", "must name a SQLite file"),
        ("database_url", "oracle://db/x", "uses 'oracle'"),
        ("status_ttl_hours", float("inf"), "finite"),
        ("status_ttl_hours", 1e20, "less than or equal"),
        ("status_ttl_hours", 0, "greater than 0"),
        ("base_url", "ftp://example", "http"),
        ("base_url", "https://example.org/aidmap", "a path goes in AIDMAP_ROOT_PATH"),
        ("root_path", "aidmap", "must be a path like /aidmap"),
        ("root_path", "/aid map", "must be a path like /aidmap"),
        ("root_path", "//evil.example", "must be a path like /aidmap"),
        ("root_path", "/a/../b", "must be a path like /aidmap"),
        ("nearest_index", "database", "needs a PostGIS database URL"),
        ("nearest_index", "rtree", "'memory' or 'database'"),
        ("cors_origins", "https://partner.example/map", "is not an origin"),
        ("cors_origins", "partner.example", "is not an origin"),
        ("event_streams", 4, "PER_CLIENT is more than AIDMAP_EVENT_STREAMS"),
        ("allowed_hosts", "https://map.example.org", "is not a host name"),
        ("allowed_hosts", "map.example.org/x", "is not a host name"),
    ],
)
def test_unusable_values_are_refused(field: str, value, message: str):
    with pytest.raises(ValidationError, match=message):
        Settings(**{field: value})


def test_passwords_are_masked_in_the_printable_url():
    settings = Settings(database_url="postgresql+psycopg://aidmap:s3cret@db:5432/aidmap")
    assert "s3cret" not in settings.database_url_safe
    assert settings.backend == "postgis"


@pytest.mark.parametrize(("value", "kept"), [("/aidmap/", "/aidmap"), ("/", ""), ("/a/b", "/a/b")])
def test_a_root_path_is_kept_without_its_trailing_slash(value: str, kept: str):
    assert Settings(root_path=value).root_path == kept


def test_allowed_hosts_are_a_lowercase_list():
    assert Settings(allowed_hosts="Map.Example.org, b.example:8443").allowed_hosts == [
        "map.example.org", "b.example:8443"
    ]  # fmt: skip


def test_the_precision_a_chain_stops_at_is_named_like_the_domain_s():
    assert get_args(PrecisionName) == tuple(Precision)  # the names cannot drift apart
    assert Settings(geocode_enough="street").geocode_enough == Precision.street
    with pytest.raises(ValidationError):
        Settings(geocode_enough="house")


def test_image_fonts_unset_empty_or_listed(monkeypatch: pytest.MonkeyPatch):
    assert Settings().image_fonts is None  # unset: the usual places (app/web/fonts.py)
    monkeypatch.setenv("AIDMAP_IMAGE_FONTS", "")
    assert Settings().image_fonts == []  # none: images in English
    monkeypatch.setenv("AIDMAP_IMAGE_FONTS", "/opt/a.ttc, /opt/b.otf")
    assert Settings().image_fonts == ["/opt/a.ttc", "/opt/b.otf"]
