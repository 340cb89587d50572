"""One SQLite file seeded with the bundled data per test process, copied where a test needs
a seeded database: seeding takes seconds, a copy milliseconds."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from app.core.config import Settings
from app.services.seeding import ensure_seeded
from app.storage import open_store


def seed(settings: Settings) -> None:
    """Open (creating and migrating) the store of ``settings`` and load the bundled data."""
    store = open_store(settings)
    try:
        ensure_seeded(store, settings.geodata_dir)
    finally:
        store.close()


@functools.cache
def seeded_dir() -> Path:
    """A data dir holding a seeded SQLite file, made on first use, removed at exit."""
    root = Path(tempfile.mkdtemp(prefix="aidmap-seeded-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    seed(Settings(data_dir=root / "data", database_url=""))
    return root / "data"


def copy_seeded(data_dir: Path) -> Path:
    """Make ``data_dir`` (which must not exist) a copy of the seeded data dir."""
    shutil.copytree(seeded_dir(), data_dir)
    return data_dir
