"""Leaders' contact points, inspections (督查) and rectification (整改): services and pages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.services import campaign_save
from organizations import records
from organizations.models import Role, UnitKind
from pairings import services
from pairings.models import ContactPoint, Inspection, RectificationItem, RectificationStatus
from tests.clock import today
from tests.factories import County, make_inspection, make_rectification, make_unit, make_user

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
ROLES = ("county_admin", "township_staff", "village_secretary", "bureau_liaison", "inspector", "viewer")


class World:
    """A county with two pairings and one user per role (village/bureau users on pairing p)."""

    def __init__(self):
        c = self.c = County()
        self.campaign, _ = campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=c.county,
                                         start_date=today() - 365 * DAY)
        self.village, self.other_village = c.villages[0], c.villages[2]  # townships 1 and 2
        self.bureau = c.bureau
        self.other_bureau = make_unit(UnitKind.BUREAU, c.county, name="县水务局")
        self.p, _ = services.pairing_save(actor=None, code="P1", campaign=self.campaign, bureau=self.bureau,
                                          village=self.village, start_date=today() - 300 * DAY)
        self.q, _ = services.pairing_save(actor=None, code="P2", campaign=self.campaign, bureau=self.other_bureau,
                                          village=self.other_village, start_date=today() - 300 * DAY)
        self.users = {
            "county_admin": make_user("county", Role.COUNTY_ADMIN, c.county),
            "township_staff": make_user("township", Role.TOWNSHIP_STAFF, c.townships[0]),
            "village_secretary": make_user("village", Role.VILLAGE_SECRETARY, self.village),
            "bureau_liaison": make_user("bureau", Role.BUREAU_LIAISON, self.bureau),
            "inspector": make_user("inspector", Role.INSPECTOR, c.county, last_name="王", first_name="督查"),
            "viewer": make_user("viewer", Role.VIEWER, c.county),
        }
        self.other_secretary = make_user("village2", Role.VILLAGE_SECRETARY, self.other_village)

    def __getitem__(self, role):
        return self.users[role]


@pytest.fixture
def w():
    return World()


def url(name, *args):
    return reverse(f"pairings:{name}", args=args)


def login(client, user):
    client.force_login(user)
    return client


# --- services ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["township_staff", "village_secretary", "bureau_liaison", "viewer"])
def test_only_supervisors_record_inspections(w, role):
    with pytest.raises(PermissionDenied):
        make_inspection(w.campaign, w.village, actor=w[role])
    assert make_inspection(w.campaign, w.village, actor=w["inspector"]).created_by == w["inspector"]


def test_inspector_of_one_township_cannot_record_in_another():
    w = World()
    local = make_user("t-insp", Role.INSPECTOR, w.c.townships[0])
    assert make_inspection(w.campaign, w.village, actor=local)
    with pytest.raises(PermissionDenied):
        make_inspection(w.campaign, w.other_village, actor=local)


def test_editing_an_inspection_needs_a_supervisor(w):
    i = make_inspection(w.campaign, w.village)
    with pytest.raises(PermissionDenied):
        services.inspection_save(actor=w["village_secretary"], inspection=i, campaign=w.campaign, unit=w.village,
                                 kind="inspection", held_on=i.held_on)


def test_pairing_must_match_the_place(w):
    with pytest.raises(ValidationError) as e:
        make_inspection(w.campaign, w.other_village, pairing=w.p)
    assert "pairing" in e.value.message_dict
    assert make_inspection(w.campaign, w.bureau, pairing=w.p).pairing == w.p  # the bureau side is fine


def test_contact_point_must_match_the_place_and_only_county_admins_set_them(w):
    with pytest.raises(PermissionDenied):
        services.contact_point_save(actor=w["inspector"], leader_name="刘常委", unit=w.village)
    cp = services.contact_point_save(actor=w["county_admin"], leader_name="刘常委", unit=w.village)
    with pytest.raises(ValidationError) as e:
        make_inspection(w.campaign, w.other_village, kind="leader_visit", contact_point=cp)
    assert "contact_point" in e.value.message_dict


def test_rectification_create_checks_role_scope_and_deadline(w):
    i = make_inspection(w.campaign, w.village)
    with pytest.raises(ValidationError) as e:
        make_rectification(i, deadline=i.held_on - DAY, actor=w["inspector"])
    assert "deadline" in e.value.message_dict
    for role in ("township_staff", "village_secretary", "bureau_liaison", "viewer"):
        with pytest.raises(PermissionDenied):
            make_rectification(i, actor=w[role])
    local = make_user("t-insp", Role.INSPECTOR, w.c.townships[0])
    with pytest.raises(PermissionDenied):
        make_rectification(i, responsible_unit=w.other_village, actor=local)
    item = make_rectification(i, responsible_unit=w.village, deadline=i.held_on, actor=local)
    assert item.status == RectificationStatus.OPEN and item.created_by == local


def test_rectification_update_rules(w):
    item = make_rectification(make_inspection(w.campaign, w.village))
    for user in (w["viewer"], w.other_secretary, w["bureau_liaison"]):
        with pytest.raises(PermissionDenied):
            services.rectification_update(actor=user, item=item, progress="x")
    with pytest.raises(PermissionDenied):  # the responsible unit may not move its own deadline
        services.rectification_update(actor=w["village_secretary"], item=item, progress="x",
                                      deadline=item.deadline + 10 * DAY)
    with pytest.raises(ValidationError):
        services.rectification_update(actor=w["village_secretary"], item=item, progress="x", status="closed")
    services.rectification_update(actor=w["village_secretary"], item=item, progress="已补齐一半")
    services.rectification_update(actor=w["inspector"], item=item, progress="延期", deadline=item.deadline + 10 * DAY)
    item.refresh_from_db()
    assert item.status == RectificationStatus.IN_PROGRESS and item.progress == "延期"


def test_close_needs_evidence_and_a_closed_item_is_frozen(w):
    item = make_rectification(make_inspection(w.campaign, w.village))
    for evidence in ("", "   "):
        with pytest.raises(ValidationError) as e:
            services.rectification_close(actor=w["village_secretary"], item=item, closed_on=today(), evidence=evidence)
        assert "evidence" in e.value.message_dict
    with pytest.raises(ValidationError):
        services.rectification_close(actor=w["village_secretary"], item=item, closed_on=today() + DAY, evidence="ok")
    with pytest.raises(PermissionDenied):
        services.rectification_close(actor=w["viewer"], item=item, closed_on=today(), evidence="ok")
    services.rectification_close(actor=w["village_secretary"], item=item, closed_on=today(), evidence="已补齐台帐")
    assert item.status == RectificationStatus.CLOSED and item.closed_by == w["village_secretary"]
    with pytest.raises(ValidationError):
        services.rectification_update(actor=w["inspector"], item=item, progress="再改")
    with pytest.raises(ValidationError):
        services.rectification_close(actor=w["inspector"], item=item, closed_on=today(), evidence="again")


# --- pages: who may open what -------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, w):
    i = make_inspection(w.campaign, w.village)
    item = make_rectification(i)
    cp = services.contact_point_save(actor=None, leader_name="刘常委", unit=w.village)
    for path in (url("contactpoint_list"), url("contactpoint_detail", cp.pk), url("inspection_list"),
                 url("inspection_create"), url("inspection_detail", i.pk), url("rectification_detail", item.pk),
                 url("rectification_overdue"), url("rectification_mine"), url("rectification_close", item.pk)):
        r = client.get(path)
        assert r.status_code == 302 and r.url.startswith("/accounts/login/"), path


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_lists_of_its_scope(client, w, role):
    mine = make_inspection(w.campaign, w.village, inspector="甲检查", pairing=w.p)
    make_inspection(w.campaign, w.other_village, inspector="乙检查")
    make_rectification(mine, description="本村事项")
    login(client, w[role])
    r = client.get(url("inspection_list"))
    assert r.status_code == 200
    assert url("inspection_detail", mine.pk) in r.text
    sees_other = role in ("county_admin", "inspector", "viewer")
    assert (w.other_village.name in r.text) == sees_other
    assert ("登记督查" in r.text) == (role in ("county_admin", "inspector"))
    for name in ("contactpoint_list", "rectification_list", "rectification_overdue", "rectification_mine",
                 "helppair_list"):
        assert client.get(url(name)).status_code == 200, name
    assert "本村事项" in client.get(url("rectification_list")).text


@pytest.mark.parametrize("role,status", [
    ("county_admin", 200), ("inspector", 200), ("township_staff", 403), ("village_secretary", 403),
    ("bureau_liaison", 403), ("viewer", 403),
])
def test_inspection_form_is_for_supervisors_only(client, w, role, status):
    i = make_inspection(w.campaign, w.village, pairing=w.p)  # in every role's scope
    login(client, w[role])
    assert client.get(url("inspection_create")).status_code == status
    assert client.get(url("inspection_edit", i.pk)).status_code == status
    assert client.get(url("rectification_create", i.pk)).status_code == status
    r = client.post(url("inspection_create"), {"campaign": w.campaign.pk, "unit": w.village.pk,
                                               "kind": "inspection", "held_on": today(), "visitors": 1})
    assert r.status_code == (302 if status == 200 else 403)


def test_out_of_scope_records_are_404(client, w):
    theirs = make_inspection(w.campaign, w.other_village)
    item = make_rectification(theirs)
    cp = services.contact_point_save(actor=None, leader_name="刘常委", unit=w.other_village)
    for role in ("village_secretary", "bureau_liaison", "township_staff"):
        login(client, w[role])
        for path in (url("inspection_detail", theirs.pk), url("inspection_edit", theirs.pk),
                     url("rectification_create", theirs.pk), url("rectification_detail", item.pk),
                     url("rectification_update", item.pk), url("rectification_close", item.pk),
                     url("contactpoint_detail", cp.pk), url("contactpoint_visit", cp.pk)):
            assert client.get(path).status_code == 404, (role, path)
        assert client.post(url("rectification_close", item.pk),
                           {"closed_on": today(), "evidence": "x", "confirm": "1"}).status_code == 404
    item.refresh_from_db()
    assert item.status == RectificationStatus.OPEN


def test_bureau_liaison_sees_records_of_its_pairing(client, w):
    at_village = make_inspection(w.campaign, w.village, pairing=w.p)
    not_paired = make_inspection(w.campaign, w.village)
    login(client, w["bureau_liaison"])
    assert client.get(url("inspection_detail", at_village.pk)).status_code == 200
    assert client.get(url("inspection_detail", not_paired.pk)).status_code == 404


# --- inspections -------------------------------------------------------------------------------------

def test_inspector_records_an_inspection_with_defaults_and_history(client, w):
    login(client, w["inspector"])
    r = client.get(url("inspection_create"))
    assert f'value="{today():%Y-%m-%d}"' in r.text and 'value="王督查"' in r.text
    assert 'type="date"' in r.text and 'inputmode="numeric"' in r.text
    r = client.post(url("inspection_create"), {
        "campaign": w.campaign.pk, "unit": w.village.pk, "pairing": w.p.pk, "kind": "inspection",
        "method": "spot_check", "held_on": today() - 2 * DAY, "visitors": 3, "inspector": "王督查",
        "findings": "三会一课记录不全",
    })
    i = Inspection.objects.get()
    assert r.status_code == 302 and r.url == url("inspection_detail", i.pk)
    assert (i.unit, i.pairing, i.method, i.visitors, i.created_by) == (w.village, w.p, "spot_check", 3, w["inspector"])
    assert i.history.get().history_user == w["inspector"]
    r = client.post(url("inspection_edit", i.pk), {
        "campaign": w.campaign.pk, "unit": w.village.pk, "kind": "inspection", "method": "follow_up",
        "held_on": i.held_on, "visitors": 2, "findings": "已跟踪"})
    assert r.status_code == 302
    i.refresh_from_db()
    assert i.method == "follow_up" and i.pairing is None
    assert i.history.count() == 2 and i.history.first().history_user == w["inspector"]
    r = client.get(url("inspection_detail", i.pk))
    assert "已跟踪" in r.text and "跟踪督办" in r.text


def test_inspection_form_refuses_foreign_places_and_mismatched_pairings(client, w):
    local = make_user("t-insp", Role.INSPECTOR, w.c.townships[0])
    login(client, local)
    base = {"campaign": w.campaign.pk, "kind": "inspection", "held_on": today(), "visitors": 1}
    r = client.post(url("inspection_create"), {**base, "unit": w.other_village.pk})
    assert r.status_code == 200 and "不在您的工作范围内" in r.text
    r = client.post(url("inspection_create"), {**base, "unit": w.village.pk, "pairing": w.q.pk})
    assert r.status_code == 200 and "不在您的工作范围内" in r.text  # pairing q is in township 2
    login(client, w["inspector"])
    r = client.post(url("inspection_create"), {**base, "unit": w.other_village.pk, "pairing": w.p.pk})
    assert r.status_code == 200 and "走访地点必须是该结对的村或帮建单位" in r.text
    r = client.post(url("inspection_create"), {**base, "unit": w.village.pk, "held_on": today() + DAY,
                                               "visitors": 0})
    assert "日期不能晚于今天" in r.text and "人次至少为 1" in r.text
    assert not Inspection.objects.exists()


def test_inspection_list_filters_and_search(client, w):
    make_inspection(w.campaign, w.village, method="tour", findings="活动阵地闲置", held_on=today() - 50 * DAY)
    make_inspection(w.campaign, w.other_village, method="spot_check", findings="台帐缺页", held_on=today() - 5 * DAY)
    make_inspection(w.campaign, w.village, kind="leader_visit", inspector="刘常委", held_on=today() - 3 * DAY)
    login(client, w["county_admin"])

    def listed(**params):
        r = client.get(url("inspection_list"), params)
        assert r.status_code == 200
        return r.context["page"].paginator.count

    assert listed() == 3
    assert listed(kind="leader_visit") == 1
    assert listed(method="spot_check") == 1
    assert listed(township=w.c.townships[0].pk) == 2
    assert listed(q="台帐") == 1
    assert listed(date_from=today() - 10 * DAY) == 2
    assert listed(date_from=today() - 60 * DAY, date_to=today() - 40 * DAY) == 1
    assert listed(campaign=w.campaign.pk, kind="inspection") == 2
    r = client.get(url("inspection_list"), {"kind": "inspection", "q": "没有这种"})
    assert "没有符合筛选条件的督查记录" in r.text


def test_empty_lists_say_what_to_do_next(client, w):
    login(client, w["inspector"])
    assert "请点右上角“登记督查”" in client.get(url("inspection_list")).text
    assert "没有逾期的整改事项" in client.get(url("rectification_overdue")).text
    assert "点“提出整改事项”即可开始督办" in client.get(url("rectification_mine")).text
    login(client, w["viewer"])
    assert "督查组到访后登记的记录会列在这里" in client.get(url("inspection_list")).text
    assert "联系点由县委组织部设置" in client.get(url("contactpoint_list")).text
    login(client, w["county_admin"])
    assert "请点右上角“设置联系点”" in client.get(url("contactpoint_list")).text


# --- contact points ----------------------------------------------------------------------------------

def test_contact_point_list_and_recording_a_visit(client, w):
    cp = services.contact_point_save(actor=None, leader_name="刘常委", leader_title="县委常委、组织部部长",
                                     unit=w.village, campaign=w.campaign)
    make_inspection(w.campaign, w.village, kind="leader_visit", contact_point=cp, visitors=3,
                    held_on=today() - 20 * DAY)
    login(client, w["inspector"])
    r = client.get(url("contactpoint_list"))
    row = r.context["page"].object_list[0]
    assert (row.n_visits, row.n_person_visits, row.last_visit) == (1, 3, today() - 20 * DAY)
    r = client.get(url("contactpoint_visit", cp.pk))
    assert r.status_code == 200 and 'value="刘常委"' in r.text
    r = client.post(url("contactpoint_visit", cp.pk), {
        "campaign": w.campaign.pk, "held_on": today() - DAY, "inspector": "刘常委", "visitors": 4,
        "pairing": w.p.pk, "findings": "座谈了解村集体经济"})
    assert r.status_code == 302
    visit = Inspection.objects.get(held_on=today() - DAY)
    assert (visit.kind, visit.contact_point, visit.unit, visit.pairing, visit.visitors) == (
        "leader_visit", cp, w.village, w.p, 4)
    r = client.get(url("contactpoint_detail", cp.pk))
    assert r.context["totals"] == {"n": 2, "people": 7} and "座谈了解村集体经济" in r.text
    # A pairing of another village is not offered.
    r = client.post(url("contactpoint_visit", cp.pk), {
        "campaign": w.campaign.pk, "held_on": today(), "visitors": 1, "pairing": w.q.pk})
    assert r.status_code == 200 and "不在您的工作范围内" in r.text


def test_contact_points_are_set_by_county_admins(client, w):
    login(client, w["inspector"])
    assert client.get(url("contactpoint_create")).status_code == 403
    login(client, w["county_admin"])
    r = client.post(url("contactpoint_create"), {"leader_name": "陈常委", "leader_title": "县委常委",
                                                 "unit": w.other_village.pk, "campaign": w.campaign.pk})
    cp = ContactPoint.objects.get()
    assert r.status_code == 302 and cp.unit == w.other_village
    assert cp.history.get().history_user == w["county_admin"]
    r = client.post(url("contactpoint_edit", cp.pk), {"leader_name": "陈常委", "unit": w.village.pk})
    cp.refresh_from_db()
    assert r.status_code == 302 and cp.unit == w.village and cp.campaign is None
    login(client, w["village_secretary"])
    assert client.get(url("contactpoint_detail", cp.pk)).status_code == 200
    assert client.get(url("contactpoint_edit", cp.pk)).status_code == 403
    assert client.get(url("contactpoint_visit", cp.pk)).status_code == 403


# --- rectification -----------------------------------------------------------------------------------

def test_raising_an_item_from_an_inspection(client, w):
    i = make_inspection(w.campaign, w.village, held_on=today() - 10 * DAY)
    login(client, w["inspector"])
    r = client.get(url("rectification_create", i.pk))
    assert r.status_code == 200 and f'value="{w.village.pk}" selected' in r.text
    r = client.post(url("rectification_create", i.pk), {
        "description": "补齐组织生活记录", "responsible_unit": w.village.pk, "deadline": today() - 11 * DAY})
    assert r.status_code == 200 and "整改时限不能早于督查日期" in r.text
    local = make_user("t-insp", Role.INSPECTOR, w.c.townships[0])
    login(client, local)
    r = client.post(url("rectification_create", i.pk), {
        "description": "补齐组织生活记录", "responsible_unit": w.other_village.pk, "deadline": today()})
    assert r.status_code == 200 and "不在您的工作范围内" in r.text
    assert not RectificationItem.objects.exists()
    r = client.post(url("rectification_create", i.pk), {
        "description": "补齐组织生活记录", "responsible_unit": w.village.pk, "deadline": today() + 20 * DAY})
    assert r.status_code == 302
    item = RectificationItem.objects.get()
    assert item.created_by == local and item.history.get().history_user == local
    assert "补齐组织生活记录" in client.get(url("inspection_detail", i.pk)).text


def test_progress_updates_by_the_responsible_unit_with_history(client, w):
    item = make_rectification(make_inspection(w.campaign, w.village, pairing=w.p), actor=w["inspector"])
    login(client, w["village_secretary"])
    r = client.get(url("rectification_update", item.pk))
    assert r.status_code == 200 and 'name="deadline"' not in r.text  # only supervisors move deadlines
    r = client.post(url("rectification_update", item.pk), {"progress": "已召开支委会部署", "status": "in_progress"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.status == "in_progress" and item.history.first().history_user == w["village_secretary"]
    r = client.get(url("rectification_detail", item.pk))
    assert "已召开支委会部署" in r.text and "更新整改进展" in r.text and "提出整改事项" in r.text
    login(client, w["inspector"])
    new_deadline = item.deadline + 15 * DAY
    r = client.post(url("rectification_update", item.pk), {"progress": "同意延期", "status": "in_progress",
                                                           "deadline": new_deadline})
    item.refresh_from_db()
    assert r.status_code == 302 and item.deadline == new_deadline
    for role in ("viewer", "bureau_liaison"):
        login(client, w[role])
        assert client.get(url("rectification_update", item.pk)).status_code == 403
        assert client.get(url("rectification_close", item.pk)).status_code == 403
        assert client.get(url("rectification_detail", item.pk)).status_code == 200


def test_closing_needs_evidence_and_a_confirmation(client, w):
    item = make_rectification(make_inspection(w.campaign, w.village))
    login(client, w["village_secretary"])
    r = client.get(url("rectification_close", item.pk))
    assert f'value="{today():%Y-%m-%d}"' in r.text
    r = client.post(url("rectification_close", item.pk), {"closed_on": today(), "evidence": "  "})
    assert r.status_code == 200 and "销号必须填写整改佐证" in r.text
    r = client.post(url("rectification_close", item.pk), {"closed_on": today(), "evidence": "台帐已补齐,见村档案柜"})
    assert r.status_code == 200 and "确认销号" in r.text
    item.refresh_from_db()
    assert item.status == RectificationStatus.OPEN  # not yet: confirmation first
    r = client.post(url("rectification_close", item.pk), {"closed_on": today(), "evidence": "台帐已补齐,见村档案柜",
                                                          "back": "1"})
    assert r.status_code == 200 and "台帐已补齐,见村档案柜" in r.text and "下一步" in r.text
    r = client.post(url("rectification_close", item.pk), {"closed_on": today(), "evidence": "台帐已补齐,见村档案柜",
                                                          "confirm": "1"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.status == RectificationStatus.CLOSED and item.evidence == "台帐已补齐,见村档案柜"
    assert item.history.first().history_user == w["village_secretary"]
    # A closed item cannot be edited or closed again: a message, not a 500.
    r = client.post(url("rectification_update", item.pk), {"progress": "再改", "status": "in_progress"})
    assert r.status_code == 200 and "已销号,不能再修改" in r.text
    r = client.post(url("rectification_close", item.pk), {"closed_on": today(), "evidence": "x", "confirm": "1"})
    assert r.status_code == 200 and "已经销号" in r.text


def test_overdue_item_shows_for_county_and_responsible_unit_until_closed(client, w):
    """Must show: past its deadline → overdue for the county and its responsible unit; gone when closed."""
    i = make_inspection(w.campaign, w.village, held_on=today() - 40 * DAY)
    late = make_rectification(i, deadline=today() - 5 * DAY, description="逾期事项:活动室挂牌")
    make_rectification(i, deadline=today() + 5 * DAY, description="未到期事项:制度上墙")
    theirs = make_rectification(make_inspection(w.campaign, w.other_village), deadline=today() - 3 * DAY,
                                description="别村逾期事项")
    overdue = url("rectification_overdue")
    for user in (w["county_admin"], w["inspector"]):
        r = login(client, user).get(overdue)
        assert "逾期事项:活动室挂牌" in r.text and "别村逾期事项" in r.text and "制度上墙" not in r.text
        assert "list-group-item-danger" in r.text
    for user in (w["village_secretary"], w["township_staff"]):
        r = login(client, user).get(overdue)
        assert "逾期事项:活动室挂牌" in r.text and "别村逾期事项" not in r.text
    r = login(client, w.other_secretary).get(overdue)
    assert "别村逾期事项" in r.text and "活动室挂牌" not in r.text
    # The responsible village closes it with evidence: it leaves the overdue list everywhere.
    login(client, w["village_secretary"])
    client.post(url("rectification_close", late.pk), {"closed_on": today(), "evidence": "已挂牌,照片存档",
                                                      "confirm": "1"})
    late.refresh_from_db()
    assert late.status == RectificationStatus.CLOSED
    assert "活动室挂牌" not in client.get(overdue).text
    r = login(client, w["county_admin"]).get(overdue)
    assert "活动室挂牌" not in r.text and "别村逾期事项" in r.text
    assert theirs.is_overdue and not late.is_overdue


def test_my_items_are_the_ones_i_raised(client, w):
    i = make_inspection(w.campaign, w.village, held_on=today() - 30 * DAY)
    make_rectification(i, actor=w["inspector"], deadline=today() - DAY, description="我督办的逾期项")
    closed = make_rectification(i, actor=w["inspector"], description="我督办的已销号项")
    services.rectification_close(actor=None, item=closed, closed_on=today(), evidence="done")
    make_rectification(i, actor=w["county_admin"], description="别人督办的事项")
    r = login(client, w["inspector"]).get(url("rectification_mine"))
    assert "我督办的逾期项" in r.text and "我督办的已销号项" in r.text and "别人督办的事项" not in r.text
    assert "已逾期" in r.text and "已销号" in r.text
    r = client.get(url("rectification_mine"), {"status": "overdue"})
    assert "我督办的逾期项" in r.text and "已销号项" not in r.text
    r = client.get(url("rectification_mine"), {"status": "closed"})
    assert "我督办的逾期项" not in r.text and "已销号项" in r.text
    assert "别人督办的事项" in login(client, w["county_admin"]).get(url("rectification_mine")).text


def test_overdue_list_filters_by_township(client, w):
    make_rectification(make_inspection(w.campaign, w.village), deadline=today() - DAY, description="一镇的")
    make_rectification(make_inspection(w.campaign, w.other_village), deadline=today() - DAY, description="二镇的")
    r = login(client, w["county_admin"]).get(url("rectification_overdue"), {"township": w.c.townships[1].pk})
    assert "二镇的" in r.text and "一镇的" not in r.text


# --- constant query counts ---------------------------------------------------------------------------

def _count(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, params or {})
    assert r.status_code == 200
    return len(ctx.captured_queries)


def _bulk_inspections(w, n, **extra):
    start = Inspection.objects.count()
    units = [w.village, w.other_village, w.bureau]
    made = Inspection.objects.bulk_create([
        Inspection(code=f"BULK{start + k}", campaign=w.campaign, unit=units[k % 3], held_on=today() - k * DAY,
                   kind="inspection", method="tour", inspector=f"检查人{k}", created_by=w["inspector"], **extra)
        for k in range(n)])
    records.bulk_created(made)
    return made


def _bulk_items(w, inspections, deadline):
    records.bulk_created(RectificationItem.objects.bulk_create([
        RectificationItem(inspection=i, description=f"事项{i.code}", responsible_unit=i.unit,
                          deadline=deadline, created_by=w["inspector"]) for i in inspections]))


def _bulk_contact_points(w, n):
    start = ContactPoint.objects.count()
    cps = ContactPoint.objects.bulk_create([
        ContactPoint(leader_name=f"领导{start + k}", unit=(w.village, w.other_village)[k % 2], campaign=w.campaign)
        for k in range(n)])
    cps = list(ContactPoint.objects.filter(leader_name__in=[c.leader_name for c in cps]))
    records.bulk_created(Inspection.objects.bulk_create([
        Inspection(code=f"CPV{c.pk}-{j}", campaign=w.campaign, unit=c.unit, contact_point=c, held_on=today() - j * DAY,
                   kind="leader_visit", visitors=2) for c in cps for j in range(2)]))


@pytest.mark.parametrize("role", ["county_admin", "inspector", "village_secretary"])
def test_list_pages_keep_constant_query_counts(client, w, role):
    login(client, w[role])
    pages = [url("contactpoint_list"), url("inspection_list"), url("rectification_list"),
             url("rectification_overdue"), url("rectification_mine")]
    filtered = [(url("rectification_list"), {"q": "事项", "township": w.c.townships[0].pk, "status": "open"}),
                (url("inspection_list"), {"q": "检查", "township": w.c.townships[0].pk, "kind": "inspection",
                                          "campaign": w.campaign.pk, "date_from": today() - 900 * DAY})]
    _bulk_contact_points(w, 2)
    _bulk_items(w, _bulk_inspections(w, 3), today() - DAY)
    few = [_count(client, p) for p in pages] + [_count(client, p, q) for p, q in filtered]
    _bulk_contact_points(w, 40)
    _bulk_items(w, _bulk_inspections(w, 80), today() - DAY)
    many = [_count(client, p) for p in pages] + [_count(client, p, q) for p, q in filtered]
    assert few == many


def test_detail_pages_keep_constant_query_counts(client, w):
    login(client, w["county_admin"])
    cp = services.contact_point_save(actor=None, leader_name="刘常委", unit=w.village)
    i = make_inspection(w.campaign, w.village, contact_point=cp, kind="leader_visit", pairing=w.p)
    item = make_rectification(i, deadline=today() + DAY)
    services.rectification_update(actor=w["inspector"], item=item, progress="一")
    pages = [url("inspection_detail", i.pk), url("contactpoint_detail", cp.pk), url("rectification_detail", item.pk)]
    few = [_count(client, p) for p in pages]
    for k in range(30):
        make_rectification(i, deadline=today() + DAY)
        make_inspection(w.campaign, w.village, contact_point=cp, kind="leader_visit", pairing=w.p)
        services.rectification_update(actor=w["village_secretary"], item=item, progress=f"进展{k}")
    assert [_count(client, p) for p in pages] == few


def test_double_submitted_inspection_and_rectification_forms_make_one_of_each(client, w):
    from organizations.submissions import DUPLICATE_MESSAGE

    login(client, w["inspector"])
    r = client.get(url("inspection_create"))
    token = r.context["form"].submit_token
    assert f'value="{token}"' in r.text
    data = {"campaign": w.campaign.pk, "unit": w.village.pk, "kind": "inspection", "held_on": today(),
            "visitors": 1, "submit_token": token}
    for _ in range(2):
        r = client.post(url("inspection_create"), data, follow=True)
    i = Inspection.objects.get()
    assert r.redirect_chain == [(url("inspection_detail", i.pk), 302)] and DUPLICATE_MESSAGE in r.text
    token = client.get(url("rectification_create", i.pk)).context["form"].submit_token
    for _ in range(2):
        r = client.post(url("rectification_create", i.pk), {
            "responsible_unit": w.village.pk, "description": "台账不全", "deadline": today() + 30 * DAY,
            "submit_token": token}, follow=True)
    assert DUPLICATE_MESSAGE in r.text and RectificationItem.objects.count() == 1


def test_a_double_submitted_visit_form_records_one_visit(client, w):
    from organizations.submissions import DUPLICATE_MESSAGE

    cp = services.contact_point_save(actor=None, leader_name="刘常委", unit=w.village, campaign=w.campaign)
    login(client, w["inspector"])
    token = client.get(url("contactpoint_visit", cp.pk)).context["form"].submit_token
    for _ in range(2):
        r = client.post(url("contactpoint_visit", cp.pk), {
            "campaign": w.campaign.pk, "held_on": today() - DAY, "inspector": "刘常委", "visitors": 4,
            "pairing": w.p.pk, "findings": "座谈", "submit_token": token}, follow=True)
    assert r.redirect_chain == [(url("contactpoint_detail", cp.pk), 302)] and DUPLICATE_MESSAGE in r.text
    assert Inspection.objects.filter(contact_point=cp).count() == 1
