"""GeoJSON text of a page of resources, written straight from the store's rows.

A page of 1,000 hospitals spent most of its time building a record per row, then a
feature dict per record, then encoding the dicts. Here each feature is one string
formatted from the row, its text values escaped by the ``json`` module's own encoder.
``layers.resource_feature`` stays the definition of a feature: the tests hold both to
the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from json.encoder import encode_basestring

from app.domain.layers import FeatureRows
from app.services.problems import unanswered_since


def page_features(
    rows: FeatureRows,
    reported: Mapping[int, Mapping[str | None, datetime]],
    now: datetime,
    ttl_hours: float,
    service: str | None = None,
) -> list[str]:
    """Each resource of ``rows`` as a GeoJSON feature's JSON text, with its statuses'
    ``stale`` and ``age_seconds`` at ``now`` (phones and conditions as the store keeps
    their JSON); ``reported`` holds the open
    problem reports' times (``AccessStore.problem_report_times``)."""
    by_resource: dict[int, dict[str, tuple]] = {}
    for resource_id, status_service, *status in rows.statuses:
        by_resource.setdefault(resource_id, {})[status_service] = status
    ttl = timedelta(hours=ttl_hours)
    return [
        _feature(row, by_resource.get(row[0], {}), reported.get(row[0]), now, ttl, service)
        for row in rows.resources
    ]


def _feature(row: tuple, statuses: dict[str, tuple], reported, now, ttl, service) -> str:
    (resource_id, name, name_en, kind, address, phones, services, precision, verified,
     district_id, street_id, committee_id, version, lon, lat) = row  # fmt: skip
    parts, checks, chosen = [], {}, None
    for code in dict.fromkeys((*services, *statuses)):
        status = statuses.get(code)
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
