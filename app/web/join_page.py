"""The page an invite link opens (``/join/{code}``): who invites whom for what role, one
button to join; or, for an invite nobody can use, why not and whom to ask. No script."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from app.domain.records import Invite
from app.web.assets import OWN_URL
from app.web.page import TEMPLATES

SHANGHAI = timezone(timedelta(hours=8))
WORDS = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "加入志愿者工作台",
        "invites": "{by}邀请{name}以“{role}”身份加入上海互助就医地图的志愿者工作台。",
        "someone": "协调员",
        "explain": "确认后，这台设备会以“{name}”的名义登录；"
                   "您在工作台上做的每一项更改都会记下这个名字。",
        "expires": "邀请有效至 {when}（北京时间），还可使用 {n} 次。",
        "join": "确认加入",
        "not_you": "不是您？请不要确认，并告诉发链接给您的人。",
        "roles": {"volunteer": "志愿者", "verifier": "核实员", "coordinator": "协调员",
                  "admin": "管理员"},
        "gone_title": "这个邀请已不能使用",
        "reasons": {
            "missing": "找不到这个邀请：链接可能抄错了或不完整。",
            "expired": "这个邀请已过期。",
            "used_up": "这个邀请的使用次数已经用完。",
            "revoked": "这个邀请已被撤销。",
            "elsewhere": "这个请求来自别的网站，没有登录。请直接打开邀请链接。",
        },
        "ask": "请向邀请您的协调员要一个新链接。",
        "back": "打开上海互助就医地图",
    },
    "en": {
        "html_lang": "en",
        "title": "Join the volunteers' workspace",
        "invites": "{by} invites {name} to join the Shanghai mutual-aid hospital map's "
        "volunteer workspace as {role}.",
        "someone": "A coordinator",
        "explain": "Once you confirm, this device is signed in as “{name}”: every change you "
        "make in the workspace is recorded under that name.",
        "expires": "The invite works until {when} (Beijing time), {n} more time(s).",
        "join": "Join",
        "not_you": "Not you? Do not confirm, and tell the person who sent you the link.",
        "roles": {"volunteer": "volunteer", "verifier": "verifier",
                  "coordinator": "coordinator", "admin": "administrator"},
        "gone_title": "This invite cannot be used",
        "reasons": {
            "missing": "This invite was not found: the link may be mistyped or cut short.",
            "expired": "This invite has expired.",
            "used_up": "This invite has been used as many times as it allows.",
            "revoked": "This invite was revoked.",
            "elsewhere": "This request came from another site; nobody was signed in. Open "
            "the invite link itself.",
        },
        "ask": "Ask the coordinator who invited you for a new link.",
        "back": "Open the Shanghai mutual-aid hospital map",
    },
}  # fmt: skip


def render_join(lang: str, root: str, invite: Invite, action: str) -> str:
    """The invitation, with a form that posts to ``action`` to join."""
    words = WORDS[lang]
    role = words["roles"][invite.role.value]
    return TEMPLATES.get_template("join.html").render(
        lang=words["html_lang"], root=root, own=OWN_URL, title=words["title"],
        invites=words["invites"].format(
            by=invite.created_by or words["someone"], name=invite.name, role=role
        ),
        explain=words["explain"].format(name=invite.name),
        expires=words["expires"].format(
            when=shanghai_time(invite.expires_at), n=invite.max_uses - invite.uses
        ),
        join=words["join"], not_you=words["not_you"], action=action,
    )  # fmt: skip


def render_unusable(lang: str, root: str, reason: str) -> str:
    """Why nobody can join through this link, and what to do instead."""
    words = WORDS[lang]
    return TEMPLATES.get_template("join.html").render(
        lang=words["html_lang"], root=root, own=OWN_URL, title=words["gone_title"],
        reason=words["reasons"][reason], ask=words["ask"], back=words["back"],
        home=f"{root}/?lang=en" if lang == "en" else f"{root}/",
    )  # fmt: skip


def shanghai_time(moment: datetime) -> str:
    """``moment`` as Beijing time, to the minute."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
