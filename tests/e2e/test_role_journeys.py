"""Browser journeys per role from the workbench (工作台), by clicking only: the village secretary and
the bureau liaison on a 390 px phone, township and county staff on a 1366 px desktop. Each fails
on a 4xx/5xx answer to any page it follows and on horizontal overflow. Screenshots go to
``var/screenshots/`` (created if missing, ignored by git)."""

import datetime as dt
from pathlib import Path

import pytest

from campaigns.models import Activity, ReviewStatus
from tests.clock import today
from tests.e2e.helpers import PHONE, login
from tests.factories import make_commitment

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DESKTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}


class Guard:
    """Records every document or fetch answered with 4xx/5xx, and checks overflow per page."""

    def __init__(self, page, name):
        self.page, self.name, self.failed, self.step = page, name, [], 0
        page.on("response", self._seen)

    def _seen(self, response):
        req = response.request
        if response.status >= 400 and (req.is_navigation_request() or req.resource_type in ("fetch", "xhr")):
            self.failed.append(f"{response.status} {response.url}")

    def check(self, label):
        page = self.page
        page.wait_for_load_state()
        assert not self.failed, self.failed
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"{label}: the page is {width}px wide in a {inner}px window"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.step += 1
        page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{self.step:02d}-{label}.png"), full_page=True)


@pytest.fixture
def context_for(browser):
    contexts = []

    def make(options):
        ctx = browser.new_context(**options)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def _log_by_clicking(page, guard, title):
    guard.check("workbench")
    page.click("a.workbench-log")
    page.wait_for_selector("h1:has-text('填报共建活动')")
    guard.check("form")
    page.fill("#id_title", title)
    page.fill("#id_participants", "23")
    page.click("#activity-submit")
    page.wait_for_selector("#activity-status:has-text('待审核')")
    guard.check("saved")


def test_village_secretary_logs_an_activity_from_the_workbench(live_server, context_for, w):
    page = context_for(PHONE)
    guard = Guard(page, "village-390")
    login(page, live_server.url, "village")
    page.wait_for_selector("h1:has-text('工作台')")
    _log_by_clicking(page, guard, "主题党日:学习新党章")
    # and sees it in "my records", reached from the workbench
    page.click("nav .navbar-brand")
    page.wait_for_selector("h1:has-text('工作台')")
    guard.check("workbench-after")
    page.click("a.workbench-mine")
    page.wait_for_selector("text=主题党日:学习新党章")
    guard.check("mine")
    assert Activity.objects.filter(title="主题党日:学习新党章", author=w.users["village"]).count() == 1


def test_bureau_liaison_logs_an_activity_from_the_workbench(live_server, context_for, w):
    page = context_for(PHONE)
    guard = Guard(page, "bureau-390")
    login(page, live_server.url, "bureau")
    page.wait_for_selector("h1:has-text('工作台')")
    _log_by_clicking(page, guard, "送科技下乡")
    assert Activity.objects.get(title="送科技下乡").author == w.users["bureau"]


def test_township_approves_one_from_the_workbench_count(live_server, context_for, w):
    w.log(title="村里的义诊")
    w.log(title="村里的党课")
    page = context_for(DESKTOP)
    guard = Guard(page, "township-1366")
    login(page, live_server.url, "township")
    page.wait_for_selector("h1:has-text('工作台')")
    assert page.inner_text("[data-todo=review] .badge") == "2"
    guard.check("workbench")
    page.click("[data-todo=review]")
    page.wait_for_selector("[data-count=submitted]")
    guard.check("queue")
    page.locator("button[name=decision][value=verify]").first.click()
    page.wait_for_load_state()
    guard.check("approved")
    assert Activity.objects.filter(status=ReviewStatus.VERIFIED).count() == 1
    page.click("nav .navbar-brand")
    page.wait_for_selector("h1:has-text('工作台')")
    assert page.inner_text("[data-todo=review] .badge") == "1"
    guard.check("workbench-after")


def test_county_opens_a_warning_from_the_workbench(live_server, context_for, w):
    make_commitment(w.campaign, w.villages[0], content="修通村组道路", due_date=today() - dt.timedelta(days=4))
    page = context_for(DESKTOP)
    guard = Guard(page, "county-1366")
    login(page, live_server.url, "county")
    page.wait_for_selector("h1:has-text('工作台')")
    assert page.locator("h2:has-text('主要指标')").is_visible()
    guard.check("workbench")
    page.click("[data-warning=commitments]")
    page.wait_for_load_state()
    assert page.locator("text=修通村组道路").first.is_visible()
    guard.check("overdue-commitments")
    page.go_back()
    page.click("[data-warning=pairs]")
    page.wait_for_load_state()
    guard.check("silent-pairs")
