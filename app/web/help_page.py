"""The requester's pages: the help form (``/help``: public, the same for everyone, sent by
help.js as JSON) and the page a request's tracking link opens (``/h/{secret}``: its
state, the hospital once matched, the volunteers' messages, its own QR code; complete
without script, help-track.js adds information, withdraws, and keeps it current)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.core.config import Settings
from app.core.i18n import STRINGS
from app.domain.records import Service
from app.models import HelpTracking
from app.services.help.answers import QUESTIONS, SIGNS, TREATMENTS
from app.services.help.intake import OTHER
from app.web.assets import OWN_URL, module_graph
from app.web.help_words import HELP_WORDS, TRACK_WORDS
from app.web.join_page import shanghai_time
from app.web.page import TEMPLATES

FORM_ENTRY = "help.js"
TRACK_ENTRY = "help-track.js"
ASKED_AS = {"last_session": "date", "due_date": "date", "treatment": "one", "weeks": "number",
            "signs": "many", "need": "line"}  # fmt: skip
"""How the form asks each of answers.py's questions (a test checks that none is missing)."""
CHOICES = {"treatment": TREATMENTS, "signs": SIGNS}
EXTENSION = re.compile(r"转|ext\.?|x", re.IGNORECASE)


def help_words(lang: str) -> dict:
    """The map's words with the help form's own (the shared modules read the map's)."""
    return STRINGS[lang] | HELP_WORDS[lang]


def tel_href(phone: str) -> str:
    """A ``tel:`` link as places.js ``telHref`` makes one: the digits, and an extension
    after a pause."""
    number, *extension = EXTENSION.split(phone)
    digits = re.sub(r"[^0-9+]", "", number)
    pause = re.sub(r"\D", "", "".join(extension))
    return f"tel:{digits}" + (f",{pause}" if pause else "")


def _questions(offered: set[str]) -> list[tuple[str, list[tuple[str, str, tuple]]]]:
    return [
        (service, [(key, ASKED_AS[key], CHOICES.get(key, ())) for key in asked])
        for service, asked in QUESTIONS.items()
        if service in offered
    ]


def render_help_form(settings: Settings, lang: str, root: str, services: Sequence[Service]) -> str:
    """The form in ``lang`` (zh or en): the services to choose from and ``other``, each
    one's questions (shown for the service chosen), where, the phone, consent."""
    words = help_words(lang)
    choices = [(s.code, s.name_en if lang == "en" else s.name_zh) for s in services]
    choices.append((OTHER, words["other"]))
    config = {"root": root, "lang": lang, "strings": words}
    return TEMPLATES.get_template("help.html").render(
        t=words, lang=lang, root=root, own=OWN_URL, modules=module_graph(FORM_ENTRY),
        services=choices, asked=_questions({code for code, _ in choices}), config=config,
        days=settings.help_retention_days,
        home=f"{root}/?lang=en" if lang == "en" else f"{root}/",
    )  # fmt: skip


def render_tracking(
    lang: str, root: str, tracking: HelpTracking, *, secret: str, poll_seconds: int
) -> str:
    """The request's page in ``lang`` (zh or en); its QR code and the script's writes
    name the page's own path (``secret``)."""
    words = TRACK_WORDS[lang]
    reason = words["reasons"][tracking.close_reason.value] if tracking.close_reason else ""
    when, updated = shanghai_time(tracking.created_at), shanghai_time(tracking.updated_at)
    messages = [{"at": shanghai_time(m.at), "text": m.text} for m in tracking.messages]
    matched = tracking.matched
    phones = [(p, tel_href(p)) for p in matched.phones] if matched else []
    finished = tracking.erased or tracking.state.finished
    return TEMPLATES.get_template("help_track.html").render(
        t=words, lang=words["html_lang"], root=root, own=OWN_URL, title=words["title"],
        modules=module_graph(TRACK_ENTRY), config={"root": root, "lang": lang, "strings": words},
        state=words["states"][tracking.state.value] + reason,
        asked=words["asked"].format(when=when, updated=updated),
        matched=matched, phones=phones, messages=messages,
        added=words["added"].format(n=len(tracking.added)) if tracking.added else "",
        erased=words["erased"] if tracking.erased else "", finished=finished,
        secret=secret, poll=poll_seconds, repeat=tracking.repeat,
        help=f"{root}/help?lang=en" if lang == "en" else f"{root}/help",
    )  # fmt: skip
