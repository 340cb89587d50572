"""``aidmap sources``: add, list, run (dry and real), show a held plan, approve, drop and
remove, against a document served by the test; errors in one line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_invite_cli import aidmap
from tests.seeded import copy_seeded
from tests.services.sources.conftest import ROWS, sheet, with_phone
from tests.services.sources.sheet_server import Sheet, SheetServer

LOOPBACK = {"AIDMAP_SOURCE_ALLOW_PRIVATE": "true", "AIDMAP_SOURCE_MIN_INTERVAL_S": "1"}


def test_a_source_from_the_command_line(tmp_path: Path):
    data = str(copy_seeded(tmp_path / "data"))
    with SheetServer() as server:
        server.sheets["/h.csv"] = document = Sheet(sheet())
        url = server.url("/h.csv") + "?secret=KEY"

        def sources(*args: str):
            return aidmap("sources", *args, "--data-dir", data, **LOOPBACK)

        added = sources("add", "黄浦", url, "--kind", "hospitals", "--every", "90s")
        assert added.returncode == 0, added.stderr
        assert added.stdout.strip() == "source 黄浦 (hospitals) added: read every 90 s"
        dry = sources("run", "黄浦", "--dry-run")
        assert "黄浦: applied (dry run: nothing written)" in dry.stdout, dry.stderr
        assert json.loads(sources("list", "--json").stdout)[0]["last_outcome"] is None
        ran = json.loads(sources("run", "黄浦", "--json").stdout)
        assert (ran["outcome"], ran["applied"]["unchanged"]) == ("applied", 10)
        rows = ROWS
        for n, ref in enumerate(["ruijin", "ninth", "sixth", "longhua"]):
            rows = with_phone(ref, f"021-5555000{n}", rows)
        document.body = sheet(rows)
        held = sources("run", "黄浦")
        assert "held because: it would change 4 of 10 (40%), more than 30%" in held.stdout
        listed = sources("list")
        assert "黄浦" in listed.stdout and "KEY" not in listed.stdout
        shown = sources("show", "黄浦")
        assert f"url: {url}" in shown.stdout and "held plan: since" in shown.stdout
        assert "aidmap sources approve 黄浦" in shown.stdout
        approved = sources("approve", "黄浦")
        assert "黄浦: applied" in approved.stdout and "changed=4" in approved.stdout
        nothing = sources("drop", "黄浦")
        assert (nothing.returncode, nothing.stderr.splitlines()[0]) == (
            2, "aidmap: error: 黄浦 holds no plan",
        )  # fmt: skip
        assert sources("remove", "黄浦").returncode == 0
        gone = sources("show", "黄浦")
        assert gone.returncode == 2 and "no source '黄浦'" in gone.stderr


def test_sources_add_refuses_bad_settings_in_one_line(tmp_path: Path):
    data = str(copy_seeded(tmp_path / "data"))
    for args, message in [
        (["--every", "5m"], "every 600 s (AIDMAP_SOURCE_MIN_INTERVAL_S)"),
        (["--every", "soon"], "not an interval like 90s"),
        (["--max-change", "2"], "max_change is a fraction"),
    ]:
        refused = aidmap("sources", "add", "x", "https://example.org/x.csv", "--kind",
                         "statuses", *args, "--data-dir", data,
                         AIDMAP_SOURCE_MIN_INTERVAL_S="600")  # fmt: skip
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
    private = aidmap("sources", "add", "x", "http://127.0.0.1/x.csv", "--kind", "statuses",
                     "--data-dir", data)  # fmt: skip
    assert private.returncode == 2 and "not a public address" in private.stderr
