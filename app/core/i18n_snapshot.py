"""The words of the offline map file (``aidmap snapshot``), in Chinese and English.

Ages in the file are ages *at the snapshot* ("updated 3 h before the snapshot"): the file
cannot know how much older they are now, only how old the snapshot itself is, which its
banner says when it is past the status time-to-live.
"""

from __future__ import annotations

SNAPSHOT_STRINGS = {
    "zh": {
        "snapshot_title": "离线快照",
        "taken": "快照时间 {when}",
        "taken_old": "快照时间 {when} · 已超过 {hours} 小时，状态可能已变，"
        "请先打电话或打开在线地图",
        "month_day": "{month}月{day}日 {time}",
        "search_placeholder": "搜索医院名称",
        "no_match": "没有找到",
        "online": "在线地图",
        "online_title": "打开在线地图看最新状态",
        "online_hint": "扫码或打开链接（需要网络）：",
        "tiles_on": "加载在线底图",
        "tiles_off": "隐藏底图",
        "updated_before": "更新于快照前 {span}",
        "updated_at_snapshot": "更新于快照时",
        "span_minutes": "{n} 分钟",
        "span_hours": "{n} 小时",
        "span_days": "{n} 天",
        "out_of_date_then": "快照时已过期",
        "count": "{n} 家医院",
    },
    "en": {
        "snapshot_title": "offline snapshot",
        "taken": "Snapshot taken {when}",
        "taken_old": "Snapshot taken {when} · over {hours} h old: statuses may have changed; "
        "call first, or open the live map",
        "month_day": "{day} {month_name} {time}",
        "search_placeholder": "Search hospitals by name",
        "no_match": "Nothing found",
        "online": "Live map",
        "online_title": "Open the live map for current statuses",
        "online_hint": "Scan the code or open the link (needs the internet):",
        "tiles_on": "Load online tiles",
        "tiles_off": "Hide tiles",
        "updated_before": "updated {span} before the snapshot",
        "updated_at_snapshot": "updated at the snapshot",
        "span_minutes": "{n} min",
        "span_hours": "{n} h",
        "span_days": "{n} days",
        "out_of_date_then": "out of date at the snapshot",
        "count": "{n} hospitals",
    },
}
"""Merged over the map page's words (``STRINGS``) for the file's script."""

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
