"""The volunteers' workspace's HTML (``/desk``): the tabs the signed-in role may use, its
words, and the settings its modules read; and the page for a browser with no session."""

from __future__ import annotations

from app.core.config import Settings
from app.core.i18n import STRINGS
from app.domain.enums import Role
from app.domain.records import Token
from app.services.sessions import may_invite
from app.web.assets import OWN_URL, VENDOR_URLS, module_graph
from app.web.basemaps import basemaps
from app.web.desk_help_words import HELP_WORDS
from app.web.desk_words import DESK_WORDS
from app.web.page import TEMPLATES

ENTRY = "desk.js"
SIGNED_OUT = {
    "zh": ("请从邀请链接登录", "工作台只对受邀的志愿者开放。请打开协调员发给您的邀请链接；"
           "链接失效了，请向协调员要一个新的。", "打开上海互助就医地图"),
    "en": ("Sign in from your invite link", "The workspace is for invited volunteers. Open "
           "the invite link a coordinator sent you; if it no longer works, ask for a new "
           "one.", "Open the Shanghai mutual-aid hospital map"),
}  # fmt: skip


def desk_words(lang: str) -> dict:
    """The map's words with the workspace's own (the help requests tab's under ``help``)."""
    return STRINGS[lang] | DESK_WORDS[lang] | HELP_WORDS[lang]


def tabs_for(role: Role) -> list[str]:
    """The workspace's tabs a role may use: the queue, help requests and activity for
    everyone signed in, adding hospitals, imports and invites for coordinators and up."""
    tabs = ["queue", "help", "activity"]
    if role.allows(Role.coordinator):
        tabs += ["add", "import", "invites"]
    return tabs


def render_desk(settings: Settings, lang: str, root: str, me: Token) -> str:
    """The workspace for ``me``; everything else comes from the API as the page runs."""
    words = desk_words(lang)
    config = {
        "root": root,
        "lang": lang,
        "strings": words,
        "me": {"name": me.name, "role": me.role.value},
        "claim_minutes": settings.claim_minutes,
        "basemaps": basemaps(settings),
        "vendor": {"leaflet": f"{root}{VENDOR_URLS['leaflet']}"},
    }
    return TEMPLATES.get_template("desk.html").render(
        t=words, lang=lang, root=root, own=OWN_URL, modules=module_graph(ENTRY),
        me={"name": me.name, "role": me.role.value}, tabs=tabs_for(me.role),
        invitable=[r.value for r in Role if may_invite(me.role, r)], config=config,
    )  # fmt: skip


def render_signed_out(lang: str, root: str, again: bool = False) -> str:
    """Where a browser without a live session lands: how to sign in (no script). With
    ``again``, the page asks for itself once more at once (a meta refresh): a link opened
    from another site's page arrives without our ``SameSite=Strict`` cookie, which the
    browser sends when the request comes from our own page."""
    title, text, back = SIGNED_OUT[lang]
    return TEMPLATES.get_template("desk_signed_out.html").render(
        lang=STRINGS[lang]["html_lang"], root=root, own=OWN_URL, title=title, text=text,
        back=back, home=f"{root}/?lang=en" if lang == "en" else f"{root}/", again=again,
    )  # fmt: skip
