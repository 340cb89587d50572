"""GeoJSON text of a page of resources, written straight from the store's rows.

A page of 1,000 hospitals spent most of its time building a record per row, then a
feature dict per record, then encoding the dicts. Here each feature is one string
formatted from the row, its text values escaped by the ``json`` module's own encoder.
``layers.resource_feature`` stays the definition of a feature: the tests hold both to
the same answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring

from app.domain.layers import FeatureRows
from app.services.problems import unanswered_since


def page_features(
    rows: FeatureRows, now: datetime, ttl_hours: float, service: str | None = None
) -> list[str]:
    """Each resource of ``rows`` as a GeoJSON feature's JSON text, with its statuses'
    ``stale`` and ``age_seconds`` at ``now`` and, with ``service``, that service's
    state, staleness and age copied flat into the properties."""
    ttl = timedelta(hours=ttl_hours)
    return [_feature(row, now, ttl, service) for row in rows.resources]


def item_feature(row: tuple, now: datetime, ttl_hours: float) -> str:
    """One resource (a row of ``FeatureRows.resources``) as a feature's JSON text."""
    return _feature(row, now, timedelta(hours=ttl_hours), None)


def _feature(row: tuple, now: datetime, ttl: timedelta, service: str | None) -> str:
    (resource_id, name, name_en, kind, address, phones, services, precision, verified,
     district_id, street_id, committee_id, version, lon, lat, statuses, reports) = row  # fmt: skip
    parts, checks, chosen = [], {}, None
    current = _statuses(statuses)
    for code in dict.fromkeys((*services, *current)):
        status = current.get(code)
        if status is None:
            shown = ("unknown", "true", "null")
            parts.append(f'{{"service":{_text(code)},"state":"unknown","stale":true,'
                         '"age_seconds":null}')  # fmt: skip
        else:
            state, conditions, reported_at, verified_at = status
            checked = checks[code] = (
                verified_at if verified_at is not None and verified_at > reported_at
                else reported_at
            )  # fmt: skip
            age = now - checked
            shown = (state, _bool(age > ttl), str(max(0, int(age.total_seconds()))))
            parts.append(
                f'{{"service":{_text(code)},"state":{_text(state)},'
                f'"conditions":{conditions},"reported_at":"{reported_at.isoformat()}",'
                f'"verified_at":{_time(verified_at)},"stale":{shown[1]},"age_seconds":{shown[2]}}}'
            )
        if code == service:
            chosen = shown
    reported = _reported(reports)
    problem_at = unanswered_since(services, checks, reported) if reported else None
    flat = "" if chosen is None else (
        f',"state":{_text(chosen[0])},"stale":{chosen[1]},"age_seconds":{chosen[2]}'
    )  # fmt: skip
    return (
        f'{{"type":"Feature","id":{resource_id},"geometry":{{"type":"Point","coordinates":'
        f'[{float(lon)!r},{float(lat)!r}]}},"properties":{{"name":{_text(name)},'
        f'"name_en":{_text(name_en)},"kind":{_text(kind)},"address":{_text(address)},'
        f'"phones":{phones},"services":{_texts(services)},'
        f'"precision":{_text(precision)},"location_verified":{_bool(verified)},'
        f'"district_id":{_int(district_id)},"street_id":{_int(street_id)},'
        f'"committee_id":{_int(committee_id)},"version":{int(version)},'
        f'"statuses":[{",".join(parts)}],"problem_reported_at":{_time(problem_at)}{flat}}}}}'
    )


def _statuses(text: str | None) -> dict[str, tuple]:
    """The statuses' JSON text as (state, conditions' JSON text, reported_at,
    verified_at) by service, sorted by service (the order in which a feature lists the
    statuses of services the resource does not offer)."""
    if not text or text == "[]":
        return {}
    return {
        service: (state, conditions, _utc(reported_at), _utc(verified_at))
        for service, state, conditions, reported_at, verified_at in sorted(json.loads(text))
    }


def _reported(text: str | None) -> dict[str | None, datetime]:
    """The newest open problem report's time per service (None: the whole resource)."""
    if not text or text == "[]":
        return {}
    newest: dict[str | None, datetime] = {}
    for service, created_at in json.loads(text):
        at = _utc(created_at)
        if service not in newest or at > newest[service]:
            newest[service] = at
    return newest


def _utc(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def _text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _texts(values: Sequence[str]) -> str:
    return "[" + ",".join(map(encode_basestring, values)) + "]"


def _int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _time(value: datetime | None) -> str:
    return "null" if value is None else f'"{value.isoformat()}"'
