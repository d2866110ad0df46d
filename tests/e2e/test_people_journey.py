"""Browser journey: a village secretary registers a young woman on a phone and records her 推优 and
积极分子; the township's staff see her phone masked, list her as 入党积极分子 on the board and
are refused nothing they may do."""

import pytest

from organizations.models import OrgKind
from people.models import Person, PersonViewLog
from tests.e2e.helpers import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_village_secretary_registers_and_recommends_on_a_phone(live_server, browser, phone, desktop, shot, w):
    base = live_server.url
    v = w.villages[0]
    league = v.organizations.get(kind=OrgKind.YOUTH_LEAGUE)
    party = v.organizations.get(kind=OrgKind.PARTY_BRANCH)
    page = phone
    login(page, base, "village")
    page.goto(f"{base}/people/new/")
    page.wait_for_selector("h1:has-text('登记人员')")
    page.fill("#id_name", "林晓雪")
    page.select_option("#id_gender", "female")
    page.fill("#id_birth_year", "1999")
    page.select_option("#id_education", "bachelor")
    page.fill("#id_occupation", "蓝莓种植")
    page.check("#id_frontline")
    page.fill("#id_phone", "13912345678")
    page.select_option("#id_status", "league_member")
    page.select_option("#id_branch", str(party.pk))
    page.click("input[type=submit]")
    page.wait_for_selector("h1:has-text('林晓雪')")
    assert page.locator(".person-phone").inner_text().startswith("13912345678")
    # 推荐(推优) by the village's League branch, then 入党积极分子
    page.click("a:has-text('登记“推荐(推优)”')")
    page.fill("#id_date", "2025-03-01")
    page.select_option("#id_recommended_by", str(league.pk))
    page.fill("#id_contacts", "张书记、李委员")
    page.click("input[type=submit]")
    page.wait_for_selector(".pipeline-step")
    page.click("a:has-text('登记“确定为入党积极分子”')")
    page.fill("#id_date", "2025-02-01")           # before the recommendation: refused, in words
    page.click("input[type=submit]")
    page.wait_for_selector("text=不能早于上一环节")
    page.fill("#id_date", "2025-04-01")
    page.click("input[type=submit]")
    page.wait_for_selector(".person-status:has-text('入党积极分子')")
    assert page.locator("a:has-text('列为发展对象')").count() == 0   # the township's step
    shot(page, "people-phone-person")
    person = Person.objects.get(name="林晓雪")
    assert person.status == "activist" and person.steps.count() == 2

    page = desktop
    login(page, base, "township")
    page.goto(f"{base}/people/board/")
    page.click(f"a:has-text('{person.branch.name}')")
    page.wait_for_selector(".board-columns")
    page.click("a:has-text('林晓雪')")
    page.wait_for_selector("h1:has-text('林晓雪')")
    assert "139****5678" in page.locator(".person-phone").inner_text()
    assert page.locator("a:has-text('登记“列为发展对象”')").count() == 1
    shot(page, "people-desktop-person-township")
    assert PersonViewLog.objects.filter(person=person, viewer__username="township").count() == 1
