"""Load the bundled data (services, gazetteer, hospitals) into a new store."""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.domain.enums import Level, Precision, SourceCrs
from app.domain.records import NewResource, SeedData, Service, UnitAlias, UnitRecord
from app.geo.gazetteer import (
    ALIASES_FILE,
    DISTRICTS_FILE,
    UNITS_FILE,
    GazetteerFileError,
    parse_rows,
    read_aliases,
    read_units,
)
from app.storage.meta_keys import MetaKey
from app.storage.port import Progress, StoreAdmin

SERVICES_FILE = "services.csv"
HOSPITALS_FILE = "hospitals.csv"
SEED_FILES = (SERVICES_FILE, UNITS_FILE, ALIASES_FILE, DISTRICTS_FILE, HOSPITALS_FILE)
HOSPITAL_SOURCE = "aidmap bundled list (public knowledge, location not verified)"
HOSPITAL_ATTRIBUTES = ("level",)


def read_services(geodata_dir: Path) -> list[Service]:
    """The service list, in display order."""
    rows = parse_rows(
        geodata_dir / SERVICES_FILE,
        lambda row: (row["code"], row["name_zh"], row["name_en"]),
    )
    return [Service(code, zh, en, position) for position, (code, zh, en) in enumerate(rows)]


def read_hospitals(
    geodata_dir: Path, district_codes: dict[str, str], services: set[str]
) -> list[tuple[NewResource, str]]:
    """Bundled hospitals with their district's code; points are approximate, unverified."""

    def parse(row: dict[str, str]) -> tuple[NewResource, str]:
        district = district_codes.get(row["district"])
        if district is None:
            raise ValueError(f"unknown district {row['district']!r}")
        offered = _split(row["services"])
        if not set(offered) <= services:
            raise ValueError(f"unknown services {sorted(set(offered) - services)}")
        lon, lat = float(row["lon"]), float(row["lat"])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"coordinates out of range: {lon}, {lat}")
        hospital = NewResource(
            kind="hospital",
            ref=row["ref"],
            name=row["name"],
            name_en=row["name_en"] or None,
            aliases=_split(row["aliases"]),
            address=row["address"] or None,
            phones=_split(row["phones"]),
            services=offered,
            lon=lon,
            lat=lat,
            precision=Precision.approximate,
            source_crs=SourceCrs.wgs84,
            location_verified=False,
            source=HOSPITAL_SOURCE,
            attributes={name: row[name] for name in HOSPITAL_ATTRIBUTES if row.get(name)},
        )
        return hospital, district

    return list(parse_rows(geodata_dir / HOSPITALS_FILE, parse))


def bundled_seed(geodata_dir: Path) -> tuple[SeedData, str]:
    """Everything in ``geodata_dir`` as seed data, with a version hash of the files.

    Raises GazetteerFileError naming the file (and row) that is missing or unreadable.
    """
    missing = [name for name in SEED_FILES if not (geodata_dir / name).is_file()]
    if missing:
        raise GazetteerFileError(
            f"bundled data not found in {geodata_dir}: {', '.join(missing)} (AIDMAP_GEODATA_DIR)"
        )
    units = read_units(geodata_dir)
    aliases = read_aliases(geodata_dir)
    services = read_services(geodata_dir)
    data = SeedData(
        services=services,
        units=units,
        aliases=aliases,
        resources=read_hospitals(
            geodata_dir, _district_codes(units, aliases), {s.code for s in services}
        ),
    )
    return data, seed_version(geodata_dir)


def _district_codes(units: list[UnitRecord], aliases: list[UnitAlias]) -> dict[str, str]:
    """District names and their aliases → district code."""
    codes = {u.name: u.code for u in units if u.level == Level.district}
    unknown = [a.alias for a in aliases if a.unit_code not in {u.code for u in units}]
    if unknown:
        raise GazetteerFileError(f"{ALIASES_FILE}: aliases of unknown units: {unknown}")
    return codes | {a.alias: a.unit_code for a in aliases if a.unit_code in codes.values()}


def seed_version(geodata_dir: Path) -> str:
    """A short hash of the bundled files, recorded in the store when it is seeded."""
    digest = hashlib.sha256()
    for name in SEED_FILES:
        digest.update((geodata_dir / name).read_bytes())
    return digest.hexdigest()[:16]


def ensure_seeded(store: StoreAdmin, geodata_dir: Path, progress: Progress | None = None) -> bool:
    """Seed a new store from the bundled data; True if it was loaded now."""
    if store.get_meta(MetaKey.seed_version) is not None:
        return False
    data, version = bundled_seed(geodata_dir)
    return store.seed(data, version, progress)


def _split(field: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in field.split("|") if part.strip())
