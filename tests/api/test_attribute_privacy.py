"""Imported columns without a field of their own (review 2, finding 5): a volunteer sheet's
联系人 / 联系人手机 / 内部备注 are read by signed-in roles only, never by the public (resource
reads, the list, exports), and the plan says so before anything is applied."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.enums import Role
from app.main import create_app
from app.services.auth import create_token

SHEET = (
    "名称,区,电话,联系人,联系人手机,备注\n"
    "全新医院,黄浦区,021-55559999,志愿者张三,13912345678,内部备注：勿外传\n"
)
PRIVATE = ("志愿者张三", "13912345678", "内部备注")


def test_private_columns_reach_signed_in_roles_only(settings: Settings):
    with TestClient(create_app(settings)) as client:
        secret = create_token(client.app.state.context.store, "协调员", Role.coordinator)[1]
        signed_in = {"Authorization": f"Bearer {secret}"}
        files = {"file": ("list.csv", SHEET.encode())}
        planned = client.post("/api/v1/imports", files=files, headers=signed_in).json()
        notice = (
            "headers not understood, kept as attributes for signed-in roles only (never "
            "public): 联系人, 联系人手机, 备注; fields are read from headers such as 名称, 区, "
            "街道, 居委会, 地址, 电话, 经度/纬度 or 地图链接, 可接诊科室"
        )
        assert notice in planned["notices"]
        applied = client.post(
            "/api/v1/imports", params={"dry_run": "false"}, files=files, headers=signed_in
        )
        assert applied.status_code == 200, applied.text
        listed = client.get("/api/v1/resources", params={"kind": "hospital", "limit": 500})
        [added] = [r for r in listed.json() if r["name"] == "全新医院"]
        path = f"/api/v1/resources/{added['id']}"

        public = [
            client.get(path).text,
            client.get("/api/v1/resources", params={"kind": "hospital", "limit": 500}).text,
            client.get("/api/v1/exports/hospitals.csv").text,
            client.get("/api/v1/exports/hospitals.geojson").text,
        ]
        for text in public:
            assert not [word for word in PRIVATE if word in text]
        assert client.get(path).json()["attributes"] == {}
        assert '"level"' in public[1]  # the bundled grade stays public

        read = client.get(path, headers=signed_in)
        assert read.json()["attributes"]["联系人手机"] == "13912345678"
        assert read.headers["Cache-Control"] == "private"
        export = client.get("/api/v1/exports/hospitals.csv", headers=signed_in)
        assert "13912345678" in export.text and export.headers["Cache-Control"] == "private"
        assert "Authorization" in export.headers["Vary"]
