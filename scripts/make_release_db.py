"""Make a database with an earlier release's own code, filled so that every table holds rows.

The upgrade test (tests/storage/test_release_upgrade.py) opens what this makes with today's
code and checks that nothing was lost. The release's ``app/`` and ``geodata/`` are taken from
git (``git archive COMMIT``) into a temporary directory, and this file runs again there as
that release (``--fill``, with PYTHONPATH pointing at the extracted tree), so the database is
exactly what the release would have made. The filling uses only the API of release
5587a24 (the last before Alembic); a fixture for a later release may need its own.

Prints the row count per table as JSON.

Usage: python scripts/make_release_db.py COMMIT DATABASE_URL
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    """Extract the release and run ``fill`` under it (or, with ``--fill``, be that run)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", help="The release to make the database with.")
    parser.add_argument("url", help="An empty database (SQLite file or PostGIS) to fill.")
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fill:
        print(json.dumps(fill(args.url), sort_keys=True))
        return
    with tempfile.TemporaryDirectory(prefix="aidmap-release-") as tree:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "--format=tar", args.commit, "app", "geodata"],
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tree, filter="data")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIDMAP_")}
        done = subprocess.run(
            [sys.executable, __file__, args.commit, args.url, "--fill"],
            cwd=tree,
            env=env | {"PYTHONPATH": tree},
            check=True,
            capture_output=True,
            text=True,
        )
        print(done.stdout, end="")


def fill(url: str) -> dict[str, int]:
    """Everything a deployment of the release holds, a little of each; rows per table."""
    from app.storage.base import Role, State, StatusReport  # the release's own module

    import app
    from app.core.config import REPO_GEODATA_DIR, Settings
    from app.services.auth import create_token
    from app.services.seeding import bundled_seed
    from app.storage import open_store

    release = Path(app.__file__).resolve().parents[1]
    assert release == Path.cwd().resolve(), f"running {release}, not the release"
    store = open_store(Settings(database_url=url))
    try:
        store.seed(*bundled_seed(REPO_GEODATA_DIR))
        [service, *_] = store.list_services()
        hospitals = store.list_resources(limit=3)
        for hospital in hospitals:
            report = StatusReport(State.open, "王阿姨", conditions=("需预约",), note="上午")
            written = store.set_status(hospital.id, service.code, report, hospital.version)
        checked = store.history(hospitals[0].id)[0].status.reported_at
        late = StatusReport(State.closed, "李师傅", reported_at=checked - timedelta(hours=2))
        store.set_status(hospitals[0].id, service.code, late, store.get_resource(1).version)
        store.verify_status(written.resource_id, service.code, "核实员")
        store.add_problem_report(hospitals[1].id, service.code, "电话打不通")
        store.add_problem_report(hospitals[2].id, None, "地址有误")
        create_token(store, "志愿者", Role.volunteer)
        revoked, _ = create_token(store, "旧协调员", Role.coordinator)
        store.revoke_token(revoked.id)
        store.create_share({"zoom": 12, "center": [121.474, 31.23]}, lambda: "abcdef")
        store.create_share({"zoom": 15, "nearest": {"lon": 121.5, "lat": 31.2, "k": 3}},
                           lambda: "ghijkl")  # fmt: skip
        answer = {"precision": "approximate", "lon": 121.5, "lat": 31.2}
        store.cache_answer("amap", "a" * 64, answer)
        store.cache_answer("tianditu", "b" * 64, answer | {"precision": "street"})
    finally:
        store.close()
    return _row_counts(url)


def _row_counts(url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, inspect, text
    from sqlalchemy.engine import make_url

    address = make_url(url)
    if address.get_backend_name() == "postgresql":
        address = address.set(drivername="postgresql+psycopg")
    engine = create_engine(address)
    try:
        with engine.connect() as conn:
            names = [n for n in inspect(conn).get_table_names() if n != "spatial_ref_sys"]
            return {n: conn.execute(text(f'SELECT count(*) FROM "{n}"')).scalar() for n in names}
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
