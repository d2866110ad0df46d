"""Browser journey of 三级联创: the village secretary declares on a phone (390 px) with the
confirmation box; the township's staff inspect and pass it, then name it with its 文号; the
village's page shows 已命名, and the entry's page who did each step."""

import pytest
from django.utils import timezone

from creation.models import CreationEntry, EntryStatus
from tests.e2e.helpers import login
from tests.factories import make_creation_goal

pytestmark = pytest.mark.django_db(transaction=True)


def test_declare_on_a_phone_inspect_and_name(live_server, phone, desktop, shot, w):
    base = live_server.url
    v = w.villages[0]
    goal = make_creation_goal(w.county, "village", actor=w.users["county"], target_percent=50)
    entry = goal.entries.get(unit=v)
    today = timezone.localdate().isoformat()

    page = phone
    login(page, base, "village")
    page.goto(f"{base}/creation/")
    page.wait_for_selector("a:has-text('五好村党支部')")
    page.goto(f"{base}/creation/entries/")
    page.click(f"a:has-text('{v.name}')")
    page.wait_for_selector("#entry-status:has-text('未申报')")
    page.click("#entry-actions a:has-text('申报')")
    page.wait_for_selector("h1:has-text('申报')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390   # no sideways scrolling
    page.fill("#id_date", today)
    page.fill("#id_statement", "对照“五个好”:班子团结,三会一课记录齐全,与市农业局共建蓝莓基地。")
    page.fill("#id_contact_leader", "铁力镇党委副书记")
    page.click("input[type=submit]")   # without the confirmation box: the browser stops it
    assert CreationEntry.objects.get(pk=entry.pk).status == EntryStatus.NOT_DECLARED
    page.check("#id_confirm")
    page.click("input[type=submit]")
    page.wait_for_selector("#entry-status:has-text('已申报')")
    shot(page, "creation-phone-declared")
    assert page.locator("#entry-actions a").count() == 0   # the village cannot inspect its own

    page = desktop
    login(page, base, "township")
    page.goto(f"{base}/creation/goals/{goal.pk}/")
    page.wait_for_selector("#progress")
    page.goto(f"{base}/creation/entries/{entry.pk}/")
    page.click("#entry-actions a:has-text('验收')")
    page.check("input[name=result][value=pass]")
    page.fill("#id_date", today)
    page.fill("#id_inspectors", "李振华、赵敏")
    page.fill("#id_findings", "查阅台帐、实地查看阵地、走访党员群众10户")
    page.check("#id_confirm")
    page.click("input[type=submit]")
    page.wait_for_selector("#entry-status:has-text('验收通过')")
    page.click("#entry-actions a:has-text('命名')")
    page.fill("#id_date", today)
    page.fill("#id_doc_number", "铁党发〔2026〕12号")
    page.fill("#id_naming_unit", "中共铁力市委")
    page.check("#id_confirm")
    page.click("input[type=submit]")
    page.wait_for_selector("#entry-status:has-text('已命名')")
    steps = page.locator(".step-row").all_inner_texts()
    assert len(steps) == 3 and "登记人:village" in steps[0] and "登记人:township" in steps[2]
    shot(page, "creation-desktop-named")

    page = phone
    page.goto(f"{base}/org/units/{v.pk}/")
    page.wait_for_selector("#creation-panel")
    assert "已命名" in page.locator("#creation-panel").inner_text()
    assert "铁党发〔2026〕12号" in page.locator("#creation-panel").inner_text()
    shot(page, "creation-phone-unit")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.NAMED and entry.leader_name == "张书记"
