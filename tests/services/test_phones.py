"""Chinese phone numbers as sheets write them: canonical forms, keys, and why a text is
no place's number (issue 17)."""

from __future__ import annotations

import pytest

from app.services.phones import PhoneProblem, keep_extensions, phone_key, read_phone, read_phones


@pytest.mark.parametrize(
    ("written", "number"),
    [("021-64370045", "021-64370045"), ("(021)64370045", "021-64370045"),
     ("021 6437 0045", "021-64370045"), ("+86 21 6437 0045", "021-64370045"),
     ("0086-21-64370045", "021-64370045"), ("86-21-64370045", "021-64370045"),
     ("64370045", "021-64370045"), ("０２１－６４３７００４５", "021-64370045"),
     ("电话：021-64370045（总机）", "021-64370045"),
     ("021-64370045转", "021-64370045"),  # a switchboard: ask the operator
     ("021-64370045转8001", "021-64370045转8001"), ("021-64370045-8001", "021-64370045转8001"),
     ("021-64370045 ext. 8001", "021-64370045转8001"), ("64370045分机8001", "021-64370045转8001"),
     ("13912345678", "13912345678"), ("+86 139 1234 5678", "13912345678"),
     ("400-820-8820", "400-820-8820"), ("8008208820", "800-820-8820"),
     ("0571-87654321", "0571-87654321"), ("0571-8765432", "0571-8765432"),
     ("010-62751234", "010-62751234"), ("+44 20 7946 0000", "+442079460000")],
)  # fmt: skip
def test_numbers_read_into_one_canonical_form(written: str, number: str):
    assert read_phone(written).number == number
    assert read_phone(number).number == number  # reading the canonical form changes nothing


@pytest.mark.parametrize(
    ("written", "why"),
    [("12345", "12345 is the city's hotline (市民热线), not this place's own number"),
     ("120", "120 is the ambulance service, not this place's own number"),
     ("95511", "95511 is a short service number, not this place's own"),
     ("6630058", "7 digits: Shanghai numbers have 8 (a digit missing, or another city's area "
                 "code?)"),
     ("021-663005888888", "12 digits after 021; numbers there have 8"),
     ("021-6437004", "7 digits after 021; numbers there have 8"),
     ("0571-876543210", "9 digits after 0571; numbers there have 7 or 8"),
     ("021-04370045", "the number after 021 begins with 0: no local number does"),
     ("12912345678", "11 digits: not a Chinese phone number"), ("abc", "not a phone number"),
     ("0", "1 digits: not a Chinese phone number"),
     ("02", "2 digits: not a Chinese phone number")],
)  # fmt: skip
def test_a_text_that_is_no_place_s_number_says_why(written: str, why: str):
    with pytest.raises(PhoneProblem) as problem:
        read_phone(written)
    assert str(problem.value) == why


def test_a_number_cell_that_lost_its_leading_zero_is_read_with_a_note():
    phone = read_phone("2164370045")
    assert (phone.number, phone.note) == (
        "021-64370045",
        "the leading 0 was missing (a number cell?)",
    )


def test_a_cell_keeps_its_numbers_and_drops_only_what_is_no_number():
    cell = read_phones("021-64370045 12345、021 6437 0046/64370045;abc")
    assert cell.numbers == ("021-64370045", "021-64370046")
    assert cell.warnings() == [
        "phone '12345' dropped: 12345 is the city's hotline (市民热线), not this place's own "
        "number",
        "phone 'abc' dropped: not a phone number",
    ]
    assert read_phones("").numbers == () and read_phones(" 、 ").warnings() == []


@pytest.mark.parametrize(
    ("phone", "key"),
    [("021-64370045", "64370045"), ("+86 21 6437 0045", "64370045"), ("64370045", "64370045"),
     ("64370045转123", "64370045"), ("021-64370045-8001", "64370045"),
     ("0571-87654321", "057187654321"), ("13912345678", "13912345678"), ("120", "120")],
)  # fmt: skip
def test_numbers_compare_by_their_digits(phone: str, key: str):
    assert phone_key(phone) == key


def test_a_stored_extension_stays_when_a_sheet_leaves_it_out():
    stored = ("021-64370045转8001", "021-64370046")
    assert keep_extensions(stored, ("021-64370045", "13912345678")) == (
        "021-64370045转8001", "13912345678",
    )  # fmt: skip
    assert keep_extensions(stored, ("021-64370045转9",)) == ("021-64370045转9",)
