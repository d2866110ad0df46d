"""Admin for campaigns and pairing records: every model listed and searchable, scoped for staff,
saves through the services (their errors as form errors), history kept and scoped."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from campaigns.models import Campaign
from campaigns.services import campaign_save
from demo import data as demo_data
from organizations.models import Role, UnitKind
from pairings import services
from pairings.models import (
    ContactPoint,
    HelpPair,
    Inspection,
    Pairing,
    RectificationItem,
    RectificationStatus,
)
from tests.clock import today
from tests.factories import County, log_activity, make_unit, make_user

pytestmark = pytest.mark.django_db
MODELS = ("campaigns/campaign", "pairings/pairing", "pairings/contactpoint", "pairings/inspection",
          "pairings/rectificationitem", "pairings/helppair")


def days_ago(n):
    return today() - dt.timedelta(days=n)


class World:
    """Two townships; a pairing in each with a contact point, an activity and an inspection 40 days
    ago, an item and a help pair."""

    def __init__(self):
        self.c = County()
        c = self.c
        self.bureaus = [c.bureau, make_unit(UnitKind.BUREAU, c.county, name="县水务局")]
        self.campaign, _ = campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=c.county,
                                         start_date=days_ago(365))
        self.pairings, self.inspections, self.items, self.help_pairs, self.points = [], [], [], [], []
        for i, village in enumerate((c.villages[0], c.villages[2])):
            p, _ = services.pairing_save(actor=None, code=f"P{i}", campaign=self.campaign, bureau=self.bureaus[i],
                                         village=village, start_date=days_ago(300), bureau_contact=f"联络员{i}")
            cp = services.contact_point_save(actor=None, leader_name=f"常委{i}", leader_title="市委常委",
                                             unit=village, campaign=self.campaign)
            insp, _ = services.inspection_save(actor=None, code=f"I{i}", campaign=self.campaign, unit=village,
                                               pairing=p, held_on=days_ago(40), kind="inspection",
                                               method="spot_check", visitors=2, inspector=f"督查组{i}",
                                               findings=f"台帐不全{i}")
            item = services.rectification_create(actor=None, inspection=insp, description=f"补齐台帐{i}",
                                                 responsible_unit=village, deadline=days_ago(10))
            hp, _ = services.help_pair_save(actor=None, code=f"H{i}", village=village, pairing=p,
                                            member_name=f"党员{i}", household_name=f"农户{i}",
                                            household_kind="poor", started_on=days_ago(100))
            log_activity(self, p, 40, title=f"联合主题党日{i}")
            self.pairings.append(p)
            self.points.append(cp)
            self.inspections.append(insp)
            self.items.append(item)
            self.help_pairs.append(hp)

    def objects(self, i):
        """(admin path, object) of every model for side ``i``."""
        return [("campaigns/campaign", self.campaign), ("pairings/pairing", self.pairings[i]),
                ("pairings/contactpoint", self.points[i]), ("pairings/inspection", self.inspections[i]),
                ("pairings/rectificationitem", self.items[i]), ("pairings/helppair", self.help_pairs[i])]


@pytest.fixture
def w():
    return World()


def staff(username, role, unit):
    """A staff user in the demo's 县乡管理员 group, with the permissions seed_demo gives it."""
    user = make_user(username, role, unit)
    user.is_staff = True
    user.save()
    group, _ = Group.objects.get_or_create(name=demo_data.STAFF_GROUP)
    q = Q(pk__in=[])
    for perm in demo_data.STAFF_GROUP_PERMISSIONS:
        app, codename = perm.split(".")
        q |= Q(content_type__app_label=app, codename=codename)
    group.permissions.set(Permission.objects.filter(q))
    user.groups.add(group)
    return user


# --- superuser -------------------------------------------------------------------------------------

def test_superuser_changelists_search_add_change_and_history_for_every_model(admin_client, w):
    searches = {"campaigns/campaign": "百局", "pairings/pairing": "县水务局", "pairings/contactpoint": "常委1",
                "pairings/inspection": "督查组1", "pairings/rectificationitem": "补齐台帐1",
                "pairings/helppair": "农户1"}
    for model, term in searches.items():
        r = admin_client.get(f"/admin/{model}/")
        assert r.status_code == 200, model
        r = admin_client.get(f"/admin/{model}/", {"q": term})
        assert r.status_code == 200, model
        assert term in r.text, model
        assert admin_client.get(f"/admin/{model}/add/").status_code == 200, model
    for model, obj in w.objects(1):
        assert admin_client.get(f"/admin/{model}/{obj.pk}/change/").status_code == 200, model
        assert admin_client.get(f"/admin/{model}/{obj.pk}/history/").status_code == 200, model
    # The search really filters.
    r = admin_client.get("/admin/pairings/helppair/", {"q": "农户1"})
    assert "农户0" not in r.text


def test_changelist_filters(admin_client, w):
    # Both pairings' last activity was 40 days ago: amber (the filter is the matrix's rule).
    r = admin_client.get("/admin/pairings/pairing/", {"silence": "amber"})
    assert r.status_code == 200 and ">P0<" in r.text and ">P1<" in r.text
    r = admin_client.get("/admin/pairings/pairing/", {"silence": "green"})
    assert r.status_code == 200 and ">P0<" not in r.text
    services.inspection_save(actor=None, campaign=w.campaign, unit=w.c.villages[0], pairing=w.pairings[0],
                             kind="leader_visit", held_on=today(), visitors=2)
    r = admin_client.get("/admin/pairings/pairing/", {"silence": "green"})
    assert ">P0<" not in r.text  # a leader visit today is no co-building activity
    r = admin_client.get("/admin/pairings/pairing/", {"township": w.c.townships[1].pk})
    assert r.status_code == 200
    assert w.c.villages[2].name in r.text and f">{w.c.villages[0].name}<" not in r.text
    r = admin_client.get("/admin/pairings/rectificationitem/", {"overdue": "yes"})
    assert r.status_code == 200 and "补齐台帐0" in r.text
    r = admin_client.get("/admin/pairings/helppair/", {"township": w.c.townships[0].pk})
    assert "农户0" in r.text and "农户1" not in r.text


# --- scope -----------------------------------------------------------------------------------------

def test_township_staff_sees_only_their_township(client, w):
    user = staff("t", Role.TOWNSHIP_STAFF, w.c.townships[0])
    client.force_login(user)
    r = client.get("/admin/pairings/pairing/")
    assert r.status_code == 200
    assert "P0" in r.text and "县水务局" not in r.text
    for model, obj in w.objects(1):
        if model == "campaigns/campaign":
            continue  # the county's campaign is everyone's in the county (read-only below)
        assert client.get(f"/admin/{model}/{obj.pk}/change/").status_code == 404, model
        assert client.get(f"/admin/{model}/{obj.pk}/history/").status_code == 404, model
    for model, obj in w.objects(0):
        assert client.get(f"/admin/{model}/{obj.pk}/change/").status_code == 200, model
        assert client.get(f"/admin/{model}/{obj.pk}/history/").status_code == 200, model
    for model in MODELS[1:]:
        r = client.get(f"/admin/{model}/")
        assert r.status_code == 200, model
    assert "农户1" not in client.get("/admin/pairings/helppair/").text
    assert "补齐台帐1" not in client.get("/admin/pairings/rectificationitem/").text
    assert "督查组1" not in client.get("/admin/pairings/inspection/").text
    # Autocomplete offers only pairings in scope.
    r = client.get("/admin/autocomplete/", {"app_label": "pairings", "model_name": "inspection",
                                            "field_name": "pairing", "term": ""})
    assert [row["id"] for row in r.json()["results"]] == [str(w.pairings[0].pk)]
    # A pairing only the county may change is shown read-only; the campaign too.
    r = client.get(f"/admin/pairings/pairing/{w.pairings[0].pk}/change/")
    assert 'name="goals"' not in r.text
    r = client.get(f"/admin/campaigns/campaign/{w.campaign.pk}/change/")
    assert r.status_code == 200 and 'name="name"' not in r.text


def test_county_staff_sees_and_changes_the_whole_county(client, w):
    user = staff("c", Role.COUNTY_ADMIN, w.c.county)
    client.force_login(user)
    r = client.get("/admin/pairings/pairing/")
    assert "P0" in r.text and "P1" in r.text
    for model, obj in w.objects(1):
        r = client.get(f"/admin/{model}/{obj.pk}/change/")
        assert r.status_code == 200, model
    assert 'name="goals"' in client.get(f"/admin/pairings/pairing/{w.pairings[1].pk}/change/").text
    # Another county's pairing does not exist for them.
    other = County()
    camp, _ = campaign_save(actor=None, slug="other", name="别县活动", owner_unit=other.county,
                            start_date=days_ago(100))
    p, _ = services.pairing_save(actor=None, code="OTHER", campaign=camp, bureau=other.bureau,
                                 village=other.villages[0], start_date=days_ago(50))
    assert client.get(f"/admin/pairings/pairing/{p.pk}/change/").status_code == 404
    assert client.get(f"/admin/campaigns/campaign/{camp.pk}/history/").status_code == 404
    assert "别县活动" not in client.get("/admin/campaigns/campaign/").text


# --- saves through the services ---------------------------------------------------------------------

def help_pair_post(w, hp, **changes):
    data = {"code": hp.code, "village": hp.village_id, "pairing": hp.pairing_id, "member_name": hp.member_name,
            "member_unit": "", "household_name": hp.household_name, "household_kind": hp.household_kind,
            "measures": hp.measures, "status": hp.status, "started_on": hp.started_on.isoformat(),
            "change_reason": "核实帮扶情况"}
    data.update(changes)
    return data


def test_admin_edit_goes_through_the_service_with_history(client, w):
    user = staff("t", Role.TOWNSHIP_STAFF, w.c.townships[0])
    client.force_login(user)
    hp = w.help_pairs[0]
    history = hp.history.count()
    r = client.post(f"/admin/pairings/helppair/{hp.pk}/change/",
                    help_pair_post(w, hp, measures="协调小额贷款", status="lifted"))
    assert r.status_code == 302, r.text[:3000]
    assert hp.history.count() == history + 1  # the validation run left nothing behind
    hp.refresh_from_db()
    assert hp.measures == "协调小额贷款" and hp.status == "lifted"
    latest = hp.history.order_by("-history_date").first()
    assert latest.history_user == user and latest.history_change_reason == "核实帮扶情况"
    # The service's rule (the pairing must be the village's) comes back as a form error.
    r = client.post(f"/admin/pairings/helppair/{hp.pk}/change/",
                    help_pair_post(w, hp, village=w.c.villages[1].pk))
    assert r.status_code == 200 and "所选结对不属于该村" in r.text
    assert hp.history.count() == history + 1
    hp.refresh_from_db()
    assert hp.village_id == w.c.villages[0].pk
    # Out-of-scope choices are refused by the form itself.
    r = client.post(f"/admin/pairings/helppair/{hp.pk}/change/",
                    help_pair_post(w, hp, village=w.c.villages[2].pk, pairing=w.pairings[1].pk))
    assert r.status_code == 200
    assert HelpPair.objects.get(pk=hp.pk).village_id == w.c.villages[0].pk


def test_township_staff_cannot_pair_units_the_message_says_why(client, w):
    client.force_login(staff("t", Role.TOWNSHIP_STAFF, w.c.townships[0]))
    firm = make_unit(UnitKind.ENTERPRISE, w.c.townships[0], name="镇上企业")
    r = client.post("/admin/pairings/pairing/add/", {
        "code": "NEW", "campaign": w.campaign.pk, "bureau": firm.pk, "village": w.c.villages[1].pk,
        "start_date": today().isoformat(), "change_reason": "新结对"})
    assert r.status_code == 200 and "只有县级组织部管理员可以建立或调整结对" in r.text
    assert not Pairing.objects.filter(code="NEW").exists()


def test_county_admin_adds_a_pairing_and_an_inspection_through_the_admin(client, w):
    user = staff("c", Role.COUNTY_ADMIN, w.c.county)
    client.force_login(user)
    r = client.post("/admin/pairings/pairing/add/", {
        "code": "NEW", "campaign": w.campaign.pk, "bureau": w.bureaus[0].pk, "village": w.c.villages[1].pk,
        "start_date": days_ago(10).isoformat(), "bureau_contact": "王联络", "goals": "每季度一次活动",
        "change_reason": "新结对"})
    assert r.status_code == 302, r.text[:3000]
    p = Pairing.objects.get(code="NEW")
    assert p.goals == "每季度一次活动" and p.history.get().history_user == user
    # An inspection whose place is not the pairing's side: the service's message as a form error.
    data = {"code": "INEW", "campaign": w.campaign.pk, "kind": "inspection", "method": "tour",
            "held_on": days_ago(1).isoformat(), "unit": w.c.villages[0].pk, "pairing": p.pk, "visitors": 2,
            "change_reason": "补录督查"}
    r = client.post("/admin/pairings/inspection/add/", data)
    assert r.status_code == 200 and "走访地点必须是该结对的村或帮建单位" in r.text
    assert not Inspection.objects.filter(code="INEW").exists()
    data["unit"] = w.c.villages[1].pk
    r = client.post("/admin/pairings/inspection/add/", data)
    assert r.status_code == 302, r.text[:3000]
    insp = Inspection.objects.get(code="INEW")
    assert insp.created_by == user
    p.refresh_from_db()
    assert p.last_logged_on is None and p.silence() == "red"  # an inspection keeps no pair active


def test_rectification_is_followed_up_and_closed_through_the_admin(client, w):
    user = staff("c", Role.COUNTY_ADMIN, w.c.county)
    client.force_login(user)
    item = w.items[0]
    url = f"/admin/pairings/rectificationitem/{item.pk}/change/"
    base = {"deadline": item.deadline.isoformat(), "status": "in_progress", "progress": "已补录两次活动",
            "closed_on": "", "evidence": "", "change_reason": "跟进整改"}
    assert client.post(url, base).status_code == 302
    item.refresh_from_db()
    assert item.status == RectificationStatus.IN_PROGRESS and item.progress == "已补录两次活动"
    # Closing without evidence: a form error, nothing closed.
    r = client.post(url, {**base, "status": "closed", "closed_on": today().isoformat()})
    assert r.status_code == 200 and "佐证" in r.text
    assert RectificationItem.objects.get(pk=item.pk).status == RectificationStatus.IN_PROGRESS
    r = client.post(url, {**base, "status": "closed", "closed_on": today().isoformat(), "evidence": "台帐已补齐"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.status == RectificationStatus.CLOSED and item.evidence == "台帐已补齐"
    assert item.history.order_by("-history_date").first().history_change_reason == "跟进整改"
    assert not RectificationItem.objects.overdue().filter(pk=item.pk).exists()
    # A closed item is read-only.
    r = client.get(url)
    assert r.status_code == 200 and 'name="progress"' not in r.text
    # A new item through the add form.
    r = client.post("/admin/pairings/rectificationitem/add/", {
        "inspection": w.inspections[1].pk, "description": "新的整改", "responsible_unit": w.bureaus[1].pk,
        "deadline": (today() + dt.timedelta(days=30)).isoformat(), "change_reason": "督查发现"})
    assert r.status_code == 302, r.text[:3000]
    assert RectificationItem.objects.get(description="新的整改").created_by == user


def test_campaign_and_contact_point_saved_through_the_admin(client, w):
    user = staff("c", Role.COUNTY_ADMIN, w.c.county)
    client.force_login(user)
    r = client.post(f"/admin/campaigns/campaign/{w.campaign.pk}/change/", {
        "name": "百局联百村活动", "theme": "以城带乡", "owner_unit": w.c.county.pk,
        "start_date": w.campaign.start_date.isoformat(), "end_date": "", "phase": "implement", "description": "",
        "change_reason": "进入实施阶段"})
    assert r.status_code == 302, r.text[:3000]
    campaign = Campaign.objects.get(pk=w.campaign.pk)
    assert campaign.name == "百局联百村活动" and campaign.slug == "bjlbc"
    assert campaign.history.order_by("-history_date").first().history_user == user
    # The end before the start: the model's rule, as a form error.
    r = client.post(f"/admin/campaigns/campaign/{w.campaign.pk}/change/", {
        "name": "x", "owner_unit": w.c.county.pk, "start_date": today().isoformat(),
        "end_date": days_ago(10).isoformat(), "phase": "implement", "change_reason": "x"})
    assert r.status_code == 200
    r = client.post("/admin/pairings/contactpoint/add/", {
        "leader_name": "新常委", "leader_title": "市委常委", "unit": w.c.villages[3].pk,
        "campaign": w.campaign.pk, "since": today().isoformat(), "notes": "", "change_reason": "新设联系点"})
    assert r.status_code == 302, r.text[:3000]
    assert ContactPoint.objects.get(leader_name="新常委").history.get().history_user == user


def test_changelists_keep_a_constant_number_of_queries(admin_client, w, django_assert_max_num_queries):
    for model in MODELS:
        admin_client.get(f"/admin/{model}/")  # warm caches (content types, sessions)
    counts = {}
    for model in MODELS:
        with CaptureQueriesContext(connection) as ctx:
            admin_client.get(f"/admin/{model}/")
        counts[model] = len(ctx.captured_queries)
    for i in range(5):  # five more rows of every kind
        v = make_unit(UnitKind.VILLAGE, w.c.townships[0])
        b = make_unit(UnitKind.BUREAU, w.c.county)
        p, _ = services.pairing_save(actor=None, code=f"X{i}", campaign=w.campaign, bureau=b, village=v,
                                     start_date=days_ago(30))
        services.contact_point_save(actor=None, leader_name=f"X常委{i}", unit=v, campaign=w.campaign)
        insp, _ = services.inspection_save(actor=None, code=f"XI{i}", campaign=w.campaign, unit=v, pairing=p,
                                           held_on=days_ago(5), kind="inspection")
        services.rectification_create(actor=None, inspection=insp, description=f"X整改{i}", responsible_unit=b,
                                      deadline=today())
        services.help_pair_save(actor=None, code=f"XH{i}", village=v, pairing=p, member_name="党员",
                                member_unit=b, household_name="农户", household_kind="poor", started_on=days_ago(3))
    for model in MODELS:
        with django_assert_max_num_queries(counts[model]):
            admin_client.get(f"/admin/{model}/")
