"""The page's words in Chinese (the default) and English, and which one a request gets."""

from __future__ import annotations

from app.web.i18n_nearest import NEAREST_STRINGS

LANGUAGES = ("zh", "en")

STRINGS = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "上海互助就医地图",
        "description": "附近哪家医院现在能接诊：血透、肿瘤、急诊、发热门诊、产科。",
        "service": "服务",
        "all_services": "全部医院",
        "near_me": "离我最近",
        "locate": "我的位置",
        "address_placeholder": "输入地址或居委会，如：闵行区塘口村",
        "search": "查找",
        "searching": "正在查找…",
        "locating": "正在定位…",
        "locate_failed": "无法获取位置，请输入地址。",
        "address_not_found": "找不到这个地址，请写上区和街道。",
        "address_choose": "地址里没有区。您是指哪里？",
        "address_not_chinese": "请用中文输入地址，如：浦东新区浦电路221号；或点“离我最近”。",
        "open": "开放",
        "limited": "有限接诊",
        "closed": "暂停",
        "unknown": "未知",
        "updated": "更新于",
        "ago_minutes": "{n} 分钟前",
        "ago_hours": "{n} 小时前",
        "ago_days": "{n} 天前",
        "just_now": "刚刚",
        "never_reported": "尚无人报告",
        "verified": "已核实",
        "amap": "高德",
        "baidu": "百度",
        "geo": "地图应用",
        "approximate": "位置为大致位置，未经核实",
        "district_level": "仅知道所在区/街道，位置不准确",
        "report_problem": "报告错误",
        "report_placeholder": "哪里不对？例如：电话打不通、已停诊",
        "send": "提交",
        "sent": "已提交，志愿者会核实。谢谢！",
        "failed": "提交失败，请稍后再试。",
        "share": "分享",
        "share_title": "分享此视图",
        "copy_link": "复制链接",
        "copy_text": "复制文字",
        "copied": "已复制",
        "close": "关闭",
        "committees": "居委会/村委会",
        "hospitals": "医院",
        "search_units": "搜索居委会、街道",
        "no_units_found": "没有找到",
        "base_amap": "高德地图",
        "base_osm": "OpenStreetMap",
        "base_custom": "自定义底图",
        "base_none": "无底图（区/街道轮廓）",
        "tiles_failed": "底图无法加载，已切换为区/街道轮廓。",
        "hollow_means": "空心 = 位置不精确",
        "faded_means": "淡色 = 信息过期",
        "live": "实时更新",
        "polling": "每 {n} 秒更新",
        "connecting": "正在连接…",
        "reconnecting": "连接中断，正在重连…",
        "language": "English",
        "too_many": "此范围内医院太多，请放大查看。",
        "condition_names": {
            "negative_test_48h": "需48小时核酸阴性",
            "committee_letter": "需居委会证明",
            "appointment_only": "需预约",
            "closed_loop_transport": "需闭环转运",
        },
    },
    "en": {
        "html_lang": "en",
        "title": "Shanghai mutual-aid hospital map",
        "description": "Which hospitals near you take patients now: dialysis, oncology, "
        "emergency, fever clinic, maternity.",
        "service": "Service",
        "all_services": "All hospitals",
        "near_me": "Nearest to me",
        "locate": "My location",
        "address_placeholder": "Type an address or committee, e.g. 闵行区塘口村",
        "search": "Search",
        "searching": "Searching…",
        "locating": "Finding your location…",
        "locate_failed": "Could not get your location; type an address.",
        "address_not_found": "Address not found; add the district and street.",
        "address_choose": "The address names no district. Which one?",
        "address_not_chinese": "Type the address in Chinese characters (e.g. 浦东新区浦电路221号), "
        "or use Near me.",
        "open": "open",
        "limited": "limited",
        "closed": "closed",
        "unknown": "unknown",
        "updated": "updated",
        "ago_minutes": "{n} min ago",
        "ago_hours": "{n} h ago",
        "ago_days": "{n} days ago",
        "just_now": "just now",
        "never_reported": "never reported",
        "verified": "verified",
        "amap": "Amap",
        "baidu": "Baidu",
        "geo": "Maps app",
        "approximate": "Approximate location, not verified",
        "district_level": "Only the district/street is known; the location is rough",
        "report_problem": "Report a problem",
        "report_placeholder": "What is wrong? e.g. phone unanswered, service stopped",
        "send": "Send",
        "sent": "Sent; a volunteer will check. Thank you!",
        "failed": "Could not send; try again later.",
        "share": "Share",
        "share_title": "Share this view",
        "copy_link": "Copy link",
        "copy_text": "Copy text",
        "copied": "Copied",
        "close": "Close",
        "committees": "Residents' committees",
        "hospitals": "Hospitals",
        "search_units": "Search committees, streets",
        "no_units_found": "Nothing found",
        "base_amap": "Amap",
        "base_osm": "OpenStreetMap",
        "base_custom": "Custom tiles",
        "base_none": "No tiles (district/street outlines)",
        "tiles_failed": "Base map unavailable; showing district/street outlines.",
        "hollow_means": "hollow = location not exact",
        "faded_means": "faded = out of date",
        "live": "live",
        "polling": "updating every {n} s",
        "connecting": "connecting…",
        "reconnecting": "connection lost, reconnecting…",
        "language": "中文",
        "too_many": "Too many hospitals here; zoom in.",
        "condition_names": {
            "negative_test_48h": "negative test within 48 h",
            "committee_letter": "committee letter",
            "appointment_only": "appointment only",
            "closed_loop_transport": "closed-loop transport",
        },
    },
}

for _lang, _words in NEAREST_STRINGS.items():
    STRINGS[_lang].update(_words)


def choose_language(asked: str | None, accept_language: str | None) -> str:
    """``?lang=`` if it names a language we have, else the browser's first one we have,
    else Chinese."""
    if asked in LANGUAGES:
        return asked
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.partition(";")
        try:
            weight = float(params.strip().removeprefix("q=")) if params else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, position, tag.strip().lower().split("-")[0]))
    for _, _, primary in sorted(ranked):
        if primary in LANGUAGES:
            return primary
    return "zh"
