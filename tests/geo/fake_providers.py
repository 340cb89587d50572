"""Local stand-ins for Amap's v3 geocoder and Nominatim's /search, built from the dev rows.

Each server listens on 127.0.0.1 (a free port), records every request in ``requests`` and
answers from the ``dev`` rows of ``addresses.csv``: Amap with the row's GCJ-02 point, Nominatim
with its WGS-84 point. Magic addresses (after the leading 上海市) trigger error modes:

=============  ==============================================================
``超时``        no answer for ``SLOW_S`` seconds (beyond any client timeout)
``限额``        Amap DAILY_QUERY_OVER_LIMIT; Nominatim HTTP 429
``错误码NNNNN``  Amap status "0" with that infocode (Amap only)
``坏JSON``      HTTP 200 with an HTML body
``500``         HTTP 500
``外省``        a house-level answer in 江苏省
``只到市``      an answer at city level only
``只到区``      an answer at district level (浦东新区)
``街道级``      an answer at street/town level (潍坊新村街道)
``两处``        Amap: two geocodes (the first two rows)
=============  ==============================================================

The Amap key ``BAD_KEY`` gives INVALID_USER_KEY; the Nominatim user agent ``BAD_KEY`` gives 403.
``delay_s`` makes every answer wait (a slow provider); ``FakeAmap(rows, per_second=5)`` answers
"too frequent" (infocode 10021) to a request that would be the sixth within one second, as
Amap's per-key QPS limit does, and counts those in ``refused``.
Use the servers as context managers: leaving stops them and joins every handler thread.
"""

from __future__ import annotations

import csv
import json
import re
import threading
import time
import zlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

BAD_KEY = "bad-key"
SLOW_S = 5.0
POLL_S = 0.02  # how often serve_forever looks for a shutdown request
CITY = "上海市"
AMAP_PATH = "/v3/geocode/geo"
NOMINATIM_PATH = "/search"
SHANGHAI = {"city": CITY, "ISO3166-2-lvl4": "CN-SH", "country": "中国", "country_code": "cn"}

AMAP_INFO = {
    "10001": "INVALID_USER_KEY",
    "10003": "DAILY_QUERY_OVER_LIMIT",
    "10004": "ACCESS_TOO_FREQUENT",
    "10009": "USERKEY_PLAT_NOMATCH",
    "10010": "IP_QUERY_OVER_LIMIT",
    "10014": "QPS_HAS_EXCEEDED_THE_LIMIT",
    "10019": "CQPS_HAS_EXCEEDED_THE_LIMIT",
    "10020": "CKQPS_HAS_EXCEEDED_THE_LIMIT",
    "10021": "CUQPS_HAS_EXCEEDED_THE_LIMIT",
    "10044": "USER_DAILY_QUERY_OVER_LIMIT",
    "10045": "USER_ABROAD_DAILY_QUERY_OVER_LIMIT",
    "20000": "INVALID_PARAMS",
    "20003": "UNKNOWN_ERROR",
}
_INFOCODE = re.compile(r"错误码(\d{5})")
_HOUSE = re.compile(r"^(?P<road>\D+?)(?P<number>\d[\d\-]*号)$")


@dataclass(frozen=True, slots=True)
class DevRow:
    """One ``dev`` row of addresses.csv: the address and its point in WGS-84 and GCJ-02."""

    district: str
    address: str
    street: str
    wgs84: tuple[float, float]
    gcj02: tuple[float, float]


def read_dev_rows(eval_dir: Path) -> list[DevRow]:
    """The ``dev`` rows of ``eval_dir/addresses.csv``; no other row is kept."""
    with (eval_dir / "addresses.csv").open(encoding="utf-8", newline="") as handle:
        return [
            DevRow(
                district=row["district"],
                address=row["address"],
                street=row["street"],
                wgs84=(float(row["wgs84_lng"]), float(row["wgs84_lat"])),
                gcj02=(float(row["gcj02_lng"]), float(row["gcj02_lat"])),
            )
            for row in csv.DictReader(handle)
            if row["split"] == "dev"
        ]


@dataclass(frozen=True, slots=True)
class SeenRequest:
    """A request a fake server received."""

    path: str
    params: dict[str, str]
    headers: dict[str, str]


class _Server(ThreadingHTTPServer):
    """A threading server whose handler threads are joined on close."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, fake: FakeServer, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.fake = fake


class FakeServer:
    """A fake provider on 127.0.0.1 answering from dev rows; a context manager."""

    path: ClassVar[str]

    def __init__(self, rows: Iterable[DevRow], delay_s: float = 0.0) -> None:
        self.rows = list(rows)
        self.delay_s = delay_s
        self._by_text: dict[str, DevRow] = {}
        for row in self.rows:
            self._by_text.setdefault(row.district + row.address, row)
            self._by_text.setdefault(row.address, row)
        self._districts = sorted({row.district for row in self.rows}, key=len, reverse=True)
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._server = _Server(self, _Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL_S}, daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving, wake slow handlers, close every socket and join every thread."""
        self.stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def record(self, seen: SeenRequest) -> None:
        """Remember a request."""
        with self._lock:
            self.requests.append(seen)

    def lookup(self, text: str) -> DevRow | None:
        """The dev row an address text (without 上海市) names, or None."""
        row = self._by_text.get(text)
        if row is None:
            district = next((d for d in self._districts if text.startswith(d)), None)
            if district is not None:
                row = self._by_text.get(text.removeprefix(district))
        return row

    def answer(self, handler: _Handler, seen: SeenRequest) -> None:
        """Answer one request on its path."""
        raise NotImplementedError


class _Handler(BaseHTTPRequestHandler):
    """Routes GETs to the owning fake; answers 404 elsewhere."""

    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        seen = SeenRequest(parts.path, params, {k.lower(): v for k, v in self.headers.items()})
        fake = self.server.fake
        fake.record(seen)
        if fake.delay_s:
            fake.stopping.wait(fake.delay_s)
        if parts.path != fake.path:
            self.send_body(404, b"not found", "text/plain")
            return
        fake.answer(self, seen)

    def send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        """Send a JSON body."""
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_body(status, data, "application/json;charset=UTF-8", headers)

    def send_body(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        """Send a complete response."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


def _common_error(fake: FakeServer, handler: _Handler, text: str) -> bool:
    """Answer the magic addresses both fakes share; True when one was answered."""
    if text == "超时":
        fake.stopping.wait(SLOW_S)  # then close without answering
        return True
    if text == "坏JSON":
        handler.send_body(200, b"<html><body>busy</body></html>", "text/html")
        return True
    if text == "500":
        handler.send_body(500, b"<html><body>Internal Server Error</body></html>", "text/html")
        return True
    return False


def _amap_geocode(
    district: str | list[str],
    address: str,
    location: tuple[float, float],
    level: str,
    *,
    province: str = CITY,
    city: str = CITY,
    township: str | list[str] | None = None,
) -> dict[str, Any]:
    """One geocode in Amap's v3 shape (empty fields are ``[]``)."""
    house = _HOUSE.match(address)
    return {
        "formatted_address": f"{province if province != city else ''}{city}{district or ''}"
        + address,
        "country": "中国",
        "province": province,
        "citycode": "021" if province == CITY else "0512",
        "city": city,
        "district": district,
        "township": township if township is not None else [],
        "neighborhood": {"name": [], "type": []},
        "building": {"name": [], "type": []},
        "adcode": "310000" if province == CITY else "320583",
        "street": house["road"] if house else [],
        "number": house["number"] if house else [],
        "location": f"{location[0]:.6f},{location[1]:.6f}",
        "level": level,
    }


class FakeAmap(FakeServer):
    """Answers ``/v3/geocode/geo`` like Amap's web service, with GCJ-02 locations."""

    path = AMAP_PATH

    def __init__(
        self, rows: Iterable[DevRow], delay_s: float = 0.0, per_second: int | None = None
    ) -> None:
        super().__init__(rows, delay_s)
        self.per_second = per_second
        self.refused = 0
        self._arrivals: deque[float] = deque()

    def too_frequent(self) -> bool:
        """True (and counted) when this request is over ``per_second`` in the last second."""
        if self.per_second is None:
            return False
        with self._lock:
            now = time.monotonic()
            while self._arrivals and self._arrivals[0] <= now - 1.0:
                self._arrivals.popleft()
            self._arrivals.append(now)
            over = len(self._arrivals) > self.per_second
            self.refused += over
            return over

    def answer(self, handler: _Handler, seen: SeenRequest) -> None:
        """Answer one geocode request."""
        if seen.params.get("key", "") in ("", BAD_KEY):
            handler.send_json(200, _amap_error("10001"))
            return
        if self.too_frequent():
            handler.send_json(200, _amap_error("10021"))
            return
        text = seen.params.get("address", "").removeprefix(CITY)
        if _common_error(self, handler, text):
            return
        if text == "限额":
            handler.send_json(200, _amap_error("10003"))
            return
        if match := _INFOCODE.fullmatch(text):
            handler.send_json(200, _amap_error(match[1]))
            return
        handler.send_json(200, _amap_ok(self._geocodes(text)))

    def _geocodes(self, text: str) -> list[dict[str, Any]]:
        """The geocodes for an address text."""
        if text == "外省":
            where = {"province": "江苏省", "city": "苏州市"}
            return [_amap_geocode("昆山市", "前进中路1号", (120.98, 31.38), "门牌号", **where)]
        if text == "只到市":
            return [_amap_geocode([], "", (121.473667, 31.230525), "市", township=[])]
        if text == "只到区":
            return [_amap_geocode("浦东新区", "", (121.544346, 31.221461), "区县")]
        if text == "街道级":
            point = (121.529, 31.226)
            return [_amap_geocode("浦东新区", "", point, "乡镇", township="潍坊新村街道")]
        if text == "两处":
            return [_amap_row(row) for row in self.rows[:2]]
        row = self.lookup(text)
        return [_amap_row(row)] if row is not None else []


def _amap_row(row: DevRow) -> dict[str, Any]:
    """A dev row as Amap would answer it."""
    level = "门牌号" if row.address.endswith("号") else "兴趣点"
    return _amap_geocode(row.district, row.address, row.gcj02, level)


def _amap_ok(geocodes: list[dict[str, Any]]) -> dict[str, Any]:
    """A successful Amap answer."""
    return {
        "status": "1",
        "info": "OK",
        "infocode": "10000",
        "count": str(len(geocodes)),
        "geocodes": geocodes,
    }


def _amap_error(infocode: str) -> dict[str, str]:
    """A failed Amap answer."""
    return {"status": "0", "info": AMAP_INFO.get(infocode, "UNKNOWN_ERROR"), "infocode": infocode}


class FakeNominatim(FakeServer):
    """Answers ``/search`` like Nominatim (format json, address details), in WGS-84."""

    path = NOMINATIM_PATH

    def answer(self, handler: _Handler, seen: SeenRequest) -> None:
        """Answer one search."""
        if seen.headers.get("user-agent") == BAD_KEY:
            handler.send_body(403, b"<html><body>Access blocked</body></html>", "text/html")
            return
        text = seen.params.get("q", "").removeprefix(CITY)
        if _common_error(self, handler, text):
            return
        if text == "限额":
            headers = {"Retry-After": "60"}
            handler.send_body(429, b"Too Many Requests", "text/html", headers)
            return
        handler.send_json(200, self._places(text))

    def _places(self, text: str) -> list[dict[str, Any]]:
        """The places for a query text."""
        if text == "外省":
            address = {"road": "前进中路", "city": "昆山市", "state": "江苏省"}
            address |= {"ISO3166-2-lvl4": "CN-JS", "country": "中国", "country_code": "cn"}
            return [_place("前进中路1号", (120.98, 31.38), "place", "house", "house", address)]
        if text == "只到市":
            return [_place(CITY, (121.47, 31.23), "boundary", "administrative", "city", SHANGHAI)]
        if text == "只到区":
            address = {"city_district": "浦东新区", **SHANGHAI}
            kind = ("boundary", "administrative", "city_district")
            return [_place("浦东新区", (121.54, 31.22), *kind, address)]
        row = self.lookup(text)
        return [_nominatim_row(row)] if row is not None else []


def _place(
    name: str,
    point: tuple[float, float],
    klass: str,
    kind: str,
    addresstype: str,
    address: dict[str, str],
) -> dict[str, Any]:
    """One Nominatim result in ``format=json`` shape; lat and lon are strings."""
    lon, lat = point
    parts = [name, *(v for k, v in address.items() if k not in ("country_code", "ISO3166-2-lvl4"))]
    return {
        "place_id": zlib.crc32(name.encode()),
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "node",
        "osm_id": zlib.crc32(name[::-1].encode()),
        "lat": f"{lat:.7f}",
        "lon": f"{lon:.7f}",
        "class": klass,
        "type": kind,
        "place_rank": 30,
        "importance": 0.1,
        "addresstype": addresstype,
        "name": name,
        "display_name": ", ".join(parts),
        "address": address,
        "boundingbox": [f"{v:.7f}" for v in (lat - 1e-4, lat + 1e-4, lon - 1e-4, lon + 1e-4)],
    }


def _nominatim_row(row: DevRow) -> dict[str, Any]:
    """A dev row as Nominatim would answer it."""
    house = _HOUSE.match(row.address)
    details = {"house_number": house["number"], "road": house["road"]} if house else {}
    address = {**details, "suburb": row.street, "city_district": row.district, **SHANGHAI}
    if row.address.endswith("号"):
        return _place(row.address, row.wgs84, "place", "house", "house", address)
    return _place(row.address, row.wgs84, "building", "yes", "building", address)
