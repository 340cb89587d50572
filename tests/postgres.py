"""Fresh PostGIS databases on the test server, each a copy of one migrated template.

The server is ``TEST_POSTGRES_URL`` (default: the local PostgreSQL on 127.0.0.1:5432 as
``postgres``, trust auth). Copying a template is much faster than migrating each time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import uuid4

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

SERVER = make_url(
    os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
)


def database_url(name: str) -> str:
    """The URL of database ``name`` on the test server."""
    return SERVER.set(database=name).render_as_string(hide_password=False)


@contextmanager
def admin() -> Iterator:
    """An autocommit connection to the server's maintenance database."""
    engine = create_engine(SERVER, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def server_problem() -> str | None:
    """Why no test database can be made, or None when the server answers."""
    try:
        with admin() as conn:
            conn.execute(text("SELECT 1"))
    except ImportError as exc:  # the optional driver: pip install -e ".[postgis]"
        return f"the PostgreSQL driver is not installed ({exc.name}): pip install -e '.[postgis]'"
    except OperationalError as exc:
        return f"no PostgreSQL at {SERVER.render_as_string()}: {str(exc.orig).strip()[:200]}"
    return None


def create_database(template: str | None = None) -> str:
    """A new, uniquely named database (copied from ``template``); its name."""
    name = f"aidmap_test_{uuid4().hex[:12]}"
    with admin() as conn:
        suffix = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    return name


def drop_database(name: str) -> None:
    """Drop a test database, closing any connection still open to it."""
    with admin() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
