"""A status sheet as a source: its statuses reported by ``source:NAME``, held when it would
change too many, and never written over a person's newer word."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.domain.sources import RunOutcome, SourceKind
from app.domain.statuses import StatusReport
from app.services.sources.run import approve, run_source
from tests.services.sources.sheet_server import Sheet

pytest.importorskip("app.services.imports.status_plan", reason="status sheets are not merged")

HEADER = "医院名称,区,血透,急诊,更新时间"
FIRST = {
    "瑞金医院": "黄浦区,可接收,正常,4/12 14:30",
    "仁济西院": "黄浦区,暂停接收,正常,4/12 14:30",
    "长征医院": "黄浦区,需预约,可接诊,4/12 15:00",
    "华山医院": "静安区,停诊,开放,4/12 15:00",
}
"""Four hospitals that offer both services: eight cells."""


def status_sheet(rows: dict[str, str]) -> bytes:
    lines = ["各医院接诊情况（核实组）,,,,", HEADER, *(f"{k},{v}" for k, v in rows.items())]
    return ("\n".join(lines) + "\n").encode()


def ids(store) -> dict[str, int]:
    return {r.ref: r.id for r in store.iter_resources(kind="hospital")}


def test_a_status_sheet_keeps_the_map_in_step_but_not_over_a_persons_word(runner, server, add):
    store = runner.store
    server.sheets["/s.csv"] = document = Sheet(status_sheet(FIRST))
    add("核实组", server.url("/s.csv"), kind=SourceKind.statuses)
    held = run_source(runner, "核实组", "me")  # every cell is new: 8 of 8
    assert held.outcome is RunOutcome.held and "8 of 8 (100%)" in held.reason
    assert store.statuses_for([ids(store)["ruijin"]], "dialysis") == {}
    assert approve(runner, "核实组", "me").outcome is RunOutcome.applied
    ruijin, huashan = ids(store)["ruijin"], ids(store)["huashan"]
    status = store.statuses_for([ruijin], "dialysis")[ruijin]
    assert (status.state, status.reported_by) == ("open", "source:核实组")
    [entry, *_] = store.history(ruijin, service="dialysis")
    assert entry.status.source.startswith("import:source:核实组 row 3")

    version = store.get_resource(ruijin).version
    person = StatusReport("closed", "王阿姨", reported_at=datetime.now(UTC))
    store.set_status(ruijin, "dialysis", person, version)
    rows = {k: v.replace("14:30", "16:00").replace("15:00", "16:00") for k, v in FIRST.items()}
    rows["华山医院"] = "静安区,可接收,开放,4/12 16:00"
    document.body = status_sheet(rows)
    applied = run_source(runner, "核实组", "me")  # one change of eight: under 30%
    assert applied.outcome is RunOutcome.applied, applied.reason
    assert store.statuses_for([ruijin], "dialysis")[ruijin].reported_by == "王阿姨"  # newer
    assert store.statuses_for([huashan], "dialysis")[huashan].state == "open"

    later = {}
    for hospital, cells in rows.items():
        district, dialysis, _emergency, _time = cells.split(",")
        later[hospital] = f"{district},{dialysis},暂停接收,4/12 17:00"
    document.body = status_sheet(later)
    big = run_source(runner, "核实组", "me")
    assert big.outcome is RunOutcome.held and "4 of 7 (57%)" in big.reason  # 瑞金 血透 is late


def test_rows_that_change_nothing_do_not_water_down_the_share_of_changes(runner, server, add):
    """Every cell changed, under 40 cells of earlier rows of the same hospitals (each
    superseded by a later row: never written) and 8 dated before the statuses they would
    replace (late): counted in the whole, the changes were 8 of 56 (14%) and went to the
    map unreviewed. They are 8 of the 8 cells the run would write."""
    store = runner.store
    server.sheets["/s.csv"] = document = Sheet(status_sheet(FIRST))
    add("核实组", server.url("/s.csv"), kind=SourceKind.statuses)
    run_source(runner, "核实组", "me")
    approve(runner, "核实组", "me")
    before = store.statuses_for(list(ids(store).values()), "dialysis")
    changed = {name: f"{cells.split(',')[0]},满员,满员,4/12 18:00" for name, cells in FIRST.items()}
    filler = [f"{name},{FIRST[name].split(',')[0]},可接收,正常,4/12 18:00" for name in FIRST] * 5
    late = ["瑞金医院,黄浦区,停诊,停诊,4/11 08:00"] * 4  # before the stored check: late
    lines = ["各医院接诊情况（核实组）,,,,", HEADER, *late, *filler]
    lines += [f"{k},{v}" for k, v in changed.items()]
    document.body = ("\n".join(lines) + "\n").encode()
    held = run_source(runner, "核实组", "me")
    assert held.outcome is RunOutcome.held and "8 of 8 (100%)" in held.reason, held.reason
    assert store.statuses_for(list(ids(store).values()), "dialysis") == before


def test_a_held_status_plan_says_what_each_cell_would_become(runner, server, add):
    """The held plan listed each cell as a hospital's id, a service and ``change``: a
    coordinator could not see what was about to be approved (a vandalised sheet's 暂停
    everywhere looked like any other change)."""
    server.sheets["/s.csv"] = Sheet(status_sheet(FIRST))
    add("核实组", server.url("/s.csv"), kind=SourceKind.statuses)
    held = run_source(runner, "核实组", "me")
    ruijin = next(c for c in held.plan["cells"] if c["service"] == "dialysis" and c["row"] == 3)
    assert ruijin["name"] == "上海交通大学医学院附属瑞金医院" and ruijin["text"] == "可接收"
    assert (ruijin["old"], ruijin["new"]) == (None, {"state": "open", "conditions": []})
    assert runner.store.get_source("核实组").held.plan == held.plan
