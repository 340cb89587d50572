"""The words of the page's nearest answer (nearest.js), in Chinese and English.

Headings say what is known: "open or with conditions" only when the list is that, "status
not confirmed" when it is a fallback, no status at all without a service.
"""

from __future__ import annotations

NEAREST_STRINGS = {
    "zh": {
        "heading_open": "接诊{service}的医院（开放或有条件），由近到远：",
        "heading_all": "最近的医院（未选服务，不显示接诊状态）：",
        "heading_fallback": "附近没有已确认接诊{service}的医院。以下医院提供{service}，"
        "但状态未知、已过期或受限：出发前请务必先打电话。",
        "heading_none": "附近没有提供{service}的医院。",
        "only_understood": "只识别到：{place}",
        "district_hint": "地址只识别到区，无法算出距离；下面是该区的医院。"
        "可以用定位，或选择街道和居委会：",
        "use_location": "用我的位置",
        "pick_street": "选择街道",
        "pick_committee": "选择居委会",
        "wider": "扩大范围（显示 {n} 家）",
        "call_first": "先打电话",
        "state_open": "✓ 开放",
        "state_limited": "有条件接诊",
        "state_closed": "暂停接诊",
        "state_unknown": "状态未知",
        "stale_since": "信息已过期（{age}）",
        "note": "志愿者备注（{age}）：",
        "distance_unknown": "距离不详",
        "contacts": "可以打电话问街道/居委会：",
        "unit_none": "—",
    },
    "en": {
        "heading_open": "Hospitals taking {service} patients (open or with conditions), "
        "nearest first:",
        "heading_all": "Nearest hospitals (no service chosen: intake not shown):",
        "heading_fallback": "No hospital nearby is confirmed to take {service} patients. These "
        "offer {service} but their status is unknown, out of date or limited: call before "
        "going.",
        "heading_none": "No hospital nearby offers {service}.",
        "only_understood": "Only understood: {place}",
        "district_hint": "The address was understood only as a district, so distances are "
        "unknown; these are the district's hospitals. Use your location, or pick the street "
        "and committee:",
        "use_location": "Use my location",
        "pick_street": "Pick a street",
        "pick_committee": "Pick a committee",
        "wider": "Search wider ({n} hospitals)",
        "call_first": "call first",
        "state_open": "✓ open",
        "state_limited": "limited",
        "state_closed": "closed",
        "state_unknown": "status unknown",
        "stale_since": "out of date ({age})",
        "note": "Volunteer's note ({age}): ",
        "distance_unknown": "distance unknown",
        "contacts": "Call the street office / residents' committee:",
        "unit_none": "—",
    },
}
