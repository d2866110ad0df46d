"""Browser journey (issue 13 part A): one 评选 cycle — the county starts it and assigns a reviewer;
the village secretary nominates the village from a phone; the township passes it; the reviewer
scores it; the county passes it and opens 公示; anyone reads the public page; an objection is
recorded and answered; the county closes 公示 and awards; the award shows on the village's page
and the nomination's history says who did what."""

import pytest

from evaluations.models import Cycle, Nomination, NominationStatus
from tests.campaigns.activity_world import days
from tests.e2e.helpers import login as _login
from tests.factories import make_scheme

pytestmark = pytest.mark.django_db(transaction=True)


def login(page, base, username):
    page.context.clear_cookies()   # one page, several roles in turn
    _login(page, base, username)


def _accept_confirms(page):
    page.on("dialog", lambda d: d.accept())


def test_one_cycle_from_nomination_to_award(live_server, browser, desktop, phone, shot, w):
    base = live_server.url
    village = w.villages[0]
    make_scheme(name="五个好先进集体", criteria=(("领导班子好", 50, "", None), ("工作业绩好", 50, "activities", 10)))
    w.log(title="联合主题党日")
    for page in (desktop, phone):
        _accept_confirms(page)

    # The county starts the cycle and assigns the inspector as reviewer.
    login(desktop, base, "county")
    desktop.goto(f"{base}/evaluations/")
    desktop.click("text=发起评选")
    desktop.select_option("#id_scheme", label="五个好先进集体")
    desktop.select_option("#id_organiser", str(w.county.pk))
    desktop.fill("#id_nomination_deadline", days(10).isoformat())
    desktop.fill("#id_objection_contact", "县委组织部 0458-1234567")
    desktop.click("main button[type=submit]")
    desktop.wait_for_selector("text=各单位可以开始推荐")
    cycle = Cycle.objects.get()
    desktop.click("text=指派评审人")
    desktop.select_option("#id_reviewer", label="inspector")
    desktop.click("main button[type=submit]")
    desktop.wait_for_selector("text=已指派inspector为评审人")

    # The village secretary nominates the village from a phone, with the activity as evidence.
    login(phone, base, "village")
    phone.goto(f"{base}/evaluations/{cycle.pk}/")
    phone.click("main a:has-text('推荐')")
    phone.click(f"text={village.name}")
    phone.fill("#id_statement", "全年开展联合主题党日十二次,帮助群众解决实际困难二十件,群众满意。")
    phone.check("input[name=activities]")
    phone.click("main button[type=submit]")
    phone.wait_for_selector("text=待乡镇审核")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "evaluation-nominated-phone")
    n = Nomination.objects.get()

    # The township passes it.
    login(desktop, base, "township")
    desktop.goto(f"{base}/evaluations/nominations/{n.pk}/")
    desktop.click("main a:has-text('乡镇审核')")
    desktop.check("input[name=result][value=pass]")
    desktop.click("main button[type=submit]")
    desktop.wait_for_selector("text=乡镇审核已完成")

    # The reviewer scores it, seeing the suggested score from the figures.
    login(desktop, base, "inspector")
    desktop.goto(f"{base}/evaluations/nominations/{n.pk}/")
    assert desktop.inner_text(".suggested") == "10.0"   # 1 activity of the 10 that give full marks
    desktop.click("main a:has-text('评分')")
    crit = list(cycle.scheme.criteria.all())
    desktop.fill(f"#id_score_{crit[0].pk}", "90")
    desktop.fill(f"#id_comment_{crit[0].pk}", "班子团结")
    desktop.fill(f"#id_score_{crit[1].pk}", "70")
    desktop.click("main button[type=submit]")
    desktop.wait_for_selector("text=评分已保存")
    assert desktop.inner_text("#total-score") == "80.0"

    # The county passes it and opens 公示.
    login(desktop, base, "county")
    desktop.goto(f"{base}/evaluations/nominations/{n.pk}/")
    desktop.click("main a:has-text('县级评审')")
    desktop.check("input[name=result][value=pass]")
    desktop.click("main button[type=submit]")
    desktop.wait_for_selector("text=县级评审已完成")
    desktop.goto(f"{base}/evaluations/{cycle.pk}/")
    desktop.fill("#id_publicity_start", days(-7).isoformat())
    desktop.fill("#id_publicity_end", days(-1).isoformat())
    desktop.click("button:has-text('发布公示')")
    desktop.wait_for_selector("text=公示已发布")
    cycle.refresh_from_db()

    # Anyone reads the public page (no login), without personal data.
    anon = browser.new_context(viewport={"width": 390, "height": 844})
    public = anon.new_page()
    public.goto(f"{base}/p/{cycle.board.token}/")
    public.wait_for_selector(f"text={village.name}")
    assert "0458-1234567" in public.inner_text("body")
    shot(public, "evaluation-publicity-public")
    anon.close()

    # An objection is recorded; 公示 cannot close until it is answered.
    desktop.goto(f"{base}/evaluations/nominations/{n.pk}/")
    desktop.click("text=登记公示异议")
    desktop.fill("#id_content", "反映该村活动台帐不全。")
    desktop.click("main button[type=submit]")
    desktop.wait_for_selector("text=异议已登记")
    desktop.goto(f"{base}/evaluations/{cycle.pk}/close/")
    desktop.click("main button[type=submit]")
    desktop.wait_for_selector("text=条公示异议未答复")
    desktop.goto(f"{base}/evaluations/nominations/{n.pk}/")
    desktop.click("#objections a:has-text('答复')")
    desktop.check("input[name=outcome][value=dismissed]")
    desktop.fill("#id_answer", "经核实,活动均已登记并审核,台帐完整。")
    desktop.click("main button[type=submit]")
    desktop.wait_for_selector("text=异议已答复")
    desktop.goto(f"{base}/evaluations/{cycle.pk}/close/")
    desktop.click("main button[type=submit]")
    desktop.wait_for_selector("text=公示已结束")

    # The county awards; the award shows on the village's page; the history says who did what.
    desktop.click("button:has-text('授予称号')")
    desktop.wait_for_selector("text=已授予 1 个")
    n.refresh_from_db()
    assert n.status == NominationStatus.AWARDED
    desktop.goto(f"{base}/org/units/{village.pk}/")
    desktop.wait_for_selector("#awards")
    assert "年度五个好先进集体" in desktop.inner_text("#awards")
    desktop.goto(f"{base}/evaluations/nominations/{n.pk}/")
    history = desktop.inner_text("#history")
    for who in ("village", "township", "county"):
        assert who in history, who
    shot(desktop, "evaluation-awarded")
