"""The page a help request's tracking link opens (``/h/{secret}``): its state, the hospital
once matched, the volunteers' messages. No script; the same facts as ``?f=json``."""

from __future__ import annotations

from app.models import HelpTracking
from app.web.assets import OWN_URL
from app.web.join_page import shanghai_time
from app.web.page import TEMPLATES

WORDS = {
    "zh": {
        "html_lang": "zh-CN",
        "title": "求助进度",
        "states": {
            "new": "已收到，等待志愿者处理", "claimed": "志愿者已接手",
            "contacting": "志愿者正在联系医院", "matched": "已找到可以接收的医院",
            "resolved": "已解决", "closed": "已关闭",
        },
        "reasons": {
            "admitted": "（已入院）", "referred": "（已转介）", "unreachable": "（联系不上）",
            "duplicate": "（重复的求助）", "withdrawn": "（您已撤回）",
            "out_of_scope": "（不在服务范围）",
        },
        "asked": "提交于 {when}（北京时间），最近更新 {updated}",
        "matched_title": "医院",
        "messages_title": "志愿者留言",
        "no_messages": "还没有留言。",
        "added": "您补充过 {n} 次信息。",
        "erased": "您的电话、姓名、描述和位置已删除。",
        "keep": "请保存这个链接，只分享给家人：有链接的人都能看到这一页。",
    },
    "en": {
        "html_lang": "en",
        "title": "Your help request",
        "states": {
            "new": "Received, waiting for a volunteer", "claimed": "A volunteer has taken it",
            "contacting": "A volunteer is calling hospitals",
            "matched": "A hospital that can take the patient was found",
            "resolved": "Resolved", "closed": "Closed",
        },
        "reasons": {
            "admitted": " (admitted)", "referred": " (referred)", "unreachable": " (unreachable)",
            "duplicate": " (a duplicate)", "withdrawn": " (withdrawn by you)",
            "out_of_scope": " (not something we can help with)",
        },
        "asked": "Sent {when} (Beijing time), last updated {updated}",
        "matched_title": "Hospital",
        "messages_title": "Messages from volunteers",
        "no_messages": "No messages yet.",
        "added": "You added information {n} time(s).",
        "erased": "Your phone, name, description and position have been erased.",
        "keep": "Keep this link and share it only with family: anyone with it sees this page.",
    },
}  # fmt: skip


def render_tracking(lang: str, root: str, tracking: HelpTracking) -> str:
    """The request's page in ``lang`` (zh or en)."""
    words = WORDS[lang]
    reason = words["reasons"][tracking.close_reason.value] if tracking.close_reason else ""
    when, updated = shanghai_time(tracking.created_at), shanghai_time(tracking.updated_at)
    messages = [{"at": shanghai_time(m.at), "text": m.text} for m in tracking.messages]
    return TEMPLATES.get_template("help_track.html").render(
        lang=words["html_lang"], root=root, own=OWN_URL, title=words["title"],
        state=words["states"][tracking.state.value] + reason,
        asked=words["asked"].format(when=when, updated=updated),
        matched=tracking.matched, matched_title=words["matched_title"],
        messages_title=words["messages_title"], messages=messages,
        no_messages=words["no_messages"],
        added=words["added"].format(n=len(tracking.added)) if tracking.added else "",
        erased=words["erased"] if tracking.erased else "", keep=words["keep"],
    )  # fmt: skip
