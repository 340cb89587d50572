import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from app.core.text import clean_optional, clean_text

HIDDEN = (
    "\u202e\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u200c\u200d\u2060\ufeff\u00ad"
)


def test_direction_overrides_and_zero_width_characters_are_dropped():
    forged = "瑞金医院\u202e：满床位\u200b请拨 138\u2060001\ufeff38000"
    assert clean_text(forged) == "瑞金医院：满床位请拨 13800138000"
    assert clean_text("".join(HIDDEN)) == ""
    assert clean_text("\U000e0041\U000e0042tag\ue000") == "tag"  # tag and private-use characters


def test_white_space_of_every_kind_is_one_space_or_one_line_break():
    assert clean_text(" 人民\u3000广场\u00a0 站\t") == "人民 广场 站"
    assert clean_text("一\r\n二\u2028三") == "一 二 三"
    assert clean_text("一\r\n\r\n 二\u2029三 ", multiline=True) == "一\n二\n三"


def test_blank_letters_do_not_pass_for_a_name():
    assert clean_text("\u3164\u3164") == ""
    assert clean_optional("\u200b ") is None
    assert clean_optional(None) is None


@given(st.text())
def test_cleaned_text_holds_nothing_invisible_and_cleans_to_itself(text: str):
    for multiline in (False, True):
        cleaned = clean_text(text, multiline=multiline)
        hidden = [c for c in cleaned if unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co"}]
        assert hidden == ([] if not multiline else [c for c in hidden if c == "\n"])
        assert clean_text(cleaned, multiline=multiline) == cleaned
        assert cleaned == cleaned.strip()


@given(st.text())
def test_printable_text_takes_the_short_way_to_the_same_answer(text: str):
    for multiline in (False, True):  # a control character sends text the per-character way
        slow = clean_text(text + "\x00", multiline=multiline)
        assert clean_text(text, multiline=multiline) == slow
