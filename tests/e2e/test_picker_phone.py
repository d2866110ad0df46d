"""Browser journey: a county admin with more units than the picker threshold chooses the unit of
an activity on a phone by typing part of its name and using the keyboard (static/js/picker.js)."""

import pytest

from cobuild import pickers
from tests.campaigns.activity_world import media  # noqa: F401
from tests.e2e.helpers import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_unit_picker_searches_and_is_keyboard_usable_on_a_phone(live_server, phone, shot, w, monkeypatch):
    monkeypatch.setattr(pickers, "PLAIN_SELECT_MAX", 2)  # the World county is small: search anyway
    base, page = live_server.url, phone
    login(page, base, "county")
    page.goto(f"{base}/campaigns/activities/new/")
    box = page.locator("input[role=combobox]").first
    assert box.is_visible() and not page.locator("select[name=unit]").is_visible()
    # the label now points at the search box
    assert page.get_attribute("label[for=id_unit-search]", "for") == "id_unit-search"

    box.click()
    box.fill("第2镇1")
    page.wait_for_selector("[role=listbox] [role=option]:has-text('第2镇1村')")
    assert page.locator("[role=listbox] [role=option]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "unit-picker-phone")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant")
    with page.expect_navigation():
        box.press("Enter")  # choosing a unit reloads the form with its pairings and organisers
    assert f"unit={w.villages[2].pk}" in page.url
    assert page.input_value("select[name=unit]") == str(w.villages[2].pk)
    assert page.locator("input[role=combobox]").first.input_value() == "第2镇1村(第2镇)"

    # Escape closes the list and keeps the chosen unit
    box = page.locator("input[role=combobox]").first
    box.fill("不存在的村")
    page.wait_for_selector("[role=listbox] li:has-text('没有匹配的结果')")
    box.press("Escape")
    assert page.locator("[role=listbox]").first.is_hidden()
    assert box.input_value() == "第2镇1村(第2镇)"
