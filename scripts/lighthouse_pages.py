"""Lighthouse's mobile performance and accessibility scores of the map (/), the
workspace (/desk), the help form (/help) and a help request's tracking page (/h/…),
against Debian's Chromium.

Serves the bundled data with ``aidmap serve`` on 127.0.0.1 (no tile server), opens a
session as joining an invite does (the workspace needs one), sends a help request (for
its tracking page), and runs ``npx lighthouse``
(from the npm registry on first use) with its default mobile profile (simulated slow 4G,
CPU slowed 4×) on each page, the session cookie sent as a header. Prints each page's scores
(goal ≥ 0.9) and the audits that lost points.

Usage: python scripts/lighthouse_pages.py   (CHROME_PATH defaults to /usr/bin/chromium)
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from bench_serving import serving

from app.core.config import Settings
from app.domain.enums import Role
from app.services.seeding import ensure_seeded
from app.services.sessions import create_invite, join
from app.storage import open_store

PAGES = {"map": "/", "desk": "/desk", "help": "/help"}
HELP_REQUEST = {"service": "dialysis", "location": {"lon": 121.4737, "lat": 31.2304},
                "phone": "13800138000", "consent": True}  # fmt: skip


def session_secret(data_dir: Path) -> str:
    """A verifier's live session, opened as an invite opens one."""
    store = open_store(Settings(data_dir=data_dir, database_url=""))
    now = datetime.now(UTC)
    _, code = create_invite(store, name="灯塔", role=Role.verifier, created_by="bench",
                            lifetime=timedelta(hours=1), uses=1, now=now)  # fmt: skip
    _, secret = join(store, code, now)
    store.close()
    return secret


def lighthouse(url: str, cookie: str, out: Path) -> dict:
    """Run Lighthouse on ``url`` and read its report."""
    env = os.environ | {"CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(
        ["npx", "-y", "lighthouse", url, "--quiet", "--output=json", f"--output-path={out}",
         "--only-categories=performance,accessibility",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
         f"--extra-headers={json.dumps({'Cookie': f'aidmap_session={cookie}'})}"],
        check=True, env=env,
    )  # fmt: skip
    return json.loads(out.read_text(encoding="utf-8"))


def main() -> None:
    """Serve, then score each page."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        settings = Settings(data_dir=data, database_url="")
        store = open_store(settings)
        ensure_seeded(store, settings.geodata_dir)
        store.close()
        secret = session_secret(data)
        with serving(data, data / "serve.log", {"AIDMAP_TILES": "none",
                                                "AIDMAP_BASE_URL": "{base}"}) as base:  # fmt: skip
            asked = httpx.post(f"{base}/api/v1/help-requests", json=HELP_REQUEST)
            asked.raise_for_status()
            tracking = {"tracking": urlsplit(asked.json()["tracking_url"]).path}
            for name, path in (PAGES | tracking).items():
                report = lighthouse(base + path, secret, Path(tmp) / f"{name}.json")
                scores = {k: c["score"] for k, c in report["categories"].items()}
                lost = [a["id"] for a in report["audits"].values()
                        if a.get("score") is not None and a["score"] < 0.9
                        and a.get("scoreDisplayMode") in ("binary", "numeric")]  # fmt: skip
                print(
                    f"{name:8s} performance {scores['performance']:.2f}  accessibility "
                    f"{scores['accessibility']:.2f}  lost points: {', '.join(lost) or 'none'}"
                )


if __name__ == "__main__":
    main()
