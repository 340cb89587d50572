"""Which service a status sheet's column is about, from its header.

Teams head their columns as they speak: ``血透``, ``透析室``, ``血液透析（4/12）``,
``化疗放疗``, ``急诊科状态``, ``发热门诊是否开放``, ``妇产科``, ``儿童急诊``. A service is
named by its code and names (``app/services/vocabulary.py``) and by the usual variants in
the ``header_aliases`` column of ``geodata/services.csv`` (``|``-separated). The same
words name a service in a sheet of one ``科室``/``服务`` column per row.

A header that is exactly a name wins; otherwise the longest name inside it (``儿童急诊`` is
pediatrics, not emergency; ``发热门诊`` is the fever clinic, not outpatients), the earlier
one on a tie of length (``肿瘤门诊``), and none when two services tie in both or the header
lists two (``急诊/儿科``). Latin names
count only as whole words (``ER``, not the ``er`` of ``fever``). A header about something
beside a status (``发热门诊电话``, ``急诊备注``, ``门诊时间``) names no service column.

A header is read for its first ``MAX_HEADER`` characters, the service names inside it
found once, and the parts between separators searched only for those: a ``科室`` cell is
read on every row of a long sheet, and one built of slashes (``x/x/…``) was searched for
every name once per part (~95 ms for 2,000 characters).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

from app.core.config import BUNDLED_GEODATA_DIR
from app.domain.records import Service
from app.geo.gazetteer import parse_rows
from app.services.vocabulary import fold_word, service_names

SERVICES_FILE = "services.csv"
NOT_STATUS = re.compile(r"电话|地址|联系|备注|说明|来源|核实|时间|日期|名称|负责人|医生|网址|链接")
"""Words of headers beside the status columns: the planner reads those columns itself."""
SEPARATORS = re.compile(r"[/、,;&+]|和|及")
MAX_HEADER = 100
"""Characters of a header (or a ``科室`` cell) read: a service is named in its first words,
and a cell built to be slow costs no more than this much of it."""


def read_header_aliases(geodata_dir: Path) -> dict[str, tuple[str, ...]]:
    """Each service code's header aliases from ``services.csv`` (empty when the column is
    missing, as in a deployment's older copy)."""

    def parse(row: dict[str, str]) -> tuple[str, tuple[str, ...]]:
        aliases = (row.get("header_aliases") or "").split("|")
        return row["code"], tuple(a.strip() for a in aliases if a.strip())

    return dict(parse_rows(geodata_dir / SERVICES_FILE, parse))


@cache
def bundled_header_aliases() -> dict[str, tuple[str, ...]]:
    """The bundled services' header aliases, read once."""
    return read_header_aliases(BUNDLED_GEODATA_DIR)


def service_for_header(
    header: str,
    services: Iterable[Service],
    aliases: Mapping[str, Iterable[str]] | None = None,
) -> str | None:
    """The code of the service a column header (or a ``科室`` cell) names, or None.

    ``services`` are the store's (a deployment may add some); ``aliases`` default to the
    bundled ones.
    """
    aliases = bundled_header_aliases() if aliases is None else aliases
    header = header[:MAX_HEADER]
    spaced = " ".join(unicodedata.normalize("NFKC", header).lower().split())
    folded = fold_word(header)
    if not folded or NOT_STATUS.search(folded):
        return None
    names = {
        service.code: service_names(service) | {fold_word(a) for a in aliases.get(service.code, ())}
        for service in services
    }
    exact = [code for code, words in names.items() if folded in words]
    if exact:
        return exact[0]
    found = _found(spaced, names)
    present: dict[str, set[str]] = {}
    for *_, code, word in found:
        present.setdefault(code, set()).add(word)
    if len(present) > 1:  # a part holds only names the whole header holds
        parts = {_longest(_found(part, present)) for part in SEPARATORS.split(spaced)}
        if len(parts - {None}) > 1:
            return None  # 急诊/儿科: a column about two services
    return _longest(found)


Found = tuple[int, int, str, str]
"""A service name inside a header: (-length, position, code, name)."""


def _found(spaced: str, names: dict[str, set[str]]) -> list[Found]:
    """Every one of ``names`` inside the header."""
    folded = spaced.replace(" ", "")
    found = []
    for code, words in names.items():
        for word in words:
            position = _find(word, folded, spaced)
            if position is not None:
                found.append((-len(word), position, code, word))
    return found


def _longest(found: list[Found]) -> str | None:
    """The service whose name inside the header is longest (the earliest on a tie), or
    None when there is none or two services tie."""
    if not found:
        return None
    found = sorted(found)
    best = found[0]
    rivals = {code for length, position, code, _ in found if (length, position) == best[:2]}
    return best[2] if len(rivals) == 1 else None


def _find(word: str, folded: str, spaced: str) -> int | None:
    """Where ``word`` starts in the header; a Latin name (folded without spaces) as whole
    words of the header with its spaces (``mental health``)."""
    if word.isascii():
        pattern = r"\s?".join(re.escape(char) for char in word)
        match = re.search(rf"(?<![a-z0-9]){pattern}(?![a-z0-9])", spaced)
        return match.start() if match else None
    position = folded.find(word)
    return position if position >= 0 and len(word) >= 2 else None
