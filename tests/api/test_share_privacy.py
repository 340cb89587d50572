"""What a share keeps and shows (issue 13, findings 2 and 5): no typed text anywhere, the
place as we resolve it, positions to ~100 m, and a limit on failed look-ups per address
that answers before the store is asked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text

from app.core.config import Settings
from app.domain.enums import Level, Precision
from app.domain.records import NewResource, UnitMove
from app.services.units import units_named

PHONE = "13800138000"
PHISHING = f"瑞金医院：床位已满，急需透析请拨打 {PHONE} (王主任) 预约\u202e\u200b"
TYPED_WORDS = (PHONE, "王主任", "床位已满", "瑞金医院：")
HOME = (121.4737123, 31.2304567)
"""A requester's position as a phone gives it: 0.1 m, a flat in a building."""
NEAREST = {"lon": HOME[0], "lat": HOME[1], "service": "dialysis"}
VIEW = {"center": list(HOME), "zoom": 15, "service": "dialysis", "nearest": NEAREST}
HIDDEN = "\u202e\u200b"
SHARE_PATHS = ("/s/{}", "/s/{}.txt", "/s/{}/qr.png", "/s/{}/qr.svg", "/s/{}/preview.png")


class HeadTags(HTMLParser):
    """The <title> text and the content of every <meta> with a name or property."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self._in_title = tag == "title"
        if tag == "meta" and (found.get("name") or found.get("property")):
            self.tags[found.get("name") or found["property"]] = found.get("content") or ""

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.tags["title"] = self.tags.get("title", "") + data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


def share(client: TestClient, view: dict) -> str:
    response = client.post("/api/v1/share", json=view)
    assert response.status_code == 201, response.text
    return response.json()["code"]


def shown(client: TestClient, code: str, lang: str = "zh") -> dict[str, str]:
    """Everything a chat or a person reads of a share: its card and its page's head."""
    card = client.get(f"/s/{code}.txt")
    page = client.get(f"/s/{code}", params={"lang": lang})
    assert card.status_code == page.status_code == 200
    return {"card": card.text} | HeadTags(page.text).tags


def stored_views(settings: Settings) -> list[str]:
    """The shares table as the database holds it."""
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text("SELECT view FROM shares")).scalars())
    finally:
        engine.dispose()


def test_typed_text_never_reaches_a_card_a_title_or_the_store(client):
    for lang in ("zh", "en"):
        code = share(client, VIEW | {"lang": lang, "nearest": NEAREST | {"address": PHISHING}})
        texts = shown(client, code, lang)
        for words in TYPED_WORDS:
            assert not any(words in value for value in texts.values()), (words, texts)
        assert set(texts) >= {"title", "og:title", "og:description", "description"}
    code = share(client, VIEW | {"nearest": NEAREST | {"address": PHISHING}})
    assert code == share(client, VIEW)  # the address was dropped, not kept apart
    zh = shown(client, share(client, VIEW))
    assert zh["card"].startswith("黄浦区附近目前没有 12 小时内确认可接诊血透的医院。")
    anywhere = shown(client, share(client, {"center": list(HOME), "zoom": 15, "nearest": NEAREST
                                            | {"service": None}}))  # fmt: skip
    assert (
        anywhere["title"]
        == anywhere["og:title"]
        == "黄浦区附近的医院，由近到远（未选科室，不含接诊状态）"
    )
    en = shown(client, share(client, VIEW | {"lang": "en"}), "en")
    assert en["og:title"].startswith("No hospital near Huangpu (黄浦区) is confirmed open")


def test_a_stored_share_holds_no_address_and_positions_to_three_decimals(client, settings):
    share(client, VIEW | {"nearest": NEAREST | {"address": PHISHING}})
    share(client, VIEW | {"lang": "en"})
    views = stored_views(settings)
    assert len(views) == 2 and not any("address" in view or PHONE in view for view in views)
    for view in map(json.loads, views):
        points = [view["center"], [view["nearest"]["lon"], view["nearest"]["lat"]]]
        assert points == [[121.474, 31.23]] * 2, view


def test_the_place_is_a_street_an_outline_holds_else_the_district_else_none(client):
    store = client.app.state.context.store
    street = units_named(store, "南京东路街道", Level.street)[0]
    ring = [[121.46, 31.22], [121.49, 31.22], [121.49, 31.24], [121.46, 31.24], [121.46, 31.22]]
    outline = {"type": "Polygon", "coordinates": [ring]}
    store.move_units([UnitMove(street.id, 121.475, 31.23, Precision.street, outline)])
    assert shown(client, share(client, VIEW))["card"].startswith("黄浦区南京东路街道附近目前没有")
    english = shown(client, share(client, VIEW | {"lang": "en"}), "en")["card"]
    assert english.startswith("No hospital near 南京东路街道, Huangpu (黄浦区) is confirmed")
    suzhou = {"lon": 120.62, "lat": 31.3}  # in no outline of ours
    far = {"center": [120.62, 31.3], "zoom": 12, "nearest": suzhou}
    assert shown(client, share(client, far))["card"].startswith("分享的位置附近的医院，由近到远")
    assert (
        "Hospitals near the shared location"
        in shown(client, share(client, far | {"nearest": suzhou, "lang": "en"}), "en")["og:title"]
    )


def test_what_a_share_shows_of_our_data_has_no_invisible_or_direction_characters(client):
    odd = client.app.state.context.store.add_resource(NewResource(
        kind="hospital", name=f"瑞金{HIDDEN}医院", lon=121.475, lat=31.231,
        precision=Precision.exact, address=f"瑞金\u2066二路{HIDDEN}197号", phones=("021\u200b-1",),
    ))  # fmt: skip
    texts = shown(client, share(client, {"center": [121.475, 31.231], "zoom": 16,
                                         "resource_id": odd.id}))  # fmt: skip
    assert texts["title"] == "瑞金医院" and "地址：瑞金二路197号" in texts["og:description"]
    assert not any(char in value for value in texts.values() for char in HIDDEN + "\u2066")


@contextmanager
def share_queries() -> Iterator[list[str]]:
    """Every SQL statement about shares that any engine runs meanwhile."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        if "shares" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def test_failed_look_ups_are_limited_per_address_before_the_store_is_asked(client):
    code = share(client, VIEW)
    for _ in range(50):  # a link read in a large group: found codes are never counted
        assert client.get(f"/s/{code}.txt").status_code == 200
    guesses = [path.format(guess) for guess in ("zzzzzz", "2222222", "abc1o0", "ZZZZZ3")
               for path in SHARE_PATHS]  # fmt: skip
    assert [client.get(path).status_code for path in guesses] == [404] * 20
    with share_queries() as asked:
        for path in [path.format(code) for path in SHARE_PATHS] + ["/s/yyyyyy.txt"]:
            refused = client.get(path)
            assert refused.status_code == 429, path
            assert refused.json()["error"]["code"] == "too_many_requests"
            assert 590 <= int(refused.headers["Retry-After"]) <= 600
    assert asked == []
    neighbour = TestClient(client.app, client=("192.0.2.7", 50000))
    assert neighbour.get(f"/s/{code}.txt").status_code == 200
    assert neighbour.get("/s/zzzzzz.txt").status_code == 404


def test_the_limit_is_declared_on_every_share_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/s/{code}.txt", "/s/{code}/qr.png", "/s/{code}/qr.svg", "/s/{code}/preview.png"):
        assert "Retry-After" in paths[path]["get"]["responses"]["429"]["headers"], path
    nearest = client.get("/openapi.json").json()["components"]["schemas"]["NearestShare"]
    assert nearest["properties"]["address"]["deprecated"] is True
