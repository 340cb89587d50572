"""aidmap poster as a volunteer runs it: the share's poster written to a file, its QR code
holding the share's link at AIDMAP_BASE_URL; an unknown code is one error line."""

from __future__ import annotations

from pathlib import Path

import cv2
from PIL import Image

from app.core.config import Settings
from app.services.sharing import ShareView, create_share
from app.storage import open_store
from tests.cli.test_cli import one_error_line, run_aidmap
from tests.seeded import copy_seeded

BASE = {"AIDMAP_BASE_URL": "https://map.example.org"}


def a_share(data_dir: Path) -> str:
    store = open_store(Settings(data_dir=copy_seeded(data_dir), database_url=""))
    try:
        view = ShareView(center=(121.474, 31.23), zoom=15,
                         nearest={"lon": 121.474, "lat": 31.23, "service": "dialysis"})  # fmt: skip
        return create_share(store, view).code
    finally:
        store.close()


def test_the_poster_command_writes_the_shares_poster(tmp_path: Path):
    data_dir, out = tmp_path / "data", tmp_path / "海报.png"
    code = a_share(data_dir)
    written = run_aidmap("poster", "--share", code.upper(), "-o", str(out),
                         "--data-dir", str(data_dir), env=BASE)  # fmt: skip
    assert written.returncode == 0, written.stderr
    link = f"https://map.example.org/s/{code}"
    assert written.stdout == f"wrote {out}: 3 hospitals listed, QR code of {link}\n"
    with Image.open(out) as image:
        assert image.size == (1080, 2340)
    text, points, _ = cv2.QRCodeDetector().detectAndDecode(cv2.imread(str(out)))
    assert points is not None and text == link


def test_an_unknown_share_or_directory_is_one_line(tmp_path: Path):
    data_dir = tmp_path / "data"
    a_share(data_dir)
    line = one_error_line(run_aidmap("poster", "--share", "zzzzzz", "-o", str(tmp_path / "p.png"),
                                     "--data-dir", str(data_dir)))  # fmt: skip
    assert "no share 'zzzzzz'" in line
    nowhere = str(tmp_path / "nowhere" / "p.png")
    assert "no such directory" in one_error_line(
        run_aidmap("poster", "--share", "zzzzzz", "-o", nowhere, "--data-dir", str(data_dir))
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # nothing written
