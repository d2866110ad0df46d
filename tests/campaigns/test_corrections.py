"""Write rules shared by the web and imports, optimistic locking of activities, and corrections
(更正) by county admins with a reason: figures follow, history shows who, when, what and why."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from campaigns.models import Activity, DecisionStatus, ReviewStatus
from campaigns.services import (
    STALE_REVIEW_MESSAGE,
    StaleEdit,
    activity_correct,
    activity_review,
    activity_submit,
    commitment_save,
    decision_add,
    meeting_save,
    survey_save,
)
from metrics import selectors as metrics
from organizations.models import Role
from tests.clock import today
from tests.factories import County, make_activity, make_campaign, make_inspection, make_pairing, make_user

pytestmark = pytest.mark.django_db


def days(n):
    return today() + dt.timedelta(days=n)


@pytest.fixture
def w():
    c = County(full=False)
    c.campaign = make_campaign(c.county)
    c.pairing = make_pairing(c.campaign, c.bureau, c.villages[0])
    c.village = c.villages[0]
    c.users = {
        "county": make_user("county", Role.COUNTY_ADMIN, c.county),
        "township": make_user("township", Role.TOWNSHIP_STAFF, c.townships[0]),
        "village": make_user("village", Role.VILLAGE_SECRETARY, c.village),
        "bureau": make_user("bureau", Role.BUREAU_LIAISON, c.bureau),
        "inspector": make_user("inspector", Role.INSPECTOR, c.county),
        "root": make_user("root", is_superuser=True),
    }
    return c


def url(name, *args):
    return reverse(f"campaigns:{name}", args=args)


def figure(unit, code):
    return {f.indicator.code: f.text for f in metrics.figures(unit)}[code]


def verified_activity(w, households=5):
    a = make_activity(w.campaign, w.village, actor=w.users["village"], pairing=w.pairing, participants=30,
                      title="主题党日", outcomes={"households_visited": households})
    return activity_review(actor=w.users["township"], activity=a, approve=True)


def activity_post(w, a, **overrides):
    data = {
        "unit": a.unit_id, "pairing": a.pairing_id or "", "campaign": a.campaign_id, "date": a.date.isoformat(),
        "category": a.category, "link_area": a.link_area, "title": a.title, "participants": a.participants,
        "description": a.description, "version": Activity.objects.get(pk=a.pk).version,
        "org-TOTAL_FORMS": "0", "org-INITIAL_FORMS": "0", "org-MIN_NUM_FORMS": "0", "org-MAX_NUM_FORMS": "10",
    }
    for o in a.outcomes.select_related("indicator"):
        data[f"outcome_{o.indicator.code}"] = f"{o.value.normalize():f}"
    data.update(overrides)
    return data


# --- corrections of activities ----------------------------------------------------------------------

def test_the_county_corrects_a_verified_activity_figures_follow_and_history_says_why(client, w):
    a = verified_activity(w, households=5)
    assert figure(w.village, "households_visited") == "5"
    client.force_login(w.users["county"])
    r = client.get(url("activity_detail", a.pk))
    assert url("activity_correct", a.pk) in r.text and url("activity_edit", a.pk) not in r.text
    assert client.get(url("activity_correct", a.pk)).status_code == 200
    r = client.post(url("activity_correct", a.pk), activity_post(
        w, a, reason="签到表核实为7户", participants="41", outcome_households_visited="7"))
    assert r.status_code == 302 and r.url == url("activity_detail", a.pk)
    a.refresh_from_db()
    assert (a.status, a.participants, a.reviewed_by) == (ReviewStatus.VERIFIED, 41, w.users["township"])
    assert figure(w.village, "households_visited") == "7"
    assert figure(w.townships[0], "households_visited") == "7"
    last = a.history.first()
    assert (last.history_change_reason, last.history_user) == ("更正:签到表核实为7户", w.users["county"])
    page = client.get(url("activity_detail", a.pk)).text
    assert "更正:签到表核实为7户" in page and "county" in page
    row = next(h for h in client.get(url("activity_detail", a.pk)).context["history"]
               if h.history_change_reason == "更正:签到表核实为7户")
    assert ("参加人数", "30", "41") in row.changes and ("走访贫困户", "5", "7") in row.changes


def test_a_correction_needs_a_reason_and_keeps_what_was_typed(client, w):
    a = verified_activity(w)
    client.force_login(w.users["county"])
    r = client.post(url("activity_correct", a.pk), activity_post(w, a, reason="", title="改过的名称"))
    assert r.status_code == 200 and "更正记录必须说明理由" in r.text
    assert r.context["form"]["title"].value() == "改过的名称"
    a.refresh_from_db()
    assert a.title == "主题党日"
    with pytest.raises(ValidationError):
        activity_correct(actor=w.users["county"], activity=a, reason="  ", title="x")


@pytest.mark.parametrize("role", ["township", "village", "bureau", "inspector"])
def test_township_staff_the_author_and_others_cannot_correct(client, w, role):
    a = verified_activity(w)
    client.force_login(w.users[role])
    assert client.get(url("activity_correct", a.pk)).status_code == 403
    r = client.post(url("activity_correct", a.pk), activity_post(w, a, reason="改", title="改"))
    assert r.status_code == 403
    with pytest.raises(PermissionDenied):
        activity_correct(actor=w.users[role], activity=a, reason="改", title="改")
    a.refresh_from_db()
    assert a.title == "主题党日"
    assert url("activity_correct", a.pk) not in client.get(url("activity_detail", a.pk)).text


def test_the_lock_message_points_to_the_correction(client, w):
    a = verified_activity(w)
    client.force_login(w.users["village"])
    r = client.get(url("activity_edit", a.pk))
    assert r.status_code == 403
    assert "更正" in client.get(url("activity_detail", a.pk)).text
    with pytest.raises(ValidationError) as e:
        activity_submit(actor=w.users["township"], activity=a, campaign=a.campaign, date=a.date, unit=a.unit,
                        pairing=a.pairing, category=a.category, title="改")
    assert "更正" in e.value.messages[0] and "后台" not in e.value.messages[0]


# --- optimistic locking of activities -------------------------------------------------------------

def test_a_stale_edit_is_refused_keeping_the_typed_values(client, w):
    a = make_activity(w.campaign, w.village, actor=w.users["village"], pairing=w.pairing)
    client.force_login(w.users["village"])
    opened = activity_post(w, a)  # the form as the author opened it (version 1)
    activity_submit(actor=w.users["township"], activity=a, campaign=a.campaign, date=a.date, unit=a.unit,
                    pairing=a.pairing, category=a.category, title="乡镇改过", participants=12)
    r = client.post(url("activity_edit", a.pk), {**opened, "title": "我改的名称"})
    assert r.status_code == 200 and r.context["stale"]
    assert "已被他人修改" in r.text and r.context["form"]["title"].value() == "我改的名称"
    a.refresh_from_db()
    assert (a.title, a.version) == ("乡镇改过", 2)
    with pytest.raises(StaleEdit):
        activity_submit(actor=w.users["village"], activity=a, campaign=a.campaign, date=a.date, unit=a.unit,
                        pairing=a.pairing, category=a.category, title="x", expected_version=1)


def test_a_reviewer_cannot_verify_a_version_they_never_saw(client, w):
    a = make_activity(w.campaign, w.village, actor=w.users["village"], pairing=w.pairing,
                      outcomes={"households_visited": 5})
    client.force_login(w.users["township"])
    r = client.get(url("activity_detail", a.pk))
    seen = r.context["review_form"].initial["version"]
    assert f'name="version" value="{seen}"' in r.text
    # The author changes 5 households to 50 after the reviewer opened the page.
    activity_submit(actor=w.users["village"], activity=a, campaign=a.campaign, date=a.date, unit=a.unit,
                    pairing=a.pairing, category=a.category, title=a.title, outcomes={"households_visited": 50})
    r = client.post(url("activity_review", a.pk), {"decision": "verify", "version": seen, "comment": "核对无误"})
    assert [str(m) for m in r.wsgi_request._messages] == [
        "审核没有生效:该活动在您打开后已被他人修改。请核对下面的最新内容(改动见“记录历史”)后重新审核,您写的审核意见已保留。"]
    page = client.get(url("activity_detail", a.pk))  # the comment typed is still in the review box
    assert ">核对无误</textarea>" in page.text
    a.refresh_from_db()
    assert a.status == ReviewStatus.SUBMITTED
    with pytest.raises(StaleEdit, match=STALE_REVIEW_MESSAGE):
        activity_review(actor=w.users["township"], activity=a, approve=True, expected_version=seen)
    activity_review(actor=w.users["township"], activity=a, approve=True, expected_version=a.version)


# --- each side of a pairing edits its own activities ------------------------------------------------

def test_activities_belong_to_their_unit_in_both_directions(w):
    from campaigns.policy import can_edit_activity

    village_own = make_activity(w.campaign, w.village, actor=w.users["village"], pairing=w.pairing)
    bureau_own = make_activity(w.campaign, w.bureau, actor=w.users["bureau"], pairing=w.pairing)
    logged_by_bureau = make_activity(w.campaign, w.village, actor=w.users["bureau"], pairing=w.pairing)
    assert can_edit_activity(w.users["village"], village_own) and not can_edit_activity(w.users["bureau"], village_own)
    assert can_edit_activity(w.users["bureau"], bureau_own) and not can_edit_activity(w.users["village"], bureau_own)
    assert can_edit_activity(w.users["bureau"], logged_by_bureau)  # its own record for the pair
    # The township reviews the bureau's activity for its village's pair, but does not edit it.
    assert not can_edit_activity(w.users["township"], bureau_own)
    for actor, theirs in ((w.users["bureau"], village_own), (w.users["village"], bureau_own)):
        with pytest.raises(PermissionDenied):
            activity_submit(actor=actor, activity=theirs, campaign=theirs.campaign, date=theirs.date,
                            unit=theirs.unit, pairing=theirs.pairing, category=theirs.category, title="改写")


# --- corrections of the other records ---------------------------------------------------------------

def correct_page(client, name, pk, data, expect=302):
    r = client.post(url(name, pk), data)
    assert r.status_code == expect, getattr(r, "context", None) and r.context.get("form") and r.context["form"].errors
    return r


def test_the_county_corrects_a_commitment_meeting_decision_and_survey_with_a_reason(client, w):
    c, _ = commitment_save(actor=w.users["village"], campaign=w.campaign, unit=w.village, content="修路",
                           made_on=days(-10), pairing=w.pairing)
    m, _ = meeting_save(actor=w.users["village"], campaign=w.campaign, held_on=days(-5), host_unit=w.village,
                        pairing=w.pairing, title="联席会议")
    d = decision_add(actor=w.users["village"], meeting=m, content="修缮阵地", assigned_unit=w.village)
    s, _ = survey_save(actor=w.users["township"], campaign=w.campaign, unit=w.village, subject="party_org",
                       held_on=days(-3), satisfied=50, basically_satisfied=5, dissatisfied=5)
    pages = (("commitment_correct", c), ("meeting_correct", m), ("decision_correct", d), ("survey_correct", s))
    for role in ("township", "village", "bureau"):
        client.force_login(w.users[role])
        for name, record in pages:
            assert client.get(url(name, record.pk)).status_code in (403, 404), (role, name)
    client.force_login(w.users["county"])
    for name, record in pages:
        assert client.get(url(name, record.pk)).status_code == 200
    correct_page(client, "commitment_correct", c.pk, {
        "reason": "承诺日期录错", "campaign": w.campaign.pk, "pairing": w.pairing.pk, "content": "修路两公里",
        "made_on": days(-12).isoformat(), "status": "done", "completed_on": days(-1).isoformat(),
        "version": c.version})
    correct_page(client, "meeting_correct", m.pk, {
        "reason": "会议名称更正", "campaign": w.campaign.pk, "title": "党工青妇联席会议", "held_on": m.held_on.isoformat(),
        "pairing": w.pairing.pk})
    correct_page(client, "decision_correct", d.pk, {
        "reason": "事项表述更正", "content": "修缮活动阵地", "status": DecisionStatus.DONE,
        "done_on": days(-1).isoformat(), "result": "已完成"})
    correct_page(client, "survey_correct", s.pk, {
        "reason": "唱票复核", "subject": "party_org", "held_on": s.held_on.isoformat(), "satisfied": 55,
        "basically_satisfied": 3, "dissatisfied": 2})
    for record, reason in ((c, "承诺日期录错"), (m, "会议名称更正"), (d, "事项表述更正"), (s, "唱票复核")):
        record.refresh_from_db()
        last = record.history.first()
        assert (last.history_change_reason, last.history_user) == (f"更正:{reason}", w.users["county"])
    assert (c.content, c.status, m.title, d.content, s.satisfied) == ("修路两公里", "done", "党工青妇联席会议",
                                                                     "修缮活动阵地", 55)
    page = client.get(url("commitment_detail", c.pk)).text
    assert "更正:承诺日期录错" in page and url("commitment_correct", c.pk) in page
    # A reason is required.
    r = correct_page(client, "survey_correct", s.pk, {"reason": "", "subject": "party_org",
                                                      "held_on": s.held_on.isoformat(), "satisfied": 1,
                                                      "basically_satisfied": 0, "dissatisfied": 0}, expect=200)
    assert "更正记录必须说明理由" in r.text


def test_the_county_corrects_an_inspection(client, w):
    ins = make_inspection(w.campaign, w.village, actor=w.users["inspector"], visitors=2)
    path = reverse("pairings:inspection_correct", args=[ins.pk])
    client.force_login(w.users["inspector"])
    assert client.get(path).status_code == 403
    client.force_login(w.users["county"])
    assert path in client.get(reverse("pairings:inspection_detail", args=[ins.pk])).text
    r = client.post(path, {"reason": "人次录错", "campaign": w.campaign.pk, "unit": w.village.pk, "kind": ins.kind,
                           "method": ins.method, "held_on": ins.held_on.isoformat(), "visitors": 3})
    assert r.status_code == 302, r.context["form"].errors
    ins.refresh_from_db()
    assert ins.visitors == 3 and ins.history.first().history_change_reason == "更正:人次录错"
