"""The workspace's other tools in real Chromium against ``aidmap serve``: fixing a
location by a pasted Amap link and by dragging, a coordinator's import through the page,
a session cookie sent by another site's page, a browser with no session, HTML in data
shown as text and names shown as written."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import httpx

from app.domain.enums import Precision, Role
from app.domain.records import NewResource
from app.geo.crs import wgs84_to_gcj02
from app.services.auth import create_token
from tests.web.desk import another_site, card, choose_service, hospitals_offering, sign_in


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (a[0] - b[0]) * 111_320 * math.cos(math.radians(a[1]))
    return math.hypot(dx, (a[1] - b[1]) * 110_540)


def _unverified(served) -> list[int]:
    """Hospitals whose point nobody confirmed, in id order."""
    hospitals = served.store.iter_resources(kind="hospital")
    return sorted(r.id for r in hospitals if not r.location_verified)


def test_a_verifier_fixes_one_location_by_a_pasted_amap_link_and_another_by_dragging(
    served, open_page
):
    linked, dragged = _unverified(served)[:2]
    truth = (121.4684, 31.2117)
    gcj = wgs84_to_gcj02(*truth)
    phone = sign_in(served, open_page, "定位员", Role.verifier)
    item = card(phone, linked, None)
    item.locator("button.head").tap()
    item.get_by_label("粘贴高德或百度地图的分享链接或文字").fill(
        f"https://uri.amap.com/marker?position={gcj[0]:.6f},{gcj[1]:.6f}&name=瑞金医院"
    )
    phone.screenshot("desk-location-360x740")
    item.get_by_role("button", name="保存位置").tap()
    phone.wait_for("document.querySelector('#queue .card .location .done')")
    placed = served.store.get_resource(linked)
    assert placed.precision is Precision.exact and placed.location_verified
    assert metres((placed.lon, placed.lat), truth) < 2  # the GCJ-02 shift undone

    before = served.store.get_resource(dragged)
    item.locator("button.head").tap()  # close the first card
    other = card(phone, dragged, None)
    other.locator("button.head").tap()
    other.get_by_role("button", name="在地图上拖动").tap()
    phone.wait_for("document.querySelector('.loc-map .leaflet-marker-icon')")
    icon = other.locator(".leaflet-marker-icon")
    assert "/static/vendor/leaflet-" in icon.get_attribute("src")  # not guessed from the page
    box = icon.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] - 4
    phone.page.mouse.move(x, y)
    phone.page.mouse.down()
    phone.page.mouse.move(x + 30, y, steps=8)
    phone.page.mouse.move(x + 60, y, steps=8)
    phone.page.mouse.up()
    phone.screenshot("desk-location-drag-360x740")
    other.get_by_role("button", name="保存位置").tap()
    phone.wait_for("document.querySelectorAll('#queue .card .location .done').length")
    moved = served.store.get_resource(dragged)
    assert moved.precision is Precision.exact and moved.location_verified
    assert (
        moved.lon > before.lon
        and 20 < metres((moved.lon, moved.lat), (before.lon, before.lat)) < 200
    )
    [change, *_] = served.store.location_history(dragged)
    assert (change.changed_by, change.via) == ("定位员", "workspace")
    assert phone.errors == []


def test_a_coordinator_previews_and_applies_an_import_through_the_page(served, open_page, tmp_path):
    sheet = tmp_path / "team.csv"
    sheet.write_text(
        "医院名称,所属区,地址,电话\n页面导入医院,黄浦区,西藏南路1号,021-55559999\n坏医院,火星区,,\n",
        encoding="utf-8",
    )
    phone = sign_in(served, open_page, "李协调", Role.coordinator)
    phone.page.get_by_role("link", name="导入").tap()
    phone.page.set_input_files("#import-file", str(sheet))
    phone.page.select_option("#import-kind", "hospitals")
    phone.page.get_by_role("button", name="预览").tap()
    phone.wait_for("document.querySelector('#import-plan .plan')")
    plan = phone.page.locator("#import-plan").inner_text()
    assert "新增 1" in plan and "有问题 1" in plan and "火星区" in plan
    assert not [r for r in served.store.iter_resources() if r.name == "页面导入医院"]  # a dry run
    phone.screenshot("desk-import-plan-360x740")
    phone.page.get_by_label("跳过有问题的行").check()
    phone.page.get_by_role("button", name="确认导入").tap()
    phone.wait_for("document.querySelector('#import-plan .done')")
    [added] = [r for r in served.store.iter_resources() if r.name == "页面导入医院"]
    assert added.phones == ("021-55559999",)
    assert phone.errors == []


def test_the_import_form_cannot_be_sent_before_its_script_has_come(served, open_page):
    """Sent early, the form went out as a plain GET: the page reloaded with the form's
    fields in its address and the plan never came."""
    phone = sign_in(served, open_page, "急协调", Role.coordinator)
    held = []
    phone.page.route("**/desk-import.js", lambda route: held.append(route))  # held back
    phone.page.get_by_role("link", name="导入").tap()
    phone.wait_for("!document.getElementById('tab-import').hidden")
    preview = phone.page.get_by_role("button", name="预览")
    assert preview.is_disabled()
    for _ in range(200):  # the request is seen by the test's next calls into the browser
        if held:
            break
        phone.page.wait_for_timeout(50)
    held[0].continue_()
    phone.wait_for("!document.querySelector('#import-form button').disabled")
    assert phone.page.url == f"{served.base}/desk#import"


def test_a_session_cookie_sent_from_another_sites_page_changes_nothing(served, open_page):
    hospital = hospitals_offering(served, "dialysis")[5]
    phone = sign_in(served, open_page, "受害者", Role.verifier)
    target = f"{served.base}/api/v1/resources/{hospital}/claim"
    page = f"""<!doctype html><html><body>
<form id=f method=post action="{target}"><input name=x value=1></form>
<script>
fetch("{target}", {{method: "POST", credentials: "include", mode: "no-cors"}})
  .finally(() => document.getElementById("f").submit());
</script></body></html>"""  # a plain form post (no preflight) and a fetch with credentials
    with another_site(page) as url:
        assert phone.page.goto(url).ok
        phone.page.wait_for_url(f"{served.base}/**", timeout=10_000)  # the form was sent
        assert "cross_site" in phone.page.content()
        assert served.store.active_claims(datetime.now(UTC), [hospital]) == {}


def test_a_browser_without_a_session_is_told_how_to_sign_in(served, open_page):
    phone = open_page(360, 740, touch=True)
    response = phone.page.goto(served.base + "/desk")
    assert response.status == 401
    text = phone.page.locator("main").inner_text()
    assert "邀请链接" in text and phone.page.locator("script").count() == 0
    assert phone.page.locator("#queue").count() == 0
    phone.screenshot("desk-signed-out-360x740")
    english = open_page(360, 740, locale="en-GB", touch=True)
    english.page.goto(served.base + "/desk")
    assert "invite link" in english.page.locator("main").inner_text()


def test_html_in_a_name_note_or_report_is_shown_as_text_in_the_desk(served, open_page):
    evil = "<img src=x onerror=alert(1)>"
    [added], _ = served.store.apply_resource_changes(
        [NewResource(kind="hospital", name=evil, lon=121.50, lat=31.25, address=evil,
                     precision=Precision.exact, services=("dialysis",), phones=(evil,))],
        [],
    )  # fmt: skip
    served.put_status(added.id, "dialysis", "open", note=evil)
    served.store.add_problem_report(added.id, "dialysis", evil)
    phone = sign_in(served, open_page, "小心", Role.verifier, lang="en")
    item = card(phone, added.id, "dialysis")
    item.locator("button.head").tap()
    phone.wait_for("document.querySelector('#queue .card .reports')")
    text = item.inner_text()
    assert text.count(evil) >= 4  # name, address, note, report: as text
    assert phone.page.locator("#queue img").count() == 0 and phone.dialogs == []
    phone.screenshot("desk-card-en-360x740")


def test_a_coordinator_adds_a_hospital_after_seeing_a_possible_duplicate_then_edits_it(
    served, open_page
):
    existing = served.store.get_resource(hospitals_offering(served, "dialysis")[3])
    phone = sign_in(served, open_page, "周协调", Role.coordinator)
    phone.page.get_by_role("link", name="新增医院").tap()
    form = phone.page.locator("#hospital-form")
    phone.wait_for("document.querySelectorAll('#h-district option').length > 10")
    form.get_by_label("医院名称").fill("页面新增透析中心")
    form.get_by_label("所在区").select_option(label="黄浦区")
    form.get_by_label("地址").fill("西藏南路2号")
    form.get_by_label("电话（每行一个）").fill(existing.phones[0])  # another's number
    form.locator(".chips label", has_text="血透").tap()
    form.get_by_role("button", name="保存医院").tap()
    phone.wait_for("document.querySelector('#hospital-dupes .dupes')")
    dupes = phone.page.locator("#hospital-dupes").inner_text()
    assert existing.name in dupes and "同电话" in dupes
    assert not [r for r in served.store.iter_resources() if r.name == "页面新增透析中心"]
    phone.screenshot("desk-add-duplicate-360x740")
    form.get_by_role("button", name="确认不是重复，仍然保存").tap()
    phone.wait_for("document.querySelector('#hospital-dupes .done')")
    [added] = [r for r in served.store.iter_resources() if r.name == "页面新增透析中心"]
    assert added.services == ("dialysis",)
    [edit] = served.store.resource_edits(added.id)
    assert (edit.changed_by, edit.via) == ("周协调", "workspace")

    phone.page.get_by_role("link", name="核实队列").tap()
    phone.page.get_by_role("button", name="刷新").tap()
    item = card(phone, added.id, "dialysis")
    item.locator("button.head").tap()
    item.get_by_role("link", name="编辑医院信息").tap()
    phone.wait_for("document.getElementById('h-name').value === '页面新增透析中心'")
    form.get_by_label("地址").fill("西藏南路3号")
    form.get_by_role("button", name="保存医院").tap()
    phone.wait_for("document.querySelector('#hospital-dupes .done')")
    assert served.store.get_resource(added.id).address == "西藏南路3号"
    assert phone.errors == [e for e in phone.errors if e.endswith("409 (Conflict)")]


def test_a_coordinator_invites_someone_from_the_page_and_sees_the_link_and_qr(served, open_page):
    phone = sign_in(served, open_page, "吴协调", Role.coordinator)
    phone.page.get_by_role("link", name="邀请").tap()
    phone.page.get_by_label("受邀人姓名").fill("赵同学")
    phone.page.get_by_label("角色").select_option("volunteer")
    phone.page.get_by_role("button", name="生成邀请").tap()
    phone.wait_for("document.querySelector('#invite-made img')?.complete")
    link = phone.page.locator("#invite-made a").inner_text()
    assert link.startswith(f"{served.base}/join/")
    assert phone.page.locator("#invite-made img").evaluate("i => i.naturalWidth") > 0
    phone.wait_for("document.getElementById('invites').innerText.includes('赵同学')")
    assert "coordinator" not in phone.page.locator("#invite-role").inner_text()
    phone.screenshot("desk-invite-360x740")
    assert {i.name for i in served.store.list_invites()} >= {"赵同学"}
    assert phone.errors == []


def test_names_that_look_like_patterns_or_placeholders_are_shown_as_written(served, open_page):
    """Words were filled in with String.replace: "$'" in a name repeated the rest of the
    sentence, and a name holding "{ago}" was filled in again by the next replace."""
    name = "老王$'{ago}"
    hospital = hospitals_offering(served, "dialysis")[7]
    _, secret = create_token(served.store, name, Role.verifier)
    them = {"Authorization": f"Bearer {secret}"}
    url = f"{served.base}/api/v1/resources/{hospital}"
    version = httpx.get(url).json()["version"]
    httpx.put(f"{url}/status/dialysis", json={"state": "open", "verified": True},
              headers=them | {"If-Match": f'"{version}"'}).raise_for_status()  # fmt: skip
    httpx.post(f"{url}/claim", headers=them).raise_for_status()
    phone = sign_in(served, open_page, "小赵", Role.volunteer)
    choose_service(phone, "dialysis")
    item = card(phone, hospital, "dialysis")
    claim = item.locator(".claim").text_content()  # (cards off screen are not laid out)
    assert claim.startswith(f"{name} 正在致电，") and claim.count("正在致电") == 1, claim
    item.locator("button.head").tap()
    phone.wait_for("document.querySelector('#queue .card ul.statuses')")
    assert f"{name} 核实" in item.locator("ul.statuses").text_content()
    assert [e for e in phone.errors if "409 (Conflict)" not in e] == []  # the claim is theirs


def test_a_desk_link_opened_from_another_site_lands_on_the_desk_signed_in(served, open_page):
    phone = sign_in(served, open_page, "从聊天来", Role.volunteer)
    link = f'<!doctype html><a id="go" href="{served.base}/desk">工作台</a>'  # a webmail, a chat
    with another_site(link) as url:
        phone.page.goto(url)
        phone.page.locator("#go").click()
        phone.wait_for("document.querySelectorAll('#queue .card').length > 0")
        assert phone.page.locator("#me").inner_text().startswith("从聊天来")
        stranger = open_page(360, 740, touch=True)  # no session: one reload, then sign-in
        stranger.page.goto(url)
        with stranger.page.expect_response(lambda r: r.status == 401) as signed_out:
            stranger.page.locator("#go").click()
        assert signed_out.value.url == f"{served.base}/desk"
        stranger.wait_for("document.body.innerText.includes('邀请链接')")
