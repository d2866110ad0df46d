"""百局联百村 in a real browser: the county reads the matrix and opens a pair's ledger; a bureau
liaison on a phone sees only its own pair and cannot open another's ledger."""

import pytest

from organizations.models import Role
from tests.e2e.helpers import login
from tests.factories import make_user
from tests.pairings.world import build_world, log_everything

pytestmark = pytest.mark.django_db(transaction=True)


def user(username, role, unit):
    u = make_user(username, role, unit)
    u.set_password("cobuild-demo")
    u.save()
    return u


def test_county_reads_the_matrix_and_a_ledger_and_a_liaison_sees_only_its_pair(live_server, desktop, phone, shot):
    c = build_world()
    log_everything(c, c.pa, ago=3)
    user("county", Role.COUNTY_ADMIN, c.county)
    user("bureau", Role.BUREAU_LIAISON, c.bureau)

    page = desktop
    login(page, live_server.url, "county")
    page.goto(f"{live_server.url}/pairings/matrix/")
    page.wait_for_selector("text=结对矩阵")
    # One green pair (a co-building activity 3 days ago) and one red pair (no activity ever).
    assert page.locator(f"a:has-text('{c.villages[0].name}')").count() >= 1
    assert page.inner_text("[data-summary=green]") == "1" and page.inner_text("[data-summary=red]") == "1"
    shot(page, "matrix-desktop")
    page.goto(f"{live_server.url}/pairings/{c.pa.pk}/")
    page.wait_for_selector("text=联合主题党日0")
    with page.expect_download() as dl:
        page.click("a:has-text('Excel')")
    assert dl.value.suggested_filename.endswith(".xlsx")
    shot(page, "ledger-desktop")

    page = phone
    login(page, live_server.url, "bureau")
    page.goto(f"{live_server.url}/pairings/")
    page.wait_for_load_state()
    assert page.locator(f"text={c.villages[0].name}").count() >= 1
    assert page.locator(f"text={c.villages[2].name}").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "register-phone-bureau")
    assert page.goto(f"{live_server.url}/pairings/{c.pb.pk}/").status == 404
    assert page.goto(f"{live_server.url}/pairings/{c.pb.pk}/ledger.xlsx").status == 404
