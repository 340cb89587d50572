"""A seeded store, a runner over it and a local document server for the sources' tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.core.config import Settings
from app.domain.sources import SourceKind
from app.geo.geocoders.registry import build_chain
from app.services.sources.fetch import FetchLimits
from app.services.sources.manage import add_source, new_source
from app.services.sources.run import Runner
from app.storage.port import Store
from tests.services.sources.sheet_server import SheetServer

HEADER = "ref,医院名称,区,地址,电话"
ROWS = {
    "ruijin": "上海交通大学医学院附属瑞金医院,黄浦区,瑞金二路197号,021-64370045",
    "renji-west": "上海交通大学医学院附属仁济医院（西院）,黄浦区,山东中路145号,",
    "ninth": "上海交通大学医学院附属第九人民医院,黄浦区,制造局路639号,021-23271699",
    "obgyn-fudan": "复旦大学附属妇产科医院（黄浦院区）,黄浦区,方斜路419号,021-33189900",
    "changzheng": "海军军医大学第二附属医院（上海长征医院）,黄浦区,凤阳路415号,",
    "shuguang-west": "上海中医药大学附属曙光医院（西院）,黄浦区,普安路185号,",
    "huangpu-central": "上海市黄浦区中心医院,黄浦区,四川中路109号,",
    "sixth": "上海市第六人民医院,徐汇区,宜山路600号,021-64369181",
    "longhua": "上海中医药大学附属龙华医院,徐汇区,宛平南路725号,021-64385700",
    "fudan-cancer": "复旦大学附属肿瘤医院,徐汇区,东安路270号,021-64175590",
}
"""Ten bundled hospitals as a team's sheet lists them: as stored, nothing to change."""


def sheet(rows: dict[str, str] | None = None, header: str = HEADER) -> bytes:
    """A hospitals sheet of ``rows`` (ref → the other cells), with a title row above."""
    lines = ["黄浦、徐汇 医院联系表（每日更新）,,,,", header]
    lines += [f"{ref},{cells}" for ref, cells in (ROWS if rows is None else rows).items()]
    return ("\n".join(lines) + "\n").encode()


def with_phone(ref: str, phone: str, rows: dict[str, str] | None = None) -> dict[str, str]:
    """``rows`` with ``ref``'s phone replaced."""
    rows = dict(ROWS if rows is None else rows)
    rows[ref] = rows[ref].rpartition(",")[0] + "," + phone
    return rows


@pytest.fixture
def server() -> Iterator[SheetServer]:
    """A local document server."""
    with SheetServer() as server:
        yield server


@pytest.fixture
def runner(seeded_store: Store, settings: Settings) -> Runner:
    """Runs sources on the seeded store, fetching from any address within 1 s."""
    return Runner(
        seeded_store,
        lambda: build_chain(settings, seeded_store),
        FetchLimits(timeout_s=1.0, allow_private=True),
        lease_s=3,
    )


@pytest.fixture
def add(runner: Runner):
    """``add(name, url, **settings)``: store a hospitals source (another kind if given)."""

    def add(name: str, url: str, kind: SourceKind = SourceKind.hospitals, **values):
        new = new_source(name, url, kind, datetime.now(UTC), every_s=60, **values)
        return add_source(runner.store, new, min_interval_s=1, allow_private=True)

    return add


def hospitals(store: Store) -> list[tuple]:
    """Every hospital as it is stored (id, version, name, phones, source): what a run may
    change, compared whole so that nothing half-applied goes unseen."""
    return [(r.id, r.version, r.name, r.phones, r.source) for r in store.iter_resources()]
