"""The plain-text card of a share: what a chat message shows (WeChat, SMS), in zh or en.

Statuses are read at the time of asking, so the card of an old link shows today's
hospitals, as ``/api/v1/nearest`` answers them (``nearest_answer``): open or limited ones,
or, when none is, the nearest offering the service with what is known of each and whom to
call. Volunteers' notes are quoted as theirs, with their age. A nearest share's origin
is the place we resolve its position to (``share_place``), never words someone typed:
the card is what a chat shows under our name. Times are Asia/Shanghai; names are user
data, shown through ``clean_text`` so that no name can forge a line or hide or reverse
characters.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from app.core.i18n import STRINGS
from app.core.text import clean_text
from app.domain.records import Resource, Service, Share
from app.domain.statuses import IntakeStatus, State
from app.services.freshness import checked_at, is_stale, status_dicts
from app.services.nearest import NearestFinder, NearestHit
from app.services.nearest_answer import Answer, Ask, NearestAnswer, Origin, answer_nearest
from app.services.share_place import Places
from app.services.sharing import ShareView, view_of
from app.storage.errors import NotFound
from app.storage.port import Store

SHANGHAI = ZoneInfo("Asia/Shanghai")
TEXT = {
    "zh": {
        "title": "互助医院地图",
        "all": "全部科室",
        "nearest": "{origin}接诊{service}的医院（开放或有条件），由近到远（{ttl} 小时内确认）：",
        "nearest_any": "{origin}的医院，由近到远（未选科室，不含接诊状态）：",
        "none": "{origin}目前没有 {ttl} 小时内确认可接诊{service}的医院。",
        "fallback": "以下医院提供{service}，状态未确认，出发前务必先打电话：",
        "offered_none": "附近也没有提供{service}的医院，请在地图上扩大范围。",
        "contacts": "街道/居委会电话：",
        "note": "志愿者备注（{age}）：“{note}”",
        "stale_state": "{state}（已过期，{age}）",
        "far": "距离不详",
        "updated": "更新",
        "phone": "电话",
        "phone_label": "电话",
        "no_phone": "无电话",
        "unlisted": "未登记",
        "address": "地址",
        "statuses": "接诊状态：",
        "stale": "，已过期",
        "never": "未知，从未报告",
        "call": "状态会变，出发前请先打电话确认。",
        "link": "地图",
        "sep": "：",
        "list": "，",
        "conditions": "（{}）",
    },
    "en": {
        "title": "Mutual-aid hospital map",
        "all": "all services",
        "nearest": "Hospitals taking {service} patients {origin} (open or with conditions), "
        "nearest first (checked within {ttl} h):",
        "nearest_any": "Hospitals {origin}, nearest first (no service chosen, no intake status):",
        "none": "No hospital {origin} is confirmed open for {service} in the last {ttl} h.",
        "fallback": "These offer {service}, status not confirmed: call before going:",
        "offered_none": "No hospital nearby offers {service} either: widen the map.",
        "contacts": "Street office / residents' committee:",
        "note": "Volunteer's note ({age}): “{note}”",
        "stale_state": "{state} (out of date, {age})",
        "far": "distance unknown",
        "updated": "updated",
        "phone": "tel",
        "phone_label": "Phone",
        "no_phone": "no phone",
        "unlisted": "none listed",
        "address": "Address",
        "statuses": "Intake:",
        "stale": ", stale",
        "never": "unknown, never reported",
        "call": "Statuses change: call before you go.",
        "link": "Map",
        "sep": ": ",
        "list": ", ",
        "conditions": " ({})",
    },
}
STATE_NAMES = {
    "zh": {State.open: "可接诊", State.limited: "限流/有条件", State.closed: "暂停接诊",
           State.unknown: "未知"},
    "en": {State.open: "open", State.limited: "limited", State.closed: "closed",
           State.unknown: "unknown"},
}  # fmt: skip


def render_card(
    share: Share,
    store: Store,
    finder: NearestFinder,
    places: Places,
    now: datetime,
    ttl_hours: float,
    link: str,
) -> str:
    """The card's text, ending with ``link``, the share's short link."""
    view = view_of(share)
    lang = view.lang or "zh"
    services = {s.code: s for s in store.list_services()}
    if view.nearest is not None:
        found = share_answer(view, finder, places, now, ttl_hours)
        lines = _nearest_lines(view, found, services, lang, now, ttl_hours)
    elif view.resource_id is not None:
        lines = _resource_lines(view, store, services, lang, now, ttl_hours)
    else:
        lines = [f"{TEXT[lang]['title']}{TEXT[lang]['sep']}{_service_name(view, services, lang)}"]
    return "\n".join([*lines, f"{TEXT[lang]['link']}{TEXT[lang]['sep']}{link}"]) + "\n"


def share_answer(
    view: ShareView, finder: NearestFinder, places: Places, now: datetime, ttl_hours: float
) -> NearestAnswer | None:
    """What a nearest share names now: ``/api/v1/nearest``'s answer for its kept position
    (None for a share of another view)."""
    nearest = view.nearest
    if nearest is None:
        return None
    precision = nearest.origin_precision  # a district-only origin stays one when shared
    place = places.resolve(nearest.lon, nearest.lat).known_to(precision)
    origin = Origin(nearest.lon, nearest.lat, precision, place)
    return answer_nearest(finder, Ask(service=view.chosen_service, k=nearest.k), origin, now,
                          ttl_hours)  # fmt: skip


def _nearest_lines(
    view: ShareView, found: NearestAnswer, services: dict[str, Service], lang: str,
    now: datetime, ttl_hours: float,
) -> list[str]:  # fmt: skip
    text = TEXT[lang]
    name, ttl = _service_name(view, services, lang), f"{ttl_hours:g}"
    origin = found.origin.place.words(lang)
    if found.answer == Answer.all:
        lines = [text["nearest_any"].format(origin=origin)]
    elif found.answer == Answer.open:
        lines = [text["nearest"].format(origin=origin, service=name, ttl=ttl)]
    else:
        lines = [text["none"].format(origin=origin, service=name, ttl=ttl)]
        lines.append(text["fallback" if found.hits else "offered_none"].format(service=name))
    for number, hit in enumerate(found.hits, start=1):
        lines.append(f"{number}. {_name(hit.view.resource, lang)}")
        lines += _hit_lines(hit, found, lang, now, ttl_hours)
    if found.answer == Answer.fallback and found.contacts:
        lines.append(text["contacts"])
        for contact in (hit.view.resource for hit in found.contacts):
            lines.append(f"· {clean_text(contact.name)} · {_phones(contact, lang)}")
    return [*lines, text["call"]]


def _hit_lines(
    hit: NearestHit, found: NearestAnswer, lang: str, now: datetime, ttl_hours: float
) -> list[str]:
    """A hospital's details: how far (when that is a fact), its phones, what is known of
    its status for the service, and the volunteer's note."""
    text, resource = TEXT[lang], hit.view.resource
    distance = _distance(hit.distance_m) if found.exact(resource) else text["far"]
    details = [distance, _phones(resource, lang)]
    if found.answer == Answer.all:
        return ["   " + " · ".join(details)]
    status = next(iter(hit.view.statuses.values()), None)
    details.append(_state_words(status, lang, now, ttl_hours))
    lines = ["   " + " · ".join(details)]
    if status is not None and status.note:
        age = _age(int((now - checked_at(status)).total_seconds()), lang)
        lines.append("   " + text["note"].format(age=age, note=clean_text(status.note)))
    return lines


def _resource_lines(
    view: ShareView, store: Store, services: dict[str, Service], lang: str,
    now: datetime, ttl_hours: float,
) -> list[str]:  # fmt: skip
    text = TEXT[lang]
    found = store.view_resources(ids=[view.resource_id], limit=1)
    if not found:
        raise NotFound(f"no resource {view.resource_id}")
    resource = found[0].resource
    lines = [_name(resource, lang)]
    if resource.address:
        lines.append(f"{text['address']}{text['sep']}{clean_text(resource.address)}")
    phones = " / ".join(clean_text(phone) for phone in resource.phones) or text["unlisted"]
    lines += [f"{text['phone_label']}{text['sep']}{phones}", text["statuses"]]
    statuses = status_dicts(resource.services, dict(found[0].statuses), now, ttl_hours)
    for status in sorted(statuses, key=lambda s: s["service"] != view.service):  # chosen first
        service = services.get(status["service"])
        label = clean_text(_label(service, lang) if service else status["service"])
        if status["age_seconds"] is None:
            state = text["never"]
        else:
            state = STATE_NAMES[lang][status["state"]] + _conditions(status["conditions"], lang)
            state += f" · {_age(status['age_seconds'], lang)}"
            state += text["stale"] if status["stale"] else ""
        lines.append(f"· {label}{text['sep']}{state}")
    return [*lines, text["call"]]


def _state_words(status: IntakeStatus | None, lang: str, now: datetime, ttl: float) -> str:
    """What is known of a status: its state and conditions, and when it was checked (or
    that it is out of date, or was never reported)."""
    text = TEXT[lang]
    if status is None:
        return text["never"]
    words = STATE_NAMES[lang][status.state] + _conditions(status.conditions, lang)
    when = checked_at(status)
    if is_stale(when, now, ttl):
        age = _age(int((now - when).total_seconds()), lang)
        return text["stale_state"].format(state=words, age=age)
    return f"{words} · {text['updated']} {_clock(when, now)}"


def _conditions(codes, lang: str) -> str:
    """Conditions in words (需预约, appointment only), or "" for none."""
    if not codes:
        return ""
    names = STRINGS[lang]["condition_names"]
    words = TEXT[lang]["list"].join(clean_text(names.get(code, code)) for code in codes)
    return TEXT[lang]["conditions"].format(words)


def _name(resource: Resource, lang: str) -> str:
    if lang == "en" and resource.name_en and resource.name_en != resource.name:
        return f"{clean_text(resource.name_en)} ({clean_text(resource.name)})"
    return clean_text(resource.name)


def _label(service: Service, lang: str) -> str:
    return service.name_en if lang == "en" else service.name_zh


def _service_name(view: ShareView, services: dict[str, Service], lang: str) -> str:
    code = view.chosen_service
    if code is None:
        return TEXT[lang]["all"]
    return clean_text(_label(services[code], lang)) if code in services else clean_text(code)


def _phones(resource: Resource, lang: str) -> str:
    phones = " / ".join(clean_text(phone) for phone in resource.phones)
    return f"{TEXT[lang]['phone']} {phones}" if phones else TEXT[lang]["no_phone"]


def _distance(metres: float) -> str:
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km"


def _clock(moment: datetime, now: datetime) -> str:
    """HH:MM in Shanghai, with the date (MM-DD) when it is not today there."""
    local = moment.astimezone(SHANGHAI)
    same_day = local.date() == now.astimezone(SHANGHAI).date()
    return local.strftime("%H:%M" if same_day else "%m-%d %H:%M")


def _age(seconds: int, lang: str) -> str:
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if lang == "zh":
        if minutes < 1:
            return "刚刚更新"
        amount = f"{days} 天" if days else f"{hours} 小时" if hours else f"{minutes} 分钟"
        return f"{amount}前更新"
    if minutes < 1:
        return "updated just now"
    amount = f"{days} d" if days else f"{hours} h" if hours else f"{minutes} min"
    return f"updated {amount} ago"
