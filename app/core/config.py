"""Settings, read from the environment with the prefix ``AIDMAP_``."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    IPvAnyNetwork,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.core.addresses import HOST_PORT
from app.core.prefix import clean_prefix

PrecisionName = Literal["exact", "approximate", "committee", "street", "district"]
"""A ``Precision`` by name (settings stay below the domain; ``Precision(name)`` reads it)."""


SOURCE_CHECKOUT = Path(__file__).resolve().parents[2]
DEFAULT_DATA_DIR = (
    SOURCE_CHECKOUT / "data" if (SOURCE_CHECKOUT / "pyproject.toml").is_file() else Path("data")
)
"""data/ of the source checkout aidmap runs from (the README's editable install), so
``aidmap serve`` and ``aidmap token create`` find one database from any folder; ``./data``
for an installed wheel (which sets AIDMAP_DATA_DIR: the Docker image's /data)."""
PACKAGED_GEODATA_DIR = Path(__file__).resolve().parents[1] / "geodata"
"""Where a wheel install puts geodata/ (see pyproject.toml, force-include)."""
REPO_GEODATA_DIR = Path(__file__).resolve().parents[2] / "geodata"
BUNDLED_GEODATA_DIR = PACKAGED_GEODATA_DIR if PACKAGED_GEODATA_DIR.is_dir() else REPO_GEODATA_DIR
SUPPORTED_DRIVERS = ("sqlite", "postgresql", "postgresql+psycopg")
SQLITE_FILE_NAME = "aidmap.sqlite3"
GEOCODER_NAMES = ("gazetteer", "learned", "amap", "nominatim")
TILE_PRESETS = ("amap", "osm", "none")
METRICS_TOKEN_MIN_LENGTH = 16


class Settings(BaseSettings):
    """Everything a deployment can set; see README.md, section Configuration."""

    model_config = SettingsConfigDict(env_prefix="AIDMAP_", extra="ignore")

    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Where the SQLite file and caches live.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means a SQLite file in the data dir."
    )
    nearest_index: Literal["memory", "database"] = Field(
        "memory",
        description="Where nearest queries are answered: 'memory' (an index in each process, "
        "kept current from the store's changes) or 'database' (PostGIS KNN on every query).",
    )
    status_ttl_hours: float = Field(
        12.0,
        gt=0,
        le=24 * 365,
        allow_inf_nan=False,
        description="Age after which a status is stale.",
    )
    session_idle_hours: float = Field(
        72.0,
        gt=0,
        le=24 * 365,
        allow_inf_nan=False,
        description="A session (signed in through an invite) ends after this long unused.",
    )
    claim_minutes: int = Field(
        10,
        ge=1,
        le=24 * 60,
        description="How long opening a card in the call queue claims a hospital for its "
        "caller (claiming again extends it).",
    )
    help_claim_minutes: int = Field(
        30,
        ge=1,
        le=24 * 60,
        description="A help request claimed but not moved on (no transition) for this long "
        "returns to the board for anyone to claim.",
    )
    help_retention_days: int = Field(
        30,
        ge=1,
        le=3650,
        description="Personal fields (phone, name, text, exact point, answers, private "
        "notes) of help requests resolved or closed this long ago are erased (daily by "
        "aidmap serve, or aidmap help purge); the counts stay.",
    )
    help_poll_seconds: int = Field(
        25,
        ge=1,
        le=3600,
        description="How often an open tracking page (/h/{secret}) asks whether its request "
        "changed, while it is shown.",
    )
    base_url: str = Field(
        "",
        description="Public origin used in share links, QR codes, og:url and OGC links; "
        "empty: the address each request reached (aidmap serve's host and port, or a trusted "
        "proxy's X-Forwarded-Host/-Proto).",
    )
    root_path: str = Field(
        "",
        description="The path a proxy serves the app under (/aidmap), for links, pages' static "
        "files and requests; a trusted proxy's X-Forwarded-Prefix overrides it per request. "
        "The proxy may strip the path or pass it on.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        [],
        description="Comma-separated web origins whose pages may call the API (CORS), "
        "or * for any; empty (the default) sends no CORS headers.",
    )
    geodata_dir: Path = Field(BUNDLED_GEODATA_DIR, description="Bundled gazetteer and hospitals.")
    image_fonts: Annotated[list[str] | None, NoDecode] = Field(
        None,
        description="Comma-separated font files with Chinese glyphs for share images (preview, "
        "poster), the first found used; unset: Debian's fonts-wqy-microhei or Noto Sans CJK "
        "where installed; empty: none, and the images are drawn in English.",
    )

    # The map page (app/web)
    tiles: str = Field(
        "amap",
        description="Base map: amap (GCJ-02), osm, none (our own outlines), or a tile URL "
        "template with {z}/{x}/{y}.",
    )
    tiles_gcj02: bool = Field(False, description="A custom tile URL is in GCJ-02 (Amap, Tencent).")
    tiles_attribution: str = Field("", max_length=200, description="Credit for a custom tile URL.")

    # Live updates (app/services/events.py, app/api/routes_events.py)
    event_streams: int = Field(
        2000, ge=1, le=100_000, description="Event streams one process holds open at once."
    )
    event_streams_per_client: int = Field(
        8, ge=1, le=1000, description="Event streams one client (address, or IPv6 /64) may hold."
    )
    live_poll_s: int = Field(
        15, ge=1, le=600, description="Seconds between polls of a page that has no event stream."
    )

    # Geocoding (app/geo/geocoders)
    geocoders: Annotated[list[str], NoDecode] = Field(
        ["gazetteer"],
        description=(
            "Comma-separated chain, asked in order: gazetteer, learned, amap, nominatim "
            "(learned is inserted after gazetteer unless named or turned off)."
        ),
    )
    learn_addresses: bool = Field(
        True,
        description="Answer from the addresses learned from the deployment's own verified "
        "points (they are learned either way, so turning this on later answers at once).",
    )
    geocode_enough: PrecisionName = Field(
        "approximate", description="Stop asking once an answer is this precise."
    )
    geocoder_timeout_s: float = Field(5.0, gt=0, le=60, description="Per-request timeout.")
    amap_key: SecretStr | None = Field(None, description="高德 Web service key.")
    amap_url: str = Field("https://restapi.amap.com", description="高德 REST API origin.")
    nominatim_url: str = Field(
        "https://nominatim.openstreetmap.org", description="Nominatim origin."
    )
    amap_qps: float = Field(
        3.0, gt=0, le=1000, allow_inf_nan=False,
        description="Requests a second this process sends Amap: below the key's allowance.",
    )  # fmt: skip
    nominatim_qps: float = Field(
        1.0, gt=0, le=1000, allow_inf_nan=False,
        description="Requests a second this process sends Nominatim (the public one allows 1).",
    )  # fmt: skip
    geocode_threads: int = Field(
        4, ge=1, le=64, description="Threads public requests may hold while a provider answers."
    )
    geocode_client_calls: int = Field(
        20, ge=0, le=100_000,
        description="Provider calls one client address may cause per 10 minutes (cache hits "
        "are free; signed-in tokens get ten times as many, each on its own).",
    )  # fmt: skip
    geocode_cache_days: int = Field(
        30, ge=1, le=365, description="Days a provider's answer is kept and reused."
    )

    # Sources (app/services/sources): teams' documents read again and again
    source_polling: bool = Field(
        True,
        description="Whether aidmap serve runs sources on their intervals (false: only "
        "when run by hand; a replica that should not fetch).",
    )
    source_min_interval_s: int = Field(
        60, ge=1, le=86_400,
        description="Shortest interval at which a source may be read (sources add --every).",
    )  # fmt: skip
    source_allow_private: bool = Field(
        False,
        description="Let sources fetch from private, loopback, link-local and other "
        "non-public addresses (a document server on the same network; tests).",
    )
    source_timeout_s: float = Field(
        30.0, gt=0, le=600, allow_inf_nan=False,
        description="Time one fetch of a source may take, redirects included.",
    )  # fmt: skip
    source_lease_s: float = Field(
        60.0, ge=1, le=3600, allow_inf_nan=False,
        description="How long a replica's hold on a source lasts unless renewed: another "
        "replica takes a source over this long after its holder died.",
    )  # fmt: skip

    # Public filters (app/storage/sql_support.py)
    filter_timeout_s: float = Field(
        2.0, gt=0, le=60, allow_inf_nan=False,
        description="Time one statement of a public read with a filter (CQL2, datetime, a "
        "sort by status time or distance) may take; then 503 query_timeout.",
    )  # fmt: skip

    # Health (app/api/routes_health.py)
    ready_timeout_s: float = Field(
        1.0, gt=0, le=30, allow_inf_nan=False,
        description="Readiness fails unless a worker thread reads the store within this.",
    )  # fmt: skip

    # Observability (app/api/observability.py, app/core/logging.py)
    metrics: bool = Field(True, description="Serve GET /metrics (Prometheus) and count for it.")
    metrics_token: SecretStr | None = Field(
        None, description="When set, GET /metrics needs Authorization: Bearer <token>."
    )
    log_format: Literal["json", "text"] | None = Field(
        None,
        description="aidmap serve's log lines on stderr: one JSON object each, or text. "
        "Unset: text when stderr is a terminal, JSON otherwise.",
    )

    # Serving (app/serving): what aidmap serve grants each connection and each client
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        [],
        description="Comma-separated addresses or networks of the proxies in front; only "
        "their X-Forwarded-For/-Proto are believed. Empty: forwarded headers are ignored.",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        [],
        description="Comma-separated host names (host or host:port) a trusted proxy may "
        "forward in X-Forwarded-Host for links; a name without a port allows any port. "
        "Empty: links never take a forwarded host (set AIDMAP_BASE_URL behind a proxy).",
    )
    header_timeout_s: float = Field(
        10.0,
        gt=0,
        le=300,
        description="Time to send a request's headers, from connecting "
        "or from the previous answer.",
    )
    body_timeout_s: float = Field(
        20.0,
        gt=0,
        le=600,
        description="Time a request body may stall; each "
        "AIDMAP_BODY_MIN_RATE bytes received add a second.",
    )
    body_min_rate: int = Field(1024, gt=0, description="Slowest body accepted, bytes a second.")
    send_timeout_s: float = Field(
        60.0, gt=0, le=3600, description="Time a client may leave an answer unread."
    )
    max_connections: int = Field(
        10_000,
        ge=16,
        description="Open connections of the process (kept below its open-files "
        "limit); above it new ones are refused.",
    )
    workers: Annotated[int, Field(ge=1, le=512)] | Literal["auto"] = Field(
        1,
        description="Processes serving requests ('auto': one per CPU). Each keeps its own "
        "caches; rate limits, claims and sessions are in the store, shared by all.",
    )
    max_connections_per_client: int = Field(
        64,
        ge=1,
        description="Open connections of one client address (an IPv6 /64); a "
        "trusted proxy counts only in the total.",
    )

    @field_validator("geocoders", "cors_origins", "image_fonts", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            parts = urlsplit(origin)
            plain = parts.scheme in {"http", "https"} and parts.netloc and not parts.path
            if origin != "*" and not (plain and not parts.query and not parts.fragment):
                raise ValueError(f"{origin!r} is not an origin like https://example.org, or *")
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        value = cls._split_commas(value)
        for item in value if isinstance(value, list) else []:
            try:
                ipaddress.ip_network(item)
            except (TypeError, ValueError):
                raise ValueError(f"{item!r} is not an IP address or network (10.0.0.0/8)") from None
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_names(cls, value: object) -> object:
        value = cls._split_commas(value)
        for item in value if isinstance(value, list) else []:
            if not HOST_PORT.match(item):
                raise ValueError(f"{item!r} is not a host name or host:port (map.example.org)")
        return [item.lower() for item in value] if isinstance(value, list) else value

    @field_validator("geocoders")
    @classmethod
    def _known_geocoders(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in GEOCODER_NAMES]
        if unknown or not value:
            raise ValueError(
                f"unknown geocoders {unknown}; choose from {', '.join(GEOCODER_NAMES)}"
            )
        return value

    @field_validator("tiles")
    @classmethod
    def _known_tiles(cls, value: str) -> str:
        if value in TILE_PRESETS or (
            value.startswith(("http://", "https://"))
            and all(p in value for p in ["{z}", "{x}", "{y}"])
        ):
            return value
        raise ValueError(f"choose {', '.join(TILE_PRESETS)} or a URL with {{z}}, {{x}} and {{y}}")

    @field_validator("metrics_token")
    @classmethod
    def _long_metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < METRICS_TOKEN_MIN_LENGTH:
            raise ValueError(f"must be at least {METRICS_TOKEN_MIN_LENGTH} characters")
        return value

    @field_validator("base_url", "amap_url", "nominatim_url")
    @classmethod
    def _base_url_is_http(cls, value: str, info: ValidationInfo) -> str:
        if not value and info.field_name == "base_url":
            return value  # unset: links follow the served address (app/api/origin.py)
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("root_path")
    @classmethod
    def _root_path_is_a_path(cls, value: str) -> str:
        cleaned = clean_prefix(value)
        if cleaned is None:
            raise ValueError("must be a path like /aidmap (letters, digits, ._~- segments)")
        return cleaned

    @field_validator("base_url")
    @classmethod
    def _base_url_is_an_origin(cls, value: str) -> str:
        if urlsplit(value).path:
            raise ValueError("must be scheme://host[:port]; a path goes in AIDMAP_ROOT_PATH")
        return value

    @model_validator(mode="after")
    def _client_share_within_total(self) -> Settings:
        if self.event_streams_per_client > self.event_streams:
            raise ValueError("AIDMAP_EVENT_STREAMS_PER_CLIENT is more than AIDMAP_EVENT_STREAMS")
        return self

    @model_validator(mode="after")
    def _database_url_is_usable(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / SQLITE_FILE_NAME}"
        try:
            url = make_url(self.database_url)
        except ArgumentError:
            raise ValueError("AIDMAP_DATABASE_URL is not a database URL") from None
        if url.drivername not in SUPPORTED_DRIVERS:
            raise ValueError(
                f"AIDMAP_DATABASE_URL uses {url.drivername!r}; "
                f"supported: {', '.join(SUPPORTED_DRIVERS)}"
            )
        if "amap" in self.geocoders and not self.amap_key:
            raise ValueError("AIDMAP_GEOCODERS names amap but AIDMAP_AMAP_KEY is not set")
        if url.drivername == "sqlite" and (
            not url.database or url.database == ":memory:" or "memory" in url.query.values()
        ):
            raise ValueError("AIDMAP_DATABASE_URL must name a SQLite file, not memory")
        if self.nearest_index == "database" and url.drivername == "sqlite":
            raise ValueError("AIDMAP_NEAREST_INDEX=database needs a PostGIS database URL")
        if self.max_connections_per_client > self.max_connections:
            raise ValueError("AIDMAP_MAX_CONNECTIONS_PER_CLIENT is above AIDMAP_MAX_CONNECTIONS")
        return self

    @property
    def database_url_safe(self) -> str:
        """The database URL with any password masked, for logs and messages."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    @property
    def backend(self) -> str:
        """Storage backend name derived from the database URL: ``sqlite`` or ``postgis``."""
        return "sqlite" if self.database_url.startswith("sqlite") else "postgis"


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
