"""Targets: who may set them, validation, one-for-all, history, the targets page, RAG."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from campaigns.models import Indicator
from metrics import figures as dash
from metrics import services
from metrics.models import Target
from organizations.models import Role, UnitKind
from tests.clock import today
from tests.factories import campaign_county, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    county = campaign_county(days_before=100, days_after=100, paired=False)
    county.admin = make_user("county", Role.COUNTY_ADMIN, county.county)
    county.tstaff = make_user("town", Role.TOWNSHIP_STAFF, county.townships[0])
    county.secretary = make_user("sec", Role.VILLAGE_SECRETARY, county.villages[0])
    return county


def ind(code):
    return Indicator.objects.get(code=code)


def save(c, actor, unit, code="activities", value=10, **kw):
    return services.target_save(actor=actor, campaign=c.campaign, unit=unit, indicator=ind(code), value=value, **kw)


# --- the service -------------------------------------------------------------------------------

def test_county_admin_sets_and_adjusts_a_township_target_with_history(c):
    t, created = save(c, c.admin, c.townships[0], value=12)
    assert created and t.value == Decimal(12) and t.set_by == c.admin
    t2, created = save(c, c.admin, c.townships[0], value=15)
    assert not created and t2.pk == t.pk and t2.value == Decimal(15)
    assert Target.objects.count() == 1
    assert [h.history_change_reason for h in t2.history.order_by("history_date")] == ["下达目标", "调整目标"]
    _, created = save(c, c.admin, c.townships[0], value=15)   # unchanged: no new history
    assert t2.history.count() == 2


def test_township_staff_set_their_villages_only(c):
    save(c, c.tstaff, c.villages[0])          # a village of their township
    with pytest.raises(PermissionDenied):
        save(c, c.tstaff, c.townships[0])      # not their own township's target
    with pytest.raises(PermissionDenied):
        save(c, c.tstaff, c.villages[2])       # another township's village
    with pytest.raises(PermissionDenied):
        save(c, c.tstaff, c.bureau)


@pytest.mark.parametrize("who", ["secretary", "liaison", "inspector", "outsider"])
def test_other_roles_cannot_set_targets(c, who):
    actor = {"secretary": lambda: c.secretary,
             "liaison": lambda: make_user("liaison", Role.BUREAU_LIAISON, c.bureau),
             "inspector": lambda: make_user("insp", Role.INSPECTOR, c.county),
             "outsider": lambda: make_user("other", Role.COUNTY_ADMIN, make_unit(UnitKind.COUNTY, c.city))}[who]()
    with pytest.raises(PermissionDenied):
        save(c, actor, c.villages[0])
    assert not Target.objects.exists()


def test_validation(c):
    with pytest.raises(ValidationError) as e:
        save(c, c.admin, c.townships[0], value=0)
    assert "value" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        save(c, c.admin, c.townships[0], code="commitment_rate", value=120)
    assert "value" in e.value.message_dict
    save(c, c.admin, c.townships[0], code="commitment_rate", value=85)
    with pytest.raises(ValidationError) as e:
        save(c, c.admin, c.townships[0], due_date=c.campaign.start_date - dt.timedelta(days=1))
    assert "due_date" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        save(c, c.admin, c.townships[0], due_date=c.campaign.end_date + dt.timedelta(days=1))
    assert "due_date" in e.value.message_dict
    other = make_unit(UnitKind.COUNTY, c.city, name="邻县")
    with pytest.raises(ValidationError) as e:
        save(c, None, other)                    # outside the campaign owner's tree
    assert "unit" in e.value.message_dict


def test_one_for_all_townships_and_bureaus(c):
    n = services.targets_apply(actor=c.admin, campaign=c.campaign, parent=c.county, kind="township",
                               indicator=ind("activities"), value=20)
    assert n == {"created": 2, "updated": 0, "unchanged": 0}
    n = services.targets_apply(actor=c.admin, campaign=c.campaign, parent=c.county, kind="township",
                               indicator=ind("activities"), value=25)
    assert n == {"created": 0, "updated": 2, "unchanged": 0}
    make_unit(UnitKind.ENTERPRISE, c.townships[0], name="镇办企业")   # not one of the county's bureaus
    services.targets_apply(actor=c.admin, campaign=c.campaign, parent=c.county, kind="bureau",
                           indicator=ind("activities"), value=6)
    got = {(t.unit.name, t.value) for t in Target.objects.select_related("unit")}
    assert got == {("第1镇", 25), ("第2镇", 25), ("县农业局", 6), ("县水务局", 6), ("某某公司", 6)}


def test_one_for_all_is_all_or_nothing(c):
    with pytest.raises(PermissionDenied):   # township staff over the county's villages: some are not theirs
        services.targets_apply(actor=c.tstaff, campaign=c.campaign, parent=c.county, kind="village",
                               indicator=ind("activities"), value=5)
    assert not Target.objects.exists()
    n = services.targets_apply(actor=c.tstaff, campaign=c.campaign, parent=c.townships[0], kind="village",
                               indicator=ind("activities"), value=5)
    assert n["created"] == 2


# --- red / amber / green -----------------------------------------------------------------------

def test_expected_share_follows_the_campaign_calendar():
    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    assert dash.expected_share(start, end, start) == 0
    assert round(dash.expected_share(start, end, dt.date(2025, 7, 2))) == 50
    assert dash.expected_share(start, end, dt.date(2026, 3, 1)) == 100
    assert dash.expected_share(start, None, dt.date(2025, 3, 1)) == 100


@pytest.mark.parametrize("value,rag", [(50, "green"), (60, "green"), (40, "amber"), (39, "red"), (0, "red")])
def test_rag_against_target_and_calendar(value, rag):
    # Half the period gone: 50 of 100 is on track; 40 is 80 % of the expected; below that red.
    p = dash.judge(value=value, target=100, is_rate=False, expected=Decimal(50))
    assert p.rag == rag
    assert p.percent == Decimal(value)


@pytest.mark.parametrize("value,rag", [(85, "green"), (90, "green"), (80, "amber"), (79.9, "red")])
def test_rag_of_rates_compares_the_rate_with_the_target(value, rag):
    assert dash.judge(value=Decimal(str(value)), target=85, is_rate=True, expected=None).rag == rag


def test_rate_without_ballots_is_red():
    assert dash.judge(value=None, target=95, is_rate=True, expected=None).rag == "red"


def test_due_date_moves_the_expected_share(c):
    t, _ = save(c, c.admin, c.townships[0], value=100, due_date=today())
    fig = type("F", (), {"indicator": ind("activities"), "value": Decimal(60)})()
    p = dash.target_progress(t, fig, c.campaign, today())
    assert p.expected == 100 and p.rag == "red"           # due today: 60 % is far behind
    t.due_date = None
    p = dash.target_progress(t, fig, c.campaign, today())   # half the campaign gone: 60 % is ahead
    assert p.rag == "green"


# --- the targets page --------------------------------------------------------------------------

def url(**params):
    from urllib.parse import urlencode

    return reverse("metrics:targets") + "?" + urlencode(params)


def test_page_sets_one_for_all_through_the_service(client, c):
    client.force_login(c.admin)
    r = client.post(url(), {"unit": c.county.pk, "campaign": "bjlbc", "apply_to": "kind:township",
                            "indicator": ind("org_life_sessions").pk, "value": "12"})
    assert r.status_code == 302
    assert Target.objects.filter(indicator__code="org_life_sessions", value=12).count() == 2
    r = client.get(url(unit=c.county.pk, campaign="bjlbc"))
    assert r.status_code == 200
    assert "第1镇" in r.content.decode() and "下达目标" in r.content.decode()


def test_page_sets_a_single_unit(client, c):
    client.force_login(c.admin)
    r = client.post(url(), {"unit": c.county.pk, "campaign": "bjlbc", "apply_to": f"unit:{c.bureau.pk}",
                            "indicator": ind("activities").pk, "value": "7"})
    assert r.status_code == 302
    assert Target.objects.get().unit == c.bureau


def test_page_shows_service_errors_in_the_form(client, c):
    client.force_login(c.tstaff)
    r = client.post(url(), {"unit": c.townships[0].pk, "campaign": "bjlbc",
                            "apply_to": f"unit:{c.townships[0].pk}", "indicator": ind("activities").pk,
                            "value": "7"})
    assert r.status_code == 200 and "没有权限" in r.content.decode()
    assert not Target.objects.exists()


def test_page_roles_and_scope(client, c):
    save(c, c.admin, c.villages[0], value=4)
    client.force_login(c.secretary)
    r = client.get(url(unit=c.villages[0].pk, campaign="bjlbc"))
    assert r.status_code == 200 and "保存目标" not in r.content.decode()
    assert client.post(url(), {"unit": c.villages[0].pk, "campaign": "bjlbc", "apply_to": "x",
                               "indicator": ind("activities").pk, "value": "3"}).status_code == 403
    assert client.get(url(unit=c.villages[2].pk, campaign="bjlbc")).status_code == 404
    client.logout()
    r = client.get(url(unit=c.county.pk))
    assert r.status_code == 302 and "login" in r["Location"]


def test_delete_target(client, c):
    t, _ = save(c, c.admin, c.villages[0], value=4)
    client.force_login(c.secretary)
    assert client.post(reverse("metrics:target_delete", args=[t.pk])).status_code == 403
    client.force_login(c.tstaff)
    assert client.post(reverse("metrics:target_delete", args=[t.pk])).status_code == 302
    assert not Target.objects.exists()
    t, _ = save(c, c.admin, c.villages[2], value=4)
    assert client.post(reverse("metrics:target_delete", args=[t.pk])).status_code == 404   # not their township
