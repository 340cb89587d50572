"""``GET /api/v1/geocode`` says which learned evidence placed a point; the points used
(addresses a taught list may hold) only for a signed-in volunteer."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.api.routes_geocode import evidence_public
from app.domain.enums import LearnedFrom, Role
from app.domain.learned import LearnedPoint
from app.geo.geocoders.base import Evidence, Neighbour
from tests.api.help import bearer

TAUGHT = Evidence(
    "interpolated", 2, 180.0, 360.0, ("taught",),
    (Neighbour("浦电路219号", 121.52, 31.22, "taught"),
     Neighbour("浦电路225号", 121.523, 31.22, "taught")),
)  # fmt: skip
VERIFIED = Evidence(
    "exact", 1, 0.0, None, ("verified",), (Neighbour("浦电路221号", 121.52, 31.22, "verified"),)
)


def test_the_public_gets_the_summary_and_a_volunteer_the_neighbours():
    public = evidence_public(TAUGHT, signed_in=False)
    assert public.neighbours is None and public.points == 2 and public.uncertainty_m == 180
    assert public.summary_zh == "由本地已知地址推算" and not public.verified
    assert public.summary_en == "Estimated from known local addresses"
    volunteer = evidence_public(TAUGHT, signed_in=True)
    assert [n.address for n in volunteer.neighbours] == ["浦电路219号", "浦电路225号"]


def test_verified_is_said_only_of_verified_evidence():
    assert evidence_public(VERIFIED, signed_in=False).summary_zh == "由本地已核实地址推算"
    mixed = Evidence("interpolated", 2, 100.0, 200.0, ("verified", "taught"))
    assert evidence_public(mixed, signed_in=False).summary_zh == "由本地已知地址推算"


def test_an_answer_without_learned_evidence_has_none(client: TestClient):
    answer = client.get("/api/v1/geocode", params={"q": "浦东新区浦电路221号"})
    assert answer.status_code == 200 and answer.json()["evidence"] is None
    assert answer.headers["Vary"] == "Authorization, Cookie"


def test_the_api_answers_from_learned_points(client: TestClient):
    store = client.app.state.context.store
    pudong = next(u for u in store.find_units(level="district") if u.name == "浦东新区")

    def point(number: int, lon: float) -> LearnedPoint:
        return LearnedPoint(
            LearnedFrom.verified, f"浦电路{number}号", pudong.id, lon, 31.2206,
            road="浦电路", house_number=number, house_text=f"{number}号",
        )  # fmt: skip

    store.put_learned([point(211, 121.518), point(231, 121.521)])
    params = {"q": "浦东新区浦电路221号"}
    public = client.get("/api/v1/geocode", params=params).json()
    assert public["provider"] == "learned" and public["precision"] == "approximate"
    assert public["evidence"]["summary_zh"] == "由本地已核实地址推算"
    assert public["evidence"]["neighbours"] is None
    signed_in = client.get("/api/v1/geocode", params=params, headers=bearer(client, Role.volunteer))
    assert len(signed_in.json()["evidence"]["neighbours"]) == 2
