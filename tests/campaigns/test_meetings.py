"""Joint meetings (党工青妇联席会议) and their decisions (议定事项): service rules, the pages for
each role, scoped choices, the follow-up list and constant query counts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import DecisionStatus, JointMeeting, MeetingDecision
from campaigns.services import decision_update, meeting_save
from organizations.models import OrgKind
from tests.factories import bulk_villages, make_org

from .commitment_world import World, days

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def url(name, *args):
    return reverse(f"campaigns:{name}", args=args)


def meeting_data(w, **overrides):
    data = {"campaign": w.campaign.pk, "title": "第一季度党工青妇联席会议", "held_on": str(days(-3)),
            "pairing": "", "member_units": [], "member_organizations": [], "minutes": "研究了三件事。"}
    data.update(overrides)
    return data


# --- services -------------------------------------------------------------------------------------

def test_meeting_rules(w):
    with pytest.raises(ValidationError) as e:
        meeting_save(actor=None, campaign=w.campaign, held_on=days(1), host_unit=w.villages[0], title="明天的会")
    assert "held_on" in e.value.message_dict
    with pytest.raises(PermissionDenied):
        meeting_save(actor=w.users["village2"], campaign=w.campaign, held_on=days(-1), host_unit=w.villages[0],
                     title="别村的会")
    with pytest.raises(PermissionDenied):
        meeting_save(actor=w.users["inspector"], campaign=w.campaign, held_on=days(-1), host_unit=w.villages[0],
                     title="督查组的会")
    m = w.meeting()
    assert m.code.startswith("MTG-")


def test_decision_rules(w):
    m = w.meeting()
    with pytest.raises(ValidationError) as e:
        w.decide(m, deadline=days(-60))  # before the meeting
    assert "deadline" in e.value.message_dict
    d = w.decide(m, deadline=days(10))
    with pytest.raises(ValidationError) as e:
        decision_update(actor=None, decision=d, status=DecisionStatus.DONE)
    assert "done_on" in e.value.message_dict
    with pytest.raises(PermissionDenied):
        decision_update(actor=w.users["village2"], decision=d, status=DecisionStatus.IN_PROGRESS)
    decision_update(actor=w.users["village"], decision=d, status=DecisionStatus.DONE, done_on=days(-1),
                    result="已完成")
    assert d.status == DecisionStatus.DONE


def test_overdue_decisions(w):
    m = w.meeting()
    late = w.decide(m, deadline=days(-1))
    w.decide(m, deadline=days(5))
    done = w.decide(m, deadline=days(-2))
    decision_update(actor=None, decision=done, status=DecisionStatus.DONE, done_on=days(-3))
    assert list(MeetingDecision.objects.overdue()) == [late]


# --- pages ----------------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, w):
    m = w.meeting()
    for path in (url("meeting_list"), url("meeting_detail", m.pk), url("meeting_create"), url("decision_list")):
        r = client.get(path)
        assert r.status_code == 302 and r.url.startswith("/accounts/login/")


@pytest.mark.parametrize("role, detail, edit, create", [
    ("county", 200, 200, 200),
    ("township", 200, 200, 200),
    ("village", 200, 200, 200),
    ("village2", 404, 404, 200),
    ("bureau", 404, 404, 200),
    ("inspector", 200, 403, 403),
    ("viewer", 200, 403, 403),
])
def test_each_role_on_a_village_meeting(client, w, role, detail, edit, create):
    m = w.meeting(title="一村联席会议")
    client.force_login(w.users[role])
    r = client.get(url("meeting_list"))
    assert r.status_code == 200 and ("一村联席会议" in r.text) == (detail == 200)
    assert client.get(url("meeting_detail", m.pk)).status_code == detail
    assert client.get(url("meeting_edit", m.pk)).status_code == edit
    assert client.get(url("meeting_create")).status_code == create
    r = client.post(url("meeting_decision_add", m.pk), {"content": "x", "assigned_unit": m.host_unit_id})
    assert r.status_code == {200: 302, 404: 404, 403: 403}[edit]


def test_pairing_meeting_is_seen_but_not_edited_by_the_other_side(client, w):
    m = w.meeting(pairing=w.pairing, title="结对联席会议")
    client.force_login(w.users["bureau"])
    assert client.get(url("meeting_detail", m.pk)).status_code == 200
    assert client.get(url("meeting_edit", m.pk)).status_code == 403
    assert client.post(url("meeting_decision_add", m.pk), {"content": "x", "assigned_unit": w.bureau.pk}).status_code == 403
    with pytest.raises(PermissionDenied):
        meeting_save(actor=w.users["bureau"], meeting=m, campaign=w.campaign, held_on=m.held_on,
                     host_unit=m.host_unit, pairing=w.pairing, title="改写")
    # The bureau hosts its own meetings for the pair; the village sees them and cannot edit them.
    own, _ = meeting_save(actor=w.users["bureau"], campaign=w.campaign, held_on=days(-2), host_unit=w.bureau,
                          pairing=w.pairing, title="局召集的联席会议")
    assert client.get(url("meeting_edit", own.pk)).status_code == 200
    client.force_login(w.users["village"])
    assert client.get(url("meeting_detail", own.pk)).status_code == 200
    assert client.get(url("meeting_edit", own.pk)).status_code == 403


def test_decisions_are_followed_up_by_the_assigned_side_only(w):
    m = w.meeting(pairing=w.pairing)
    for_bureau = w.decide(m, unit=w.bureau, deadline=days(10))
    for_village = w.decide(m, unit=w.villages[0], deadline=days(10))
    with pytest.raises(PermissionDenied):  # the village (host) does not report for the bureau
        decision_update(actor=w.users["village"], decision=for_bureau, status=DecisionStatus.DONE, done_on=days(-1))
    with pytest.raises(PermissionDenied):  # nor the bureau for the village
        decision_update(actor=w.users["bureau"], decision=for_village, status=DecisionStatus.DONE, done_on=days(-1))
    decision_update(actor=w.users["bureau"], decision=for_bureau, status=DecisionStatus.IN_PROGRESS)
    decision_update(actor=w.users["village"], decision=for_village, status=DecisionStatus.IN_PROGRESS)


def test_village_secretary_records_a_meeting_with_members_and_decisions(client, w):
    client.force_login(w.users["village"])
    r = client.get(url("meeting_create"))
    assert r.status_code == 200 and r.context["host"] == w.villages[0]
    form = r.context["form"]
    # Member choices: the village and its paired bureau; organisations of both sides.
    assert set(form.fields["member_units"].queryset) == {w.villages[0], w.bureau}
    # Preselected: the one pairing, both sides present, the village's own 党工青妇.
    assert form.initial["pairing"] == w.pairing.pk and form.initial["member_units"] == [w.villages[0].pk, w.bureau.pk]
    assert set(form.initial["member_organizations"]) == set(w.villages[0].organizations.values_list("pk", flat=True))
    assert set(form.fields["member_organizations"].queryset) == (
        set(w.villages[0].organizations.all()) | {w.bureau_party})
    orgs = list(w.villages[0].organizations.values_list("pk", flat=True))
    r = client.post(url("meeting_create"), meeting_data(
        w, pairing=w.pairing.pk, member_units=[w.villages[0].pk, w.bureau.pk],
        member_organizations=orgs + [w.bureau_party.pk]))
    m = JointMeeting.objects.get()
    assert r.status_code == 302 and r.url == url("meeting_detail", m.pk)
    assert set(m.member_units.all()) == {w.villages[0], w.bureau} and m.member_organizations.count() == 5
    # A decision assigned to the bureau with a deadline.
    r = client.post(url("meeting_decision_add", m.pk),
                    {"content": "农业局协调修路资金", "assigned_unit": w.bureau.pk, "deadline": str(days(20))})
    assert r.status_code == 302
    d = MeetingDecision.objects.get()
    assert (d.assigned_unit, d.deadline, d.status) == (w.bureau, days(20), DecisionStatus.OPEN)
    r = client.get(url("meeting_detail", m.pk))
    assert "农业局协调修路资金" in r.text and w.bureau_party.name in r.text


def test_foreign_ids_in_meeting_forms_are_rejected(client, w):
    client.force_login(w.users["village"])
    foreign_org = w.villages[1].organizations.first()
    for field, value in (("member_units", [w.villages[1].pk]), ("member_organizations", [foreign_org.pk]),
                         ("pairing", w.pairing2.pk)):
        r = client.post(url("meeting_create"), meeting_data(w, **{field: value}))
        assert r.status_code == 200 and r.context["form"].errors[field]
    assert not JointMeeting.objects.exists()
    m = w.meeting()
    r = client.post(url("meeting_decision_add", m.pk), {"content": "x", "assigned_unit": w.villages[1].pk})
    assert r.status_code == 200 and r.context["decision_form"].errors["assigned_unit"]
    r = client.post(url("meeting_decision_add", m.pk), {"content": "x", "assigned_unit": w.villages[0].pk,
                                                         "deadline": str(days(-90))})
    assert r.status_code == 200 and "完成时限不能早于会议日期" in r.text
    assert not MeetingDecision.objects.exists()


def test_future_meeting_date_is_a_form_error(client, w):
    client.force_login(w.users["village"])
    r = client.post(url("meeting_create"), meeting_data(w, held_on=str(days(2))))
    assert r.status_code == 200 and "会议日期不能晚于今天" in r.text


def test_township_meeting_assigns_decisions_to_villages(client, w):
    client.force_login(w.users["township"])
    t = w.townships[0]
    r = client.get(url("meeting_create"), {"unit": t.pk})
    assert set(r.context["form"].fields["member_units"].queryset) == {t, w.villages[0], w.villages[1]}
    r = client.post(url("meeting_create") + f"?unit={t.pk}", meeting_data(w, member_units=[w.villages[0].pk]))
    m = JointMeeting.objects.get()
    client.post(url("meeting_decision_add", m.pk), {"content": "一村整修阵地", "assigned_unit": w.villages[0].pk,
                                                    "deadline": str(days(-1))})
    d = MeetingDecision.objects.get()
    # The village secretary follows it up without seeing the township's meeting.
    client.force_login(w.users["village"])
    assert client.get(url("meeting_detail", m.pk)).status_code == 404
    r = client.get(url("decision_list"))
    assert "一村整修阵地" in r.text and "已逾期" in r.text
    assert url("meeting_detail", m.pk) not in r.text
    assert r.context["counts"] == {"open": 1, "overdue": 1}
    assert client.get(url("decision_edit", d.pk)).status_code == 200
    r = client.post(url("decision_edit", d.pk), {"status": "done", "result": "已整修", "done_on": ""})
    assert r.status_code == 200 and "请填写落实日期" in r.text
    r = client.post(url("decision_edit", d.pk), {"status": "done", "result": "已整修", "done_on": str(days(0))})
    assert r.status_code == 302 and r.url == url("decision_list")
    d.refresh_from_db()
    assert d.status == DecisionStatus.DONE and d.result == "已整修"
    # Done: gone from the default (open) list, still in "all".
    assert "一村整修阵地" not in client.get(url("decision_list")).text
    assert "一村整修阵地" in client.get(url("decision_list"), {"status": "all"}).text
    # Another village neither sees nor updates it.
    client.force_login(w.users["village2"])
    assert client.get(url("decision_edit", d.pk)).status_code == 404
    assert "一村整修阵地" not in client.get(url("decision_list"), {"status": "all"}).text


def test_readers_see_decisions_but_cannot_update(client, w):
    m = w.meeting()
    d = w.decide(m, deadline=days(3))
    for role in ("inspector", "viewer"):
        client.force_login(w.users[role])
        r = client.get(url("decision_list"))
        assert d.content in r.text and url("decision_edit", d.pk) not in r.text
        assert client.get(url("decision_edit", d.pk)).status_code == 403
        assert client.post(url("decision_edit", d.pk), {"status": "in_progress"}).status_code == 403


def test_decision_list_filters(client, w):
    m = w.meeting()
    w.decide(m, content="逾期事项", deadline=days(-2))
    w.decide(m, content="未到期事项", deadline=days(9))
    w.decide(w.meeting(host=w.villages[1]), content="二村事项")
    client.force_login(w.users["county"])

    def shown(**params):
        return {d.content for d in client.get(url("decision_list"), params).context["page"]}

    assert shown() == {"逾期事项", "未到期事项", "二村事项"}
    assert shown(overdue="on") == {"逾期事项"}
    assert shown(unit=w.villages[1].pk) == {"二村事项"}
    assert shown(q="未到期") == {"未到期事项"}
    client.force_login(w.users["village"])
    r = client.get(url("decision_list"), {"unit": w.villages[1].pk})
    assert list(r.context["page"]) == [] and "筛选条件无效" in r.text


def test_meeting_list_filters(client, w):
    w.meeting(title="一村会议")
    w.meeting(host=w.villages[1], title="二村会议")
    client.force_login(w.users["township"])
    r = client.get(url("meeting_list"), {"unit": w.villages[1].pk})
    assert [m.title for m in r.context["page"]] == ["二村会议"]
    r = client.get(url("meeting_list"), {"q": "一村"})
    assert [m.title for m in r.context["page"]] == ["一村会议"]


def test_meeting_edit_keeps_members(client, w):
    m = w.meeting(member_units=[w.villages[0]])
    client.force_login(w.users["village"])
    r = client.get(url("meeting_edit", m.pk))
    assert r.context["form"].initial["member_units"] == [w.villages[0].pk]
    r = client.post(url("meeting_edit", m.pk), meeting_data(w, title="改名后的会议", member_units=[w.villages[0].pk]))
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.title == "改名后的会议" and list(m.member_units.all()) == [w.villages[0]]


# --- constant query counts ------------------------------------------------------------------------

def _count(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, params or {})
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_meeting_pages_query_counts_are_constant(client, w):
    client.force_login(w.users["township"])
    t = w.townships[0]
    m = w.meeting(host=t, member_units=[w.villages[0]])
    w.decide(m, unit=w.villages[0], deadline=days(-1))
    w.meeting(host=w.villages[0])
    pages = [(url("meeting_list"), {}), (url("meeting_detail", m.pk), {}), (url("decision_list"), {}),
             (url("decision_list"), {"overdue": "on", "unit": t.pk}), (url("meeting_create"), {"unit": t.pk})]
    few = [_count(client, p, q) for p, q in pages]
    villages = bulk_villages(t, 30)
    m.member_units.add(*villages)
    for v in villages[:10]:
        make_org(v, OrgKind.UNION)
    m.member_organizations.add(*[o for v in villages for o in v.organizations.all()])
    for i, v in enumerate(villages):
        w.decide(m, unit=v, content=f"事项{i}", deadline=days(-1 if i % 2 else 5))
        w.meeting(host=v, title=f"会议{i}")
    many = [_count(client, p, q) for p, q in pages]
    assert few == many


def test_double_submitted_meeting_and_decision_forms_make_one_of_each(client, w):
    from organizations.submissions import DUPLICATE_MESSAGE

    client.force_login(w.users["village"])
    r = client.get(url("meeting_create"))
    token = r.context["form"].submit_token
    assert f'value="{token}"' in r.text
    for _ in range(2):
        r = client.post(url("meeting_create"), meeting_data(w, submit_token=token), follow=True)
    m = JointMeeting.objects.get()
    assert r.redirect_chain == [(url("meeting_detail", m.pk), 302)] and DUPLICATE_MESSAGE in r.text
    token = r.context["decision_form"].submit_token
    for _ in range(2):
        r = client.post(url("meeting_decision_add", m.pk),
                        {"content": "修路", "assigned_unit": w.villages[0].pk, "submit_token": token}, follow=True)
    assert DUPLICATE_MESSAGE in r.text and m.decisions.count() == 1
