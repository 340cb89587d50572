"""What a share's poster says, as data the drawing only lays out (and tests read): its
title lines, the hospitals it lists (a nearest share's answer, as ``/api/v1/nearest``
gives it now; a hospital's share, that hospital) and the offices to call.

Every text is user data cleaned by ``clean_text``, in the poster's language, and only in
characters its font can draw: without a CJK font the poster is English and a name with
no English form is shown as "Hospital no. 12" (its phones still work).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.core.i18n import STRINGS
from app.core.text import clean_text
from app.domain.records import Resource, Service
from app.domain.statuses import IntakeStatus, State
from app.services.freshness import checked_at, is_stale
from app.services.nearest_answer import Answer, NearestAnswer
from app.services.sharing import ShareView
from app.storage.port import Store
from app.web.fonts import Fonts
from app.web.map_image import shown_state

WORDS = {
    "zh": {
        "all": "全部医院", "open": "接诊{service}的医院，由近到远（{ttl} 小时内确认）",
        "any": "最近的医院，由近到远（未选服务，不含接诊状态）",
        "fallback": "附近没有 {ttl} 小时内确认接诊{service}的医院。以下提供{service}，"
                    "状态未确认，出发前务必先打电话：",
        "none": "附近没有提供{service}的医院，请扫码在地图上扩大范围。",
        "far": "距离不详", "hospital": "医院 {id}", "sep": " · ",
        "states": {State.open: "可接诊", State.limited: "有条件", State.closed: "暂停接诊",
                   State.unknown: "状态未知"},
        "verified": "{age}核实", "updated": "{age}更新", "never": "状态未知，从未报告",
        "stale": "已过期（{age}更新）", "just_now": "刚刚", "conditions": "：{}", "list": "、",
        "minutes": "{n} 分钟前", "hours": "{n} 小时前", "days": "{n} 天前",
    },
    "en": {
        "all": "All hospitals", "open": "Taking {service} patients, nearest first "
                                        "(checked within {ttl} h)",
        "any": "Nearest hospitals (no service chosen, no intake status)",
        "fallback": "None nearby confirmed open for {service} within {ttl} h. These offer "
                    "{service}, status not confirmed: call before going:",
        "none": "No hospital nearby offers {service}: scan the code and widen the map.",
        "far": "distance unknown", "hospital": "Hospital no. {id}", "sep": " · ",
        "states": {State.open: "open", State.limited: "limited", State.closed: "closed",
                   State.unknown: "status unknown"},
        "verified": "verified {age}", "updated": "updated {age}",
        "never": "status unknown, never reported", "stale": "out of date (updated {age})",
        "just_now": "just now", "conditions": ": {}", "list": ", ",
        "minutes": "{n} min ago", "hours": "{n} h ago", "days": "{n} d ago",
    },
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PosterRow:
    """One hospital as the poster lists it."""

    resource_id: int
    name: str
    name_zh: str | None
    """The Chinese name under an English one (what a driver reads), where it differs."""
    distance_m: float | None
    """Metres from the origin; None when that is no fact (or not a nearest share)."""
    distance: str | None
    """The distance in words ("距离不详" when not a fact); None for a hospital's share."""
    phones: tuple[str, ...]
    state: State | None
    """The colour: None when no service was asked."""
    status: str
    """The state, its conditions and how long ago it was checked, in words."""


@dataclass(frozen=True, slots=True)
class PosterText:
    """The words of a poster, in ``lang`` (the share's, or English without a CJK font)."""

    lang: str
    title: str
    subtitle: str
    heading: str | None = None
    rows: list[PosterRow] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)
    """Offices to call ("name · phones"), when no hospital is confirmed open."""


def poster_text(
    view: ShareView, found: NearestAnswer | None, store: Store, lang: str, fonts: Fonts,
    now: datetime, ttl_hours: float,
) -> PosterText:  # fmt: skip
    """The words of a share's poster; ``lang`` is one the font can draw."""
    words, ttl = WORDS[lang], f"{ttl_hours:g}"
    services = {service.code: service for service in store.list_services()}
    code = view.chosen_service
    service = _service_name(services.get(code), code, lang, fonts) if code else None
    title = STRINGS[lang]["title"]
    if found is None:
        rows = []
        if view.resource_id is not None:
            shown = store.view_resources(ids=[view.resource_id], limit=1)
            rows = [_row(v.resource, v.statuses.get(code), code, None, lang, fonts, now,
                         ttl_hours, nearest=False) for v in shown]  # fmt: skip
        return PosterText(lang, title, service or words["all"], None, rows)
    place = found.origin.place
    where = place.words(lang) if fonts.cjk else place.ascii_words()
    subtitle = words["sep"].join(filter(None, [service or words["all"], where]))
    if found.answer == Answer.all:
        heading = words["any"]
    elif found.answer == Answer.open:
        heading = words["open"].format(service=service, ttl=ttl)
    else:
        heading = words["fallback" if found.hits else "none"].format(service=service, ttl=ttl)
    rows = []
    for hit in found.hits:
        resource = hit.view.resource
        distance = hit.distance_m if found.exact(resource) else None
        status = hit.view.statuses.get(code) if code else None
        rows.append(_row(resource, status, code, distance, lang, fonts, now, ttl_hours))
    contacts = []
    if found.answer == Answer.fallback:
        for contact in (hit.view.resource for hit in found.contacts):
            phones = " / ".join(_phones(contact, fonts))
            contacts.append(words["sep"].join(filter(None, [_name(contact, lang, fonts), phones])))
    return PosterText(lang, title, subtitle, heading, rows, contacts)


def _row(
    resource: Resource, status: IntakeStatus | None, service: str | None,
    distance_m: float | None, lang: str, fonts: Fonts, now: datetime, ttl_hours: float,
    *, nearest: bool = True,
) -> PosterRow:  # fmt: skip
    words = WORDS[lang]
    name = _name(resource, lang, fonts)
    zh = clean_text(resource.name) if fonts.cjk and lang == "en" else None
    if distance_m is not None:
        distance = f"{distance_m:.0f} m" if distance_m < 1000 else f"{distance_m / 1000:.1f} km"
    else:
        distance = words["far"] if nearest else None
    return PosterRow(
        resource_id=resource.id,
        name=name,
        name_zh=zh if zh != name else None,
        distance_m=distance_m,
        distance=distance,
        phones=_phones(resource, fonts),
        state=shown_state(status, now, ttl_hours) if service else None,
        status=_status_words(status, lang, now, ttl_hours) if service else "",
    )


def _status_words(status: IntakeStatus | None, lang: str, now: datetime, ttl: float) -> str:
    """可接诊：需预约 · 12 分钟前核实; a status past its time-to-live says it is out of date."""
    words = WORDS[lang]
    if status is None:
        return words["never"]
    state = words["states"][status.state]
    if status.conditions:
        names = STRINGS[lang]["condition_names"]
        listed = words["list"].join(clean_text(names.get(c, c)) for c in status.conditions)
        state += words["conditions"].format(listed)
    when = checked_at(status)
    age = _age(int((now - when).total_seconds()), lang)
    if is_stale(when, now, ttl):
        return words["sep"].join([state, words["stale"].format(age=age)])
    verified = status.verified_at is not None and status.verified_at >= status.reported_at
    return words["sep"].join([state, words["verified" if verified else "updated"].format(age=age)])


def _age(seconds: int, lang: str) -> str:
    words = WORDS[lang]
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if minutes < 1:
        return words["just_now"]
    if days:
        return words["days"].format(n=days)
    return words["hours"].format(n=hours) if hours else words["minutes"].format(n=minutes)


def _name(resource: Resource, lang: str, fonts: Fonts) -> str:
    """The name in ``lang`` (the English name where there is one), drawable in the font."""
    english = clean_text(resource.name_en or "")
    name = english if lang == "en" and english else clean_text(resource.name)
    if not fonts.cjk and not name.isascii():
        name = english if english.isascii() and english else ""
    return name or WORDS[lang]["hospital"].format(id=resource.id)


def _phones(resource: Resource, fonts: Fonts) -> tuple[str, ...]:
    phones = (clean_text(phone) for phone in resource.phones)
    return tuple(phone for phone in phones if phone and (fonts.cjk or phone.isascii()))


def _service_name(service: Service | None, code: str, lang: str, fonts: Fonts) -> str:
    if service is None:
        return clean_text(code)
    name = clean_text(service.name_en if lang == "en" else service.name_zh)
    return name if fonts.cjk or name.isascii() else clean_text(code)
