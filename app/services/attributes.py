"""Which imported columns the public may read.

A volunteer sheet's columns without a field of their own are kept as a resource's
``attributes``; in 2022 those were as often 联系人 / 联系人手机 / 内部备注 as 等级. They are
shown to signed-in roles only, except the columns named here, which hold facts about the
place and never about a person.
"""

from __future__ import annotations

from collections.abc import Mapping

PUBLIC_ATTRIBUTES = frozenset({"level"})
"""The bundled hospitals' grade (三级甲等 …), from geodata/hospitals.csv."""


def shown_attributes(attributes: Mapping[str, str], signed_in: bool) -> dict[str, str]:
    """``attributes`` as a reader may see them: all when signed in, else the public ones."""
    if signed_in:
        return dict(attributes)
    return {key: value for key, value in attributes.items() if key in PUBLIC_ATTRIBUTES}


def private_columns(headers: list[str]) -> list[str]:
    """The columns of an import that only signed-in roles will read."""
    return [header for header in headers if header not in PUBLIC_ATTRIBUTES]
