"""Which service a sheet column is about (issue 17): the services' names and the header
aliases of geodata/services.csv."""

from __future__ import annotations

import pytest

from app.core.config import REPO_GEODATA_DIR
from app.domain.records import Service
from app.services.seeding import read_services
from app.services.service_headers import read_header_aliases, service_for_header

SERVICES = read_services(REPO_GEODATA_DIR)
ALIASES = read_header_aliases(REPO_GEODATA_DIR)


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("血透", "dialysis"), ("透析", "dialysis"), ("血液透析", "dialysis"),
        ("血透室", "dialysis"),
        ("血液透析（4/12）", "dialysis"), ("血透 状态", "dialysis"), ("血透接收情况", "dialysis"),
        ("Dialysis", "dialysis"), ("化疗", "oncology"), ("放疗", "oncology"), ("肿瘤", "oncology"),
        ("肿瘤科", "oncology"), ("化疗放疗", "oncology"), ("化疗/放疗", "oncology"),
        ("肿瘤门诊", "oncology"), ("急诊", "emergency"), ("急诊科状态", "emergency"),
        ("ER", "emergency"), ("A&E", "emergency"), ("发热门诊", "fever_clinic"),
        ("发热", "fever_clinic"), ("发热诊室", "fever_clinic"),
        ("发热门诊是否开放", "fever_clinic"),
        ("Fever clinic", "fever_clinic"), ("产科", "maternity"), ("孕产", "maternity"),
        ("妇产科", "maternity"), ("分娩", "maternity"), ("妇产科急诊", "maternity"),
        ("儿科", "pediatrics"), ("儿童急诊", "pediatrics"), ("儿科急诊", "pediatrics"),
        ("普通门诊", "outpatient"), ("门诊", "outpatient"), ("精神科", "psychiatry"),
        ("精神卫生", "psychiatry"), ("Mental Health", "psychiatry"), ("配药", "pharmacy"),
        ("药房", "pharmacy"), ("开药", "pharmacy"), ("配药/药房", "pharmacy"),
        ("ｄｉａｌｙｓｉｓ", "dialysis"),
    ],
)  # fmt: skip
def test_headers_as_teams_write_them(header, code):
    assert service_for_header(header, SERVICES) == code


@pytest.mark.parametrize(
    "header",
    [
        "医院名称", "区", "地址", "更新时间", "备注", "科室", "状态", "发热门诊电话", "急诊备注",
        "门诊时间", "核实人", "急诊/儿科", "", "   ", "fever" + "x", "Referral",
    ],
)  # fmt: skip
def test_other_columns_name_no_service(header):
    assert service_for_header(header, SERVICES) is None


def test_every_alias_names_its_own_service():
    assert set(ALIASES) == {s.code for s in SERVICES}
    for code, aliases in ALIASES.items():
        assert aliases, code
        for alias in aliases:
            assert service_for_header(alias, SERVICES) == code, alias


def test_a_deployments_own_service_is_found_by_its_names(tmp_path):
    dental = Service("dental", "口腔科/牙科", "Dental", 9)
    assert service_for_header("牙科（4/12）", [*SERVICES, dental]) == "dental"
    assert service_for_header("牙科", SERVICES) is None


def test_an_older_services_file_without_aliases_still_reads(tmp_path):
    (tmp_path / "services.csv").write_text(
        "code,name_zh,name_en\ndialysis,血透,Dialysis\n", encoding="utf-8"
    )
    aliases = read_header_aliases(tmp_path)
    assert aliases == {"dialysis": ()}
    assert read_services(tmp_path) == [Service("dialysis", "血透", "Dialysis", 0)]
    assert service_for_header("透析", SERVICES, aliases) is None
    assert service_for_header("血透", SERVICES, aliases) == "dialysis"
