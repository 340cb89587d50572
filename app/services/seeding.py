"""Load the bundled data (services, gazetteer, hospitals) into a new store."""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.geo.gazetteer import (
    ALIASES_FILE,
    DISTRICTS_FILE,
    UNITS_FILE,
    read_aliases,
    read_csv,
    read_units,
)
from app.storage.base import (
    Level,
    NewResource,
    Precision,
    Progress,
    SeedData,
    Service,
    SourceCrs,
    Store,
)

SERVICES_FILE = "services.csv"
HOSPITALS_FILE = "hospitals.csv"
SEED_FILES = (SERVICES_FILE, UNITS_FILE, ALIASES_FILE, DISTRICTS_FILE, HOSPITALS_FILE)
HOSPITAL_SOURCE = "aidmap bundled list (public knowledge, location not verified)"


def read_services(geodata_dir: Path) -> list[Service]:
    """The service list, in display order."""
    return [
        Service(code=row["code"], name_zh=row["name_zh"], name_en=row["name_en"], position=n)
        for n, row in enumerate(read_csv(geodata_dir / SERVICES_FILE))
    ]


def read_hospitals(
    geodata_dir: Path, district_codes: dict[str, str]
) -> list[tuple[NewResource, str]]:
    """Bundled hospitals with their district's code; points are approximate, unverified."""
    hospitals = []
    for row in read_csv(geodata_dir / HOSPITALS_FILE):
        hospital = NewResource(
            kind="hospital",
            ref=row["ref"],
            name=row["name"],
            name_en=row["name_en"] or None,
            aliases=_split(row["aliases"]),
            address=row["address"] or None,
            phones=_split(row["phones"]),
            services=_split(row["services"]),
            lon=float(row["lon"]),
            lat=float(row["lat"]),
            precision=Precision.approximate,
            source_crs=SourceCrs.wgs84,
            location_verified=False,
            source=HOSPITAL_SOURCE,
        )
        hospitals.append((hospital, district_codes[row["district"]]))
    return hospitals


class SeedDataMissing(Exception):
    """A bundled data file is not where the settings say."""


def bundled_seed(geodata_dir: Path) -> tuple[SeedData, str]:
    """Everything in ``geodata_dir`` as seed data, with a version hash of the files."""
    missing = [name for name in SEED_FILES if not (geodata_dir / name).is_file()]
    if missing:
        raise SeedDataMissing(
            f"bundled data not found in {geodata_dir}: {', '.join(missing)} (AIDMAP_GEODATA_DIR)"
        )
    units = read_units(geodata_dir)
    district_codes = {u.name: u.code for u in units if u.level == Level.district}
    data = SeedData(
        services=read_services(geodata_dir),
        units=units,
        aliases=read_aliases(geodata_dir),
        resources=read_hospitals(geodata_dir, district_codes),
    )
    return data, seed_version(geodata_dir)


def seed_version(geodata_dir: Path) -> str:
    """A short hash of the bundled files, recorded in the store when it is seeded."""
    digest = hashlib.sha256()
    for name in SEED_FILES:
        digest.update((geodata_dir / name).read_bytes())
    return digest.hexdigest()[:16]


def ensure_seeded(store: Store, geodata_dir: Path, progress: Progress | None = None) -> bool:
    """Seed a new store from the bundled data; True if it was loaded now."""
    if store.get_meta("seed_version") is not None:
        return False
    data, version = bundled_seed(geodata_dir)
    return store.seed(data, version, progress)


def _split(field: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in field.split("|") if part.strip())
