"""Normalising Chinese place names so that spelling variants compare equal."""

from __future__ import annotations

import re
import unicodedata

WHITESPACE = re.compile(r"\s+")
UNIT_SUFFIXES = ("街道办事处", "街道", "镇", "乡")


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters to half-width) with all white space removed."""
    return WHITESPACE.sub("", unicodedata.normalize("NFKC", text))


def core_name(name: str) -> str:
    """A street/town name without its unit suffix or a trailing 路.

    友谊路街道 and 友谊 give 友谊; 吴淞镇, 吴淞街道 and 吴淞镇街道 give 吴淞;
    半淞园路街道 gives 半淞园.
    """
    core = normalise(name)
    for suffix in UNIT_SUFFIXES:  # in order, so 吴淞镇街道 loses 街道, then 镇
        if core.endswith(suffix) and len(core) > len(suffix) + 1:
            core = core.removesuffix(suffix)
    if core.endswith("路") and len(core) > 2:
        core = core.removesuffix("路")
    return core
