import pytest

from organizations.models import Role
from tests.e2e.helpers import login
from tests.factories import County, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _user(username, role, unit):
    user = make_user(username, role, unit)
    user.set_password("cobuild-demo")
    user.save()
    return user


def test_county_official_drills_down_and_finds_blank_spots(live_server, desktop, shot):
    c = County()
    _user("county", Role.COUNTY_ADMIN, c.county)
    page = desktop
    login(page, live_server.url, "county")
    # The workbench first; its "我的工作范围" opens the county's page of the tree.
    page.wait_for_selector("h1:has-text('工作台')")
    page.click("#units-title + div a:has-text('测试县')")
    page.wait_for_selector("h1:has-text('测试县')")
    assert page.locator("table").first.is_visible()
    page.click("a:has-text('第1镇')")
    page.wait_for_selector("h1:has-text('第1镇')")
    page.click("a:has-text('第1镇1村')")
    page.wait_for_selector("h1:has-text('第1镇1村')")
    assert page.locator(".cov-yes").count() == 4
    shot(page, "village-desktop")
    page.click("nav.breadcrumb a:has-text('测试县'), ol.breadcrumb a:has-text('测试县')")
    page.click("a:has-text('党群组织覆盖')")
    page.wait_for_selector("text=空白点清单")
    assert page.locator("td:has-text('某某公司')").count() == 1
    shot(page, "coverage-desktop")
    with page.expect_download() as dl:
        page.click("a:has-text('导出 Excel')")
    assert dl.value.suggested_filename.endswith(".xlsx")


def test_village_secretary_on_a_phone_sees_only_their_village(live_server, phone, shot):
    c = County()
    _user("village", Role.VILLAGE_SECRETARY, c.villages[0])
    page = phone
    login(page, live_server.url, "village")
    page.wait_for_selector(f"h1:has-text('{c.villages[0].name}')")
    # The menu collapses behind the toggler on a phone and opens on tap.
    assert not page.locator("#mainnav").is_visible()
    page.click(".navbar-toggler")
    page.wait_for_selector("#mainnav.show")
    shot(page, "village-phone")
    # No horizontal scrolling of the page itself at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    resp = page.goto(f"{live_server.url}/org/units/{c.villages[1].pk}/")
    assert resp.status == 404
