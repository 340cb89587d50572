"""OGC API Features side by side: aidmap (SQLite, PostGIS) and pygeoapi (PostgreSQL, GeoPackage).

The same hospitals (generated as scripts/bench_items.py does, kept in ``--data-dir``) are
served by four servers on loopback, one process each, in the same run:

- aidmap on its SQLite store, and on a fresh PostGIS copy of it (``aidmap serve``);
- pygeoapi (installed with pip into its own virtualenv ``--venv``, made with
  ``--python``, whose sqlite3 must load extensions: Debian's ``/usr/bin/python3``) under
  uvicorn, with its PostgreSQL provider on a PostGIS table ``hospitals`` (id, name,
  address, phones, services, precision, geom with a GiST index) in the same fresh
  database, and its SQLiteGPKG provider on a GeoPackage of the same rows (written with
  SpatiaLite: Debian package ``libsqlite3-mod-spatialite``).

All serve at once. Each is loaded by ``wrk`` (Debian package) for ``--seconds`` with
``--connections`` on items pages of 100 in a random town-sized bbox (0.2°, as QGIS asks
for a view), pages of 100 and of 1,000 at random offsets, single items at random ids and
pages of 100 selected by a CQL2 filter (``name LIKE '医院123%'``, a random number: the
generated names are 医院<n>, so ~111 match, found by a scan on every server), server
after server, ``--rounds`` times over: on a machine that
other work shares, a burst of it then falls on every server alike. With
``--baseline-root DIR`` (another checkout, e.g. the main branch's), that checkout's
aidmap serves both stores too, in the same run: before and after side by side.
Printed: the medians over the rounds of answers (2xx) per second, p50, p99, p99/p50 and
non-2xx per server and path, and each rate against pygeoapi PostgreSQL's (the fastest outside
server in the issue's comparison). aidmap lets one client address compute two public
reads at once and queue 14 more (``api/load_limits.py``), so from 16 connections on it
answers some requests 429 or 503 at once: those count as non-2xx, not as answers.

Usage: python scripts/bench_pygeoapi.py [--hospitals 100000] [--data-dir DIR]
       [--seconds 5] [--connections 8] [--venv /tmp/pygeoapi-venv]
       [--python /usr/bin/python3] [--postgres postgresql+psycopg://postgres@127.0.0.1/postgres]
       [--baseline-root /work/main] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
from bench_items import store_dir
from bench_nearest import wrk
from bench_read_load import drop, postgis_copy
from bench_serving import ROOT, free_port, serving, stop
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.core.config import Settings
from app.geo.extent import SHANGHAI_BBOX

PYGEOAPI_PACKAGES = ["pygeoapi", "psycopg2-binary", "SQLAlchemy", "GeoAlchemy2", "pygeofilter",
                     "uvicorn", "starlette"]  # fmt: skip
ROWS = "SELECT id, name, address, phones, services, precision, lon, lat FROM resources " \
       "WHERE kind = 'hospital' ORDER BY id"  # fmt: skip
GPKG_WRITER = textwrap.dedent("""
    import sqlite3, sys
    source, target = sys.argv[1], sys.argv[2]
    rows = sqlite3.connect(source).execute(sys.argv[3]).fetchall()
    out = sqlite3.connect(target)
    out.enable_load_extension(True)
    out.load_extension("mod_spatialite")
    out.execute("SELECT gpkgCreateBaseTables()")
    out.execute("PRAGMA application_id = 1196444487")
    out.execute("PRAGMA user_version = 10200")
    out.execute("CREATE TABLE hospitals (id INTEGER PRIMARY KEY, name TEXT, address TEXT, "
                "phones TEXT, services TEXT, precision TEXT, geom BLOB)")
    out.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                "VALUES ('hospitals', 'features', 'hospitals', 4326)")
    out.execute("INSERT INTO gpkg_geometry_columns VALUES "
                "('hospitals', 'geom', 'POINT', 4326, 0, 0)")
    out.executemany("INSERT INTO hospitals VALUES (?, ?, ?, ?, ?, ?, "
                    "AsGPB(MakePoint(?, ?, 4326)))", rows)
    out.commit()
    print(len(rows))
""")
PAGE_SCRIPT = """
math.randomseed(7)
request = function()
  return wrk.format("GET", string.format("{path}?limit={limit}&offset=%d",
                    math.random(0, {last})))
end
"""
BBOX_SCRIPT = """
math.randomseed(7)
request = function()
  local lon = {west} + math.random() * ({east} - {size} - {west})
  local lat = {south} + math.random() * ({north} - {size} - {south})
  return wrk.format("GET", string.format("{path}?limit=100&bbox=%.4f,%.4f,%.4f,%.4f",
                    lon, lat, lon + {size}, lat + {size}))
end
"""
BBOX_SIZE = 0.2
"""Degrees on a side of the random boxes (about 20 km: a town, as bench_load asks)."""
FILTER_SCRIPT = """
math.randomseed(7)
request = function()
  return wrk.format("GET", string.format("{path}?limit=100&filter-lang=cql-text&filter={like}",
                    math.random(100, 999)))
end
"""
LIKE = quote("name LIKE '医院{n}%'", safe="{}").replace("%", "%%").replace("{n}", "%d")
"""The filter, percent-encoded for a Lua format string (``%d`` the number); its language
by the draft's name ``cql-text``, the only text one pygeoapi 0.21 takes (aidmap takes
it as ``cql2-text``, as GDAL 3.6 sends it)."""
ITEM_SCRIPT = """
math.randomseed(7)
request = function()
  return wrk.format("GET", string.format("{path}/%d", math.random({first}, {final})))
end
"""


def pygeoapi_venv(venv: Path, python: str) -> Path:
    """The virtualenv's interpreter, with pygeoapi installed from the package registry."""
    interpreter = venv / "bin" / "python"
    if not interpreter.exists():
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(interpreter), "-c", "import pygeoapi, uvicorn, psycopg2"],
                           capture_output=True, check=False)  # fmt: skip
    if probe.returncode != 0:
        print(f"installing pygeoapi into {venv} …", flush=True)
        subprocess.run([str(interpreter), "-m", "pip", "install", "-q", *PYGEOAPI_PACKAGES],
                       check=True)  # fmt: skip
    version = subprocess.run(
        [str(interpreter), "-c", "import pygeoapi; print(pygeoapi.__version__)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    print(f"pygeoapi {version} in {venv}")
    return interpreter


def postgis_table(url: str, sqlite_file: Path) -> None:
    """The hospitals as a plain PostGIS table for pygeoapi, in the database at ``url``;
    then the whole database vacuumed and analysed (aidmap's copy too), as autovacuum
    would soon leave it: a count on a table never vacuumed reads every row's page."""
    import sqlite3

    rows = sqlite3.connect(sqlite_file).execute(ROWS).fetchall()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "CREATE TABLE hospitals (id integer PRIMARY KEY, name text, address text, "
            "phones text, services text, precision text, geom geometry(Point, 4326))"
        ))  # fmt: skip
        conn.execute(
            text("INSERT INTO hospitals VALUES (:id, :name, :address, :phones, :services, "
                 ":precision, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
            [dict(zip(("id", "name", "address", "phones", "services", "precision", "lon", "lat"),
                      row, strict=True)) for row in rows],
        )  # fmt: skip
        conn.execute(text("CREATE INDEX hospitals_geom ON hospitals USING gist (geom)"))
    engine.dispose()
    vacuum = create_engine(url, isolation_level="AUTOCOMMIT")
    with vacuum.connect() as conn:  # as autovacuum would leave both servers' tables
        conn.execute(text("VACUUM ANALYZE"))
    vacuum.dispose()


def pygeoapi_config(work: Path, port: int, url: str, gpkg: Path) -> Path:
    """A pygeoapi configuration with both collections; its OpenAPI document beside it."""
    database = make_url(url)
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port}, "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8",
            "languages": ["en-US"], "limits": {"default_items": 10, "max_items": 1000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    "attribution": "OSM"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "bench", "description": "bench", "keywords": ["x"],
                               "keywords_type": "theme", "terms_of_service": "none",
                               "url": "http://example.org"},
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "http://example.org"},
            "contact": {"name": "bench", "url": "http://example.org", "email": "x@example.org"},
        },
        "resources": {
            name: {
                "type": "collection", "title": name, "description": name, "keywords": ["x"],
                "extents": {"spatial": {"bbox": [120.85, 30.67, 122.2, 31.88],
                                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
                "links": [], "providers": [provider],
            }
            for name, provider in {
                "hospitals_pg": {
                    "type": "feature", "name": "PostgreSQL", "id_field": "id",
                    "table": "hospitals", "geom_field": "geom",
                    "data": {"host": database.host or "127.0.0.1",
                             "port": database.port or 5432, "dbname": database.database,
                             "user": database.username or "postgres",
                             "password": database.password or ""},
                },
                "hospitals_gpkg": {
                    "type": "feature", "name": "SQLiteGPKG", "id_field": "id",
                    "table": "hospitals", "data": str(gpkg),
                },
            }.items()
        },
    }  # fmt: skip
    path = work / "pygeoapi.yml"
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


@contextmanager
def pygeoapi_serving(interpreter: Path, config: Path, port: int, log: Path):
    """pygeoapi's Starlette app under one uvicorn process until the block ends; its URL."""
    openapi = config.with_name("openapi.yml")
    env = os.environ | {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
    with log.open("w") as out:
        made = subprocess.run(
            [str(interpreter.parent / "pygeoapi"), "openapi", "generate", str(config),
             "--output-file", str(openapi)],
            env=env, stdout=out, stderr=subprocess.STDOUT, check=False,
        )  # fmt: skip
        if made.returncode != 0:
            raise SystemExit(f"pygeoapi openapi generate failed:\n{log.read_text()[-3000:]}")
        process = subprocess.Popen(
            [str(interpreter), "-m", "uvicorn", "pygeoapi.starlette_app:APP", "--host",
             "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise SystemExit(f"pygeoapi exited:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/collections", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("pygeoapi did not answer within 120 s")
            time.sleep(0.2)
        yield base
    finally:
        stop(process)


def scripts_for(path: str, ids: tuple[int, int, int]) -> dict[str, str]:
    """wrk scripts for pages of 100 in random boxes within Shanghai, pages of 100 and
    1,000 at random offsets, single items at random ids and pages of 100 by a CQL2 name
    filter (``ids``: how many hospitals, and a range of ids that are all hospitals)."""
    total, first, final = ids
    west, south, east, north = SHANGHAI_BBOX
    return {
        "items?bbox&limit=100": BBOX_SCRIPT.format(
            path=path, west=west, south=south, east=east, north=north, size=BBOX_SIZE
        ),
        "items?limit=100": PAGE_SCRIPT.format(path=path, limit=100, last=total - 100),
        "items?limit=1000": PAGE_SCRIPT.format(path=path, limit=1000, last=total - 1000),
        "items/{id}": ITEM_SCRIPT.format(path=path, first=first, final=final),
        "items?filter&limit=100": FILTER_SCRIPT.format(path=path, like=LIKE),
    }


def measure(servers: dict[str, tuple[str, str]], ids, work: Path, args) -> dict[str, dict]:
    """Each path on every server in turn, ``--rounds`` times over (so a burst of other
    work on the machine falls on all of them alike); the median of each figure."""
    samples: dict[str, dict[str, list[dict]]] = {label: {} for label in servers}
    for _ in range(args.rounds):
        for label, (base, path) in servers.items():
            for kind, script in scripts_for(path, ids).items():
                answered(base + path)  # behind what the last load left queued
                lua = work / "load.lua"
                lua.write_text(script)
                result = wrk(base, args.seconds, args.connections, lua)
                samples[label].setdefault(kind, []).append(result)
    return {
        label: {
            kind: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            for kind, runs in by_kind.items()
        }
        for label, by_kind in samples.items()
    }


def answered(url: str, tries: int = 5) -> None:
    """Wait until ``url`` answers 200: the previous load's queue may still be draining
    (pygeoapi's GeoPackage provider answered 500 once right after one). aidmap keeps
    computing the requests wrk left queued when it stopped, and counts them against the
    address, so the next load from it met thousands of instant 429s (whose few-ms
    "latency" made a p50) until they drained: this request waits behind them."""
    for n in range(tries):
        status = httpx.get(url, params={"limit": 1}, timeout=60).status_code
        if status == 200:
            return
        print(f"  {url} answered {status}; again in {2**n} s", flush=True)
        time.sleep(2**n)
    raise SystemExit(f"{url} did not answer 200 in {tries} tries")


def main() -> None:
    """Generate (or reuse), load the copies, serve each, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hospitals", type=int, default=100_000)
    parser.add_argument("--data-dir", help="keep the generated store here, reuse it next time")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--venv", type=Path, default=Path("/tmp/pygeoapi-venv"))
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1/postgres")
    parser.add_argument("--baseline-root", type=Path, help="another checkout to serve too")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    interpreter = pygeoapi_venv(args.venv, args.python)
    with ExitStack() as stack:
        data_dir = store_dir(stack, args)
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        sqlite_file = data_dir / "aidmap.sqlite3"
        gpkg = work / "hospitals.gpkg"
        subprocess.run([str(interpreter), "-c", GPKG_WRITER, str(sqlite_file), str(gpkg), ROWS],
                       check=True, capture_output=True)  # fmt: skip
        name, url = postgis_copy(Settings(data_dir=data_dir, database_url=""), args.postgres)
        stack.callback(drop, args.postgres, name)
        postgis_table(url, sqlite_file)
        import sqlite3

        total, last = (
            sqlite3.connect(sqlite_file)
            .execute("SELECT count(*), max(id) FROM resources WHERE kind = 'hospital'")
            .fetchone()
        )
        ids = (total, last - total // 2, last)  # the generated ones, after the bundled data
        print(f"{total:,} hospitals in SQLite, PostGIS ({name}) and a GeoPackage; "
              f"wrk -t2 -c{args.connections} -d{args.seconds}s each, medians of "
              f"{args.rounds} rounds", flush=True)  # fmt: skip
        port = free_port()
        config = pygeoapi_config(work, port, url, gpkg)
        base = stack.enter_context(
            pygeoapi_serving(interpreter, config, port, work / "pygeoapi.log")
        )
        servers = {
            "pygeoapi PostgreSQL": (base, "/collections/hospitals_pg/items"),
            "pygeoapi GeoPackage": (base, "/collections/hospitals_gpkg/items"),
        }
        roots = {"": ROOT} | ({" (baseline)": args.baseline_root} if args.baseline_root else {})
        for suffix, root in roots.items():
            for env, label in (({}, "aidmap SQLite"),
                               ({"AIDMAP_DATABASE_URL": url}, "aidmap PostGIS")):  # fmt: skip
                log = work / f"aidmap-{len(servers)}.log"
                base = stack.enter_context(serving(data_dir, log, env, root=root))
                servers[label + suffix] = (base, "/ogc/collections/hospitals/items")
        results = measure(servers, ids, work, args)

    def answered_rate(r: dict) -> float:  # a refusal (aidmap's 429 or 503 when busy) is no answer
        return r["rps"] - r["errors"] / args.seconds

    reference = results["pygeoapi PostgreSQL"]
    for path in reference:
        print(f"{path}:")
        for label, by_path in results.items():
            r = by_path[path]
            print(f"  {label:31s} {answered_rate(r):8,.1f} 2xx/s  p50 {r['p50']:7.1f} ms  p99 "
                  f"{r['p99']:7.1f} ms ({r['p99'] / max(r['p50'], 0.001):4.1f}x p50)  "
                  f"non-2xx {r['errors']:.0f}  "
                  f"{answered_rate(r) / answered_rate(reference[path]):5.2f}x pygeoapi "
                  "PostgreSQL")  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    main()
