"""The requester's words: the help form (``/help``) with its confirmation, added to the
map's (app/core/i18n.py), whose state names, ages and link words the shared modules use;
and the tracking page's (``/h/{secret}``). Plain words for someone under stress: what to
do, never what went wrong inside. The example phone numbers hold a non-breaking hyphen
(U+2011), so that a narrow screen does not split them."""

from __future__ import annotations

HELP_WORDS = {
    "zh": {
        "help_title": "求助就医",
        "help_intro": "填写下面的表，志愿者会打电话给您，帮您找能接诊的医院。不用注册。",
        "emergency": "有生命危险，请立即拨打",
        "map_link": "先看地图：附近哪家医院能接诊",
        "need_legend": "需要什么帮助？",
        "other": "其他",
        "questions": {
            "last_session": "上次透析是哪一天？",
            "due_date": "原定下一次治疗是哪一天？",
            "treatment": "什么治疗？",
            "weeks": "怀孕几周？",
            "signs": "现在有这些情况吗？（可多选）",
            "need": "需要什么帮助？（一句话）",
        },
        "hints": {
            "last_session": "不记得可以不填。",
            "weeks": "填数字，如 38。",
            "need": "如：需要开药、需要上门打针。",
        },
        "treatments": {"chemotherapy": "化疗", "radiotherapy": "放疗", "other": "其他"},
        "signs": {
            "contractions": "规律宫缩", "waters_broken": "破水", "bleeding": "出血",
            "reduced_movement": "胎动减少", "severe_headache": "剧烈头痛或看东西模糊",
        },
        "where_legend": "病人在哪里？",
        "where_here": "用我现在的位置",
        "where_address": "输入地址",
        "where_unit": "选择区、街道、居委会",
        "address_label": "地址",
        "address_example": "如：浦东新区浦电路221号",
        "district_label": "区",
        "street_label": "街道 / 镇",
        "committee_label": "居委会 / 村委会（可不选）",
        "choose": "请选择",
        "locating_help": "正在获取位置…",
        "located": "✓ 已获取您的位置（误差约 {m} 米）",
        "locate_denied": "无法获取您的位置（可能没有允许定位）。请改为输入地址，"
                         "或选择区、街道、居委会。",
        "locate_unavailable": "这个浏览器不能定位。请改为输入地址，或选择区、街道、居委会。",
        "units_failed": "没能载入区、街道的列表，请检查网络后重新选择，或改为输入地址。",
        "phone_label": "联系电话",
        "phone_hint": "志愿者会打这个电话。手机，或带区号的座机（如 021‑64370045）。",
        "name_label": "怎么称呼（可不填）",
        "name_hint": "如：王阿姨、李先生",
        "text_label": "还想告诉志愿者什么？（可不填）",
        "text_hint": "病情、能不能走动、住几楼等，1000 字以内。",
        "consent_label": "我同意把以上信息提供给志愿者，用于联系我和安排就医。",
        "consent_hint": "只有处理您求助的志愿者能看到电话和姓名；求助结束 {days} 天后删除。",
        "submit": "提交求助",
        "sending": "正在提交…",
        "no_script": "这一页需要打开 JavaScript 才能提交。",
        "errors": {
            "service": "请选择需要什么帮助。",
            "where": "请选择病人在哪里：用位置、输入地址，或选择区、街道。",
            "locating": "还在获取位置，请稍等再提交。",
            "address_empty": "请输入地址。",
            "unit_empty": "请至少选择区。",
            "phone_empty": "请填写联系电话。",
            "phone": "这个电话号码不对。请填 11 位手机号，或带区号的座机（如 021‑64370045）。",
            "consent": "需要您同意，志愿者才能看到并联系您。请勾选上面的“同意”。",
            "outside": "这个位置不在上海。请输入上海的地址，或选择区、街道、居委会。",
            "unit": "找不到选的地方，请重新选择。",
            "last_session": "日期不对：请选今天或之前 60 天内的日期。",
            "due_date": "日期不对：请选 90 天前到 180 天后之间的日期。",
            "weeks": "请填 1 到 45 之间的整数。",
            "need": "请用 1 到 100 个字说明需要什么。",
            "choice": "请从选项里选。",
            "name": "称呼请只写文字（不要用 < > 这类符号），最多 50 个字。",
            "text": "请只写文字（不要用 < > 这类符号），最多 1000 个字。",
            "honeypot": "没有提交成功，请再按一次“提交求助”。",
            "too_many": "提交太频繁了，请 {wait}后再试。急需帮助请拨打 12345 或 120。",
            "network": "网络不通，没有提交成功。您填的内容都还在，请稍后再按“提交求助”。",
            "other": "没有提交成功，请检查后再试。",
        },
        "wait_minutes": "{n} 分钟",
        "wait_hours": "{n} 小时",
        "done_title": "已收到您的求助",
        "done_lead": "志愿者会尽快打电话给您，请保持电话畅通。",
        "merged": "24 小时内这个电话已经为同一件事求助过：这次填写的内容已补充到那次求助里，"
                  "下面是那次求助的进度链接。为保护隐私，它只显示进度，志愿者会打电话告诉您结果。",
        "link_title": "您的进度链接",
        "keep_private": "请截图或复制保存这个链接，只分享给家人：有链接的人都能看到进度、"
                        "补充信息或撤回求助。这个链接只显示这一次。",
        "open_tracking": "打开进度页",
        "qr_alt": "进度链接的二维码",
        "office_title": "附近的居委会或街道办，可以打电话问：",
        "nearest_title": "附近的医院",
        "nearest_none": "附近暂时没找到医院，志愿者会帮您联系。",
        "again": "再提交一个求助",
        "restored": "您在这个页面提交过求助，进度链接：",
    },
    "en": {
        "help_title": "Ask for help",
        "help_intro": "Fill in this form and a volunteer will phone you to help find a "
                      "hospital that can take the patient. No sign-up.",
        "emergency": "If a life is in danger, call",
        "map_link": "See the map first: which hospitals nearby are taking patients",
        "need_legend": "What is needed?",
        "other": "Something else",
        "questions": {
            "last_session": "When was the last dialysis session?",
            "due_date": "When was the next treatment due?",
            "treatment": "Which treatment?",
            "weeks": "How many weeks pregnant?",
            "signs": "Is any of these happening now? (choose all that apply)",
            "need": "What is needed? (one sentence)",
        },
        "hints": {
            "last_session": "Leave empty if you do not remember.",
            "weeks": "A number, such as 38.",
            "need": "For example: a prescription refill, an injection at home.",
        },
        "treatments": {"chemotherapy": "Chemotherapy", "radiotherapy": "Radiotherapy",
                       "other": "Other"},
        "signs": {
            "contractions": "Regular contractions", "waters_broken": "Waters broken",
            "bleeding": "Bleeding", "reduced_movement": "The baby moves less",
            "severe_headache": "Severe headache or blurred vision",
        },
        "where_legend": "Where is the patient?",
        "where_here": "Use my current location",
        "where_address": "Type an address",
        "where_unit": "Choose district, street, committee",
        "address_label": "Address",
        "address_example": "e.g. 浦东新区浦电路221号",
        "district_label": "District",
        "street_label": "Street / town",
        "committee_label": "Residents' committee (optional)",
        "choose": "Choose",
        "locating_help": "Finding your location…",
        "located": "✓ Location found (to about {m} m)",
        "locate_denied": "Your location could not be read (perhaps it was not allowed). "
                         "Type an address instead, or choose the district, street and "
                         "committee.",
        "locate_unavailable": "This browser cannot give a location. Type an address "
                              "instead, or choose the district, street and committee.",
        "units_failed": "The lists of districts and streets did not load; check the "
                        "connection and choose again, or type an address.",
        "phone_label": "Phone number",
        "phone_hint": "A volunteer will call it. A mobile, or a landline with its area code "
                      "(e.g. 021‑64370045).",
        "name_label": "What should we call you? (optional)",
        "name_hint": "e.g. Auntie Wang, Mr Li",
        "text_label": "Anything else the volunteer should know? (optional)",
        "text_hint": "The illness, whether the patient can walk, which floor; up to 1,000 "
                     "characters.",
        "consent_label": "I agree to share these details with volunteers so that they can "
                         "contact me and arrange care.",
        "consent_hint": "Only the volunteers handling your request see the phone and name; "
                        "they are erased {days} days after the request ends.",
        "submit": "Send the request",
        "sending": "Sending…",
        "no_script": "This page needs JavaScript to send the form.",
        "errors": {
            "service": "Choose what is needed.",
            "where": "Say where the patient is: use the location, type an address, or "
                     "choose the district and street.",
            "locating": "Still finding the location; wait a moment, then send.",
            "address_empty": "Type the address.",
            "unit_empty": "Choose at least the district.",
            "phone_empty": "Enter a phone number.",
            "phone": "This phone number does not look right. Enter an 11-digit mobile, or a "
                     "landline with its area code (e.g. 021‑64370045).",
            "consent": "Volunteers can see and call you only with your consent: tick the box "
                       "above.",
            "outside": "This place is not in Shanghai. Type an address in Shanghai, or "
                       "choose the district, street and committee.",
            "unit": "The place chosen was not found; choose again.",
            "last_session": "Choose a date from the last 60 days, not in the future.",
            "due_date": "Choose a date from 90 days ago to 180 days ahead.",
            "weeks": "Enter a whole number from 1 to 45.",
            "need": "Say what is needed in 1 to 100 characters.",
            "choice": "Choose from the options.",
            "name": "Write the name as plain text (no < > signs), up to 50 characters.",
            "text": "Write plain text (no < > signs), up to 1,000 characters.",
            "honeypot": "The request was not sent; press “Send the request” once more.",
            "too_many": "Too many requests were sent; try again in {wait}. In an emergency "
                        "call 12345 or 120.",
            "network": "No connection: the request was not sent. Everything you entered is "
                       "still here; press “Send the request” again in a moment.",
            "other": "The request was not sent; check the form and try again.",
        },
        "wait_minutes": "{n} minutes",
        "wait_hours": "{n} hours",
        "done_title": "Your request has been received",
        "done_lead": "A volunteer will phone you as soon as possible; keep your phone on.",
        "merged": "This phone asked for the same help within 24 hours: what you entered now "
                  "was added to that request, whose tracking link is below. To protect "
                  "privacy it shows the progress only: the volunteer will call you.",
        "link_title": "Your tracking link",
        "keep_private": "Keep this link (a screenshot or a copy) and share it only with "
                        "family: anyone with it sees the progress and can add information "
                        "or withdraw the request. It is shown only now.",
        "open_tracking": "Open the tracking page",
        "qr_alt": "QR code of the tracking link",
        "office_title": "The residents' committee or street office nearby, to call:",
        "nearest_title": "Hospitals nearby",
        "nearest_none": "No hospital was found nearby yet; a volunteer will help.",
        "again": "Send another request",
        "restored": "You sent a request from this page; its tracking link:",
    },
}  # fmt: skip

TRACK_WORDS = {
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
        "repeat": "这个电话为同一需要提交过不止一次。为保护隐私，这一页只显示进度，"
                  "不显示医院和留言：志愿者会直接打电话告诉您。",
        "keep": "请保存这个链接，只分享给家人：有链接的人都能看到这一页。",
        "qr_alt": "这个进度页的二维码",
        "qr_hint": "家人可以扫这个二维码打开这一页。",
        "live": "这一页会自动更新。",
        "add_title": "补充信息",
        "add_label": "有新情况？写在这里，处理您求助的志愿者会看到。",
        "add_send": "发送",
        "add_sent": "✓ 已发送，志愿者会看到。",
        "withdraw_title": "不再需要帮助？",
        "withdraw": "撤回求助",
        "withdraw_ask": "撤回后志愿者不再处理，您的电话、姓名、描述和位置会立即删除，"
                        "无法恢复。确定撤回吗？",
        "withdraw_yes": "确定撤回",
        "withdraw_no": "不撤回",
        "new_request": "提交新的求助",
        "errors": {
            "text": "请只写文字（不要用 < > 这类符号），1 到 1000 个字。",
            "finished": "这个求助已经结束。如果还需要帮助，请提交新的求助。",
            "too_many": "发送太频繁了，请过几分钟再试。",
            "network": "网络不通，没有发送成功。您写的内容还在，请稍后再试。",
            "other": "没有成功，请稍后再试。",
        },
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
        "repeat": "This phone asked for the same help more than once. To protect privacy "
                  "this page shows the progress only, not the hospital or messages: the "
                  "volunteer will tell you by phone.",
        "keep": "Keep this link and share it only with family: anyone with it sees this page.",
        "qr_alt": "QR code of this tracking page",
        "qr_hint": "Family can scan this code to open this page.",
        "live": "This page updates by itself.",
        "add_title": "Add information",
        "add_label": "Something new? Write it here; the volunteers handling your request "
                     "will read it.",
        "add_send": "Send",
        "add_sent": "✓ Sent; the volunteers will read it.",
        "withdraw_title": "No longer need help?",
        "withdraw": "Withdraw the request",
        "withdraw_ask": "Once withdrawn, volunteers stop working on it and your phone, name, "
                        "description and position are erased at once, for good. Withdraw?",
        "withdraw_yes": "Yes, withdraw",
        "withdraw_no": "No, keep it",
        "new_request": "Send a new request",
        "errors": {
            "text": "Write plain text (no < > signs), 1 to 1,000 characters.",
            "finished": "This request is finished. If help is still needed, send a new "
                        "request.",
            "too_many": "Too many messages were sent; try again in a few minutes.",
            "network": "No connection: nothing was sent. What you wrote is still here; try "
                       "again in a moment.",
            "other": "That did not work; try again in a moment.",
        },
    },
}  # fmt: skip
