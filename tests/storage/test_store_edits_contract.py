"""The storage contract of people's edits, on every backend: a creation and each field
change recorded with who, when and from where, in the same transaction as the change;
stale and unknown resources refused with nothing recorded; a change to nothing is no
write."""

from __future__ import annotations

import pytest

from app.domain.enums import EditAction, Precision, WriteSource
from app.storage.errors import AlreadyExists, NotFound, VersionConflict
from app.storage.port import Store
from tests.storage.test_store_contract import _hospital


def test_a_creation_is_recorded_with_every_field_it_has(store: Store):
    created = store.create_resource(
        _hospital(ref=None, aliases=("测试",), address="测试路1号"), "协调员", WriteSource.workspace
    )
    assert (created.version, created.name, created.ref) == (1, "测试医院", None)
    assert store.get_resource(created.id) == created
    [edit] = store.resource_edits(created.id)
    assert (edit.action, edit.resource_version, edit.changed_by, edit.via) == (
        EditAction.created, 1, "协调员", WriteSource.workspace,
    )  # fmt: skip
    assert edit.changed_at.tzinfo is not None
    assert edit.changes["name"] == (None, "测试医院")
    assert edit.changes["aliases"] == (None, ["测试"])
    assert edit.changes["precision"] == (None, "approximate")
    assert edit.changes["location_verified"] == (None, False)
    assert "name_en" not in edit.changes and "attributes" not in edit.changes  # not given


def test_each_change_records_old_and_new_and_bumps_the_version(store: Store):
    rid = store.create_resource(_hospital(), "协调员", WriteSource.api).id
    changed = store.edit_resource(
        rid, 1, {"name": "新名字", "phones": ("021-87654321",), "address": None}, "王阿姨",
        WriteSource.workspace,
    )  # fmt: skip
    assert (changed.version, changed.name, changed.phones) == (2, "新名字", ("021-87654321",))
    latest, creation = store.resource_edits(rid)
    assert creation.action is EditAction.created
    assert (latest.action, latest.resource_version, latest.changed_by, latest.via) == (
        EditAction.edited, 2, "王阿姨", WriteSource.workspace,
    )  # fmt: skip
    assert latest.changes == {  # address was None already: not a change
        "name": ("测试医院", "新名字"),
        "phones": (["021-12345678"], ["021-87654321"]),
    }
    assert [e.id for e in store.resource_edits(rid, limit=1, offset=1)] == [creation.id]


def test_a_change_to_nothing_writes_nothing(store: Store):
    created = store.create_resource(_hospital(), "协调员", WriteSource.api)
    same = store.edit_resource(
        created.id, 1, {"name": "测试医院", "services": ("dialysis",)}, "x", WriteSource.api
    )
    assert same == created
    assert len(store.resource_edits(created.id)) == 1


def test_stale_unknown_and_clashing_edits_change_and_record_nothing(store: Store):
    rid = store.create_resource(_hospital(), "协调员", WriteSource.api).id
    store.edit_resource(rid, 1, {"precision": Precision.district}, "a", WriteSource.api)
    with pytest.raises(VersionConflict) as stale:
        store.edit_resource(rid, 1, {"name": "lost update"}, "b", WriteSource.api)
    assert stale.value.current_version == 2
    with pytest.raises(VersionConflict):  # a stale change to nothing is stale all the same
        store.edit_resource(rid, 1, {}, "b", WriteSource.api)
    with pytest.raises(NotFound):
        store.edit_resource(999, 1, {"name": "x"}, "b", WriteSource.api)
    with pytest.raises(ValueError, match="version"):
        store.edit_resource(rid, 2, {"version": 10}, "b", WriteSource.api)
    with pytest.raises(AlreadyExists):
        store.create_resource(_hospital(name="另一家"), "b", WriteSource.api)  # same ref
    assert store.get_resource(rid).name == "测试医院"
    assert [e.changed_by for e in store.resource_edits(rid)] == ["a", "协调员"]
    assert store.resource_edits(999) == []
    assert store.counts()["hospitals"] == 1
