"""Browser journey (issue 13 B): the county computes an assessment, reviews, freezes and publishes
it; the village secretary, on a phone, sees its own result and its 民主测评 change."""

import datetime as dt

import pytest
from django.utils import timezone

from metrics.models import AssessmentScheme, AssessmentStatus
from tests.e2e.helpers import login
from tests.factories import make_activity, make_survey

pytestmark = pytest.mark.django_db(transaction=True)


def test_county_freezes_and_publishes_and_a_village_sees_its_result_on_a_phone(live_server, w, desktop, phone, shot):
    today = timezone.localdate()
    for unit, n in ((w.villages[0], 3), (w.villages[1], 1)):
        for i in range(n):
            make_activity(w.campaign, unit, date=today - dt.timedelta(days=3 + i))
    make_survey(w.campaign, w.villages[0], held_on=dt.date(today.year, 1, 1), satisfied=80, basically_satisfied=10,
                dissatisfied=10)
    make_survey(w.campaign, w.villages[0], held_on=dt.date(today.year - 1, 6, 1), satisfied=70,
                basically_satisfied=10, dissatisfied=20)

    page = desktop
    page.on("dialog", lambda d: d.accept())     # the freeze and publish confirmations
    login(page, live_server.url, "county")
    page.goto(f"{live_server.url}/metrics/assessments/")
    page.click("text=新建考核方案")
    page.fill("#id_title", "村级共建考核")
    page.select_option("#id_unit", str(w.county.pk))
    page.select_option("#id_level", "village")
    page.fill("#id_date_from", w.campaign.start_date.isoformat())
    page.fill("#id_date_to", today.isoformat())
    page.click("main button[type=submit]")
    page.wait_for_selector("text=已新建考核方案")
    assert page.locator("text=即时计算(未冻结,随记录变动)").count() == 1
    page.fill("#id_note", "台账已核对")
    page.click("text=审核通过")
    page.wait_for_selector("text=考核方案已审核")
    page.click("text=冻结结果")
    page.wait_for_selector("text=考核方案已冻结")
    page.click("text=发布结果")
    page.wait_for_selector("text=考核方案已发布")
    shot(page, "assessment-published-desktop")
    scheme = AssessmentScheme.objects.get(title="村级共建考核")
    assert scheme.status == AssessmentStatus.PUBLISHED and scheme.results.count() == 4
    first = scheme.results.get(rank=1)
    assert first.unit == w.villages[0]

    page = phone
    login(page, live_server.url, "village")
    page.goto(f"{live_server.url}/metrics/assessments/")
    page.click("text=村级共建考核")
    page.wait_for_selector("#results")
    rows = page.locator(".result-row")
    assert rows.count() == 1 and "第1名" in rows.inner_text() and w.villages[0].name in rows.inner_text()
    assert w.villages[1].name not in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "assessment-village-phone")
    page.goto(f"{live_server.url}/metrics/surveys/compare/?unit={w.villages[0].code}")
    total = page.inner_text("#survey-total")
    assert "90.00%" in total and "▲ +10.00 个百分点" in total and "80.00%" in total
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "survey-compare-phone")
