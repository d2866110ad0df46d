"""The phone form's outcome section: the fields this village fills most for the chosen category
come first, the rest wait behind "更多"; each field carries the plausible range the service
enforces (``data-max``), and the service refuses a value above it with a Chinese message."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns import activity_selectors as sel
from campaigns.models import Activity, Indicator
from campaigns.services import validate_outcomes
from tests.campaigns.activity_world import World, days, media  # noqa: F401
from tests.campaigns.test_activities import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(media):  # noqa: F811
    return World()


def shown_and_more(html: str) -> tuple[list[str], list[str]]:
    shown, _, rest = html.partition('id="outcome-more"')
    names = lambda part: re.findall(r'name="outcome_([a-z_]+)"', part)  # noqa: E731
    return names(shown), names(rest)


def catalogue_codes():
    return [i.code for i in sel.outcome_indicators()]


def test_a_village_without_history_sees_the_catalogue_order_with_the_rest_behind_more(client, w):
    client.force_login(w.users["village"])
    r = client.get(reverse("campaigns:activity_create"))
    shown, more = shown_and_more(r.text)
    codes = catalogue_codes()
    assert shown == codes[:sel.OUTCOME_FIELDS_SHOWN] and more == codes[sel.OUTCOME_FIELDS_SHOWN:]
    assert f"更多成效指标({len(codes) - sel.OUTCOME_FIELDS_SHOWN} 项)" in r.text


def test_what_the_village_fills_most_for_the_category_comes_first(client, w):
    codes = catalogue_codes()
    late, later = codes[-1], codes[-2]
    for _ in range(2):
        w.log(category="org_life", outcomes={late: 1})
    w.log(category="tech_to_countryside", outcomes={later: 1})
    w.log(category="tech_to_countryside", outcomes={later: 1, late: 1})
    usage = sel.outcome_usage(w.villages[0])
    indicators = sel.outcome_indicators()
    ordered = [i.code for i in sel.order_outcomes(indicators, usage, "tech_to_countryside")]
    assert ordered[:2] == [later, late]  # the category's own use first
    ordered = [i.code for i in sel.order_outcomes(indicators, usage, "training")]
    assert ordered[:2] == [late, later]  # no use in this category: overall use, then the catalogue
    assert ordered[2:] == [c for c in codes if c not in (late, later)]

    # The page shows them first for the form's category; another village keeps the catalogue.
    client.force_login(w.users["village"])
    shown, _ = shown_and_more(client.get(reverse("campaigns:activity_create")).text)
    assert shown[0] == late  # the form opens on 组织生活, where the village filled it twice
    client.force_login(w.users["village2"])
    shown, _ = shown_and_more(client.get(reverse("campaigns:activity_create")).text)
    assert shown == codes[:sel.OUTCOME_FIELDS_SHOWN]


def test_a_value_behind_more_opens_it_when_the_form_comes_back(client, w):
    code = catalogue_codes()[-1]
    client.force_login(w.users["village"])
    r = client.post(reverse("campaigns:activity_create"), form_data(w, title="", **{f"outcome_{code}": "2"}))
    assert r.status_code == 200
    assert re.search(r'id="outcome-more"\s+open', r.text)


def test_the_browser_gets_the_same_range_the_service_enforces(client, w):
    ind = Indicator.objects.get(code="households_visited")
    client.force_login(w.users["village"])
    r = client.get(reverse("campaigns:activity_create"))
    field = re.search(r'<input[^>]*name="outcome_households_visited"[^>]*>', r.text).group(0)
    assert f'data-max="{ind.max_per_activity.normalize():f}"' in field and 'data-name="走访贫困户"' in field
    with pytest.raises(ValidationError) as exc:
        validate_outcomes({"households_visited": "501"})
    assert exc.value.message_dict["households_visited"] == ["走访贫困户:501户超过单次活动的合理上限500户,请核对。"]
    r = client.post(reverse("campaigns:activity_create"), form_data(w, outcome_households_visited="501"))
    assert "走访贫困户:501户超过单次活动的合理上限500户,请核对。" in r.text
    assert not Activity.objects.exists()


def test_usage_is_counted_in_one_query(w, django_assert_num_queries):
    w.log(outcomes={"households_visited": 3})
    w.log(date=days(-5), outcomes={"households_visited": 4})
    with django_assert_num_queries(1):
        usage = sel.outcome_usage(w.villages[0])
    hv = Indicator.objects.get(code="households_visited").pk
    assert usage["org_life"][hv] == 2 and usage[""][hv] == 2


def test_a_form_sent_by_script_gets_its_redirect_as_json_and_keeps_the_message(client, w):
    client.force_login(w.users["village"])
    r = client.post(reverse("campaigns:activity_create"), form_data(w), HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    a = Activity.objects.get()
    assert r.status_code == 200 and r.json() == {"redirect": reverse("campaigns:activity_detail", args=[a.pk])}
    assert "已提交活动“七一主题党日”,等待乡镇审核。" in client.get(r.json()["redirect"]).text
    # A refused form comes back as the page itself, with the messages next to the fields.
    r = client.post(reverse("campaigns:activity_create"), form_data(w, title=""), HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert r.status_code == 200 and "有 1 处内容需要修改" in r.text
