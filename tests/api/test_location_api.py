"""Placing a hospital's point: coordinates in each system, Amap and Baidu links and share
texts (written from the providers' documented URL forms), and precise 422s for short
links, swapped or distant points; the old point stays in the location history."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from app.domain.enums import Role
from app.geo.crs import from_wgs84
from app.services.auth import create_token

RUIJIN = (121.4684, 31.2117)
"""A WGS-84 point near 瑞金医院 (the test's truth); the samples below carry its GCJ-02 or
BD-09 form as the apps would."""
GCJ = from_wgs84(*RUIJIN, "gcj02")
BD = from_wgs84(*RUIJIN, "bd09")


def bearer(client: TestClient, role: Role, name: str = "核实员") -> dict[str, str]:
    _, secret = create_token(client.app.state.context.store, name, role)
    return {"Authorization": f"Bearer {secret}"}


def place(client: TestClient, body: dict, headers: dict, rid: int = 1, **extra):
    tag = client.get(f"/api/v1/resources/{rid}").headers["ETag"]
    return client.put(f"/api/v1/resources/{rid}/location", json=body,
                      headers=headers | {"If-Match": tag} | extra)  # fmt: skip


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(a[1]))
    return math.hypot(dx, (a[1] - b[1]) * 110_540)


SAMPLES = {
    "wgs84 coordinates": {"lon": RUIJIN[0], "lat": RUIJIN[1], "crs": "wgs84"},
    "gcj02 coordinates": {"lon": GCJ[0], "lat": GCJ[1], "crs": "gcj02"},
    "bd09 coordinates": {"lon": BD[0], "lat": BD[1], "crs": "bd09"},
    "amap marker": {
        "link": f"https://uri.amap.com/marker?position={GCJ[0]:.6f},{GCJ[1]:.6f}"
        "&name=瑞金医院&src=aidmap&coordinate=gaode&callnative=0"
    },
    "amap marker in wgs84": {
        "link": f"https://uri.amap.com/marker?position={RUIJIN[0]},{RUIJIN[1]}&coordinate=wgs84"
    },
    "amap navigation": {
        "link": f"https://uri.amap.com/navigation?to={GCJ[0]:.6f},"
        f"{GCJ[1]:.6f},瑞金医院&mode=car&callnative=1"
    },
    "amap poi page": {
        "link": f"https://ditu.amap.com/?p=B00155L3KR,{GCJ[1]:.6f},"
        f"{GCJ[0]:.6f},瑞金医院,瑞金二路197号"
    },
    "baidu web": {
        "link": f"https://map.baidu.com/?latlng={BD[1]:.6f},{BD[0]:.6f}"
        "&title=瑞金医院&content=瑞金二路197号&autoOpen=true"
    },
    "baidu marker": {
        "link": f"http://api.map.baidu.com/marker?location={BD[1]:.6f},"
        f"{BD[0]:.6f}&title=瑞金医院&content=急诊&output=html&src=aidmap"
    },
    "baidu marker in gcj02": {
        "link": f"http://api.map.baidu.com/marker?location={GCJ[1]:.6f},"
        f"{GCJ[0]:.6f}&coord_type=gcj02&output=html"
    },
    "share text with a long link": {
        "link": "我在这里：瑞金医院 上海市黄浦区瑞金二路197号 "
        f"https://uri.amap.com/marker?position={GCJ[0]:.6f},"
        f"{GCJ[1]:.6f}"
    },
    "lat,lon text": {"link": f"{RUIJIN[1]}, {RUIJIN[0]}"},
    "lon lat text in gcj02": {"link": f"{GCJ[0]:.6f} {GCJ[1]:.6f}", "crs": "gcj02"},
}


@pytest.mark.parametrize("sample", SAMPLES)
def test_each_form_lands_on_the_same_wgs84_point(client: TestClient, sample: str):
    answer = place(client, SAMPLES[sample], bearer(client, Role.verifier))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert metres((body["lon"], body["lat"]), RUIJIN) < 1.0, body
    assert answer.headers["ETag"] == f'"{body["version"]}"'
    read = client.get("/api/v1/resources/1").json()
    assert (read["precision"], read["location_verified"]) == ("exact", True)
    assert metres((read["lon"], read["lat"]), RUIJIN) < 1.0


BAD = {
    "amap short link": ({"link": "https://surl.amap.com/3sXkYz1abc"}, "short_link"),
    "amap share text": (
        {
            "link": "【高德地图】瑞金医院\n上海市黄浦区瑞金二路197号\n"
            "https://surl.amap.com/2hG8kPq1x0c"
        },
        "short_link",
    ),
    "baidu short link": ({"link": "https://j.map.baidu.com/5a/Xk8"}, "short_link"),
    "amap page without coordinates": (
        {"link": "https://www.amap.com/place/B00155L3KR"},
        "unparseable_link",
    ),
    "words": ({"link": "瑞金医院门口"}, "unparseable_link"),
    "three numbers": ({"link": "31.2, 121.4, 5"}, "unparseable_link"),
    "swapped": ({"lon": RUIJIN[1], "lat": RUIJIN[0], "crs": "wgs84"}, "swapped_coordinates"),
    "swapped in a link": (
        {"link": f"https://uri.amap.com/marker?position={GCJ[1]},{GCJ[0]}"},
        "swapped_coordinates",
    ),
    "Beijing": ({"lon": 116.397, "lat": 39.909, "crs": "gcj02"}, "outside_area"),
    "Beijing by Baidu": ({"link": "https://map.baidu.com/?latlng=39.915,116.404"}, "outside_area"),
    "both forms": ({"lon": 121.4, "lat": 31.2, "link": "x"}, "invalid_request"),
    "half a point": ({"lon": 121.4}, "invalid_request"),
    "unknown crs": ({"lon": 121.4, "lat": 31.2, "crs": "cgcs2000"}, "invalid_request"),
    "not a number": ({"lon": "NaN", "lat": 31.2}, "invalid_request"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_points_are_precise_422s_and_change_nothing(client: TestClient, case: str):
    body, code = BAD[case]
    before = client.get("/api/v1/resources/1").json()
    answer = place(client, body, bearer(client, Role.verifier))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == code
    if code == "short_link":
        assert "long link" in answer.json()["error"]["message"]
    assert client.get("/api/v1/resources/1").json() == before


def test_placing_needs_a_verifier_and_the_current_version(client: TestClient):
    body = SAMPLES["wgs84 coordinates"]
    assert place(client, body, bearer(client, Role.volunteer)).status_code == 403
    verifier = bearer(client, Role.verifier)
    bare = client.put("/api/v1/resources/1/location", json=body, headers=verifier)
    assert bare.status_code == 428
    stale = client.put("/api/v1/resources/1/location", json=body,
                       headers=verifier | {"If-Match": '"99"'})  # fmt: skip
    assert stale.status_code == 412
    assert client.get("/api/v1/resources/1").json()["precision"] == "approximate"


def test_the_old_point_stays_in_the_history_with_who_and_where(client: TestClient):
    before = client.get("/api/v1/resources/1").json()
    verifier = bearer(client, Role.verifier, "核实员")
    answer = place(client, SAMPLES["amap marker"], verifier, **{"X-Aidmap-Source": "workspace"})
    assert answer.status_code == 200 and answer.json()["read_from"] == "amap position"
    [change] = client.get("/api/v1/resources/1/location-history", headers=verifier).json()
    assert (change["old"]["lon"], change["old"]["lat"]) == (before["lon"], before["lat"])
    assert change["old"]["precision"] == before["precision"]
    assert (change["new"]["precision"], change["new"]["source_crs"]) == ("exact", "gcj02")
    assert (change["changed_by"], change["source"]) == ("核实员", "workspace")
    [public] = client.get("/api/v1/resources/1/location-history").json()
    assert public["changed_by"] is None
    items = client.get("/api/v1/verification-queue", headers=verifier,
                       params={"limit": 500}).json()  # fmt: skip
    assert not [i for i in items if i["resource_id"] == 1 and i["service"] is None]
