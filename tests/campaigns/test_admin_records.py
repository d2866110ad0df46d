"""The campaign records in the admin: activities, commitments, joint meetings, decisions and
appraisal tallies listed, searched and filtered for a county admin in constant queries, scoped
(another county's record is 404), every save through the services with the reason in history;
a verified activity changes only as a correction (更正)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import (
    Activity,
    ActivityOutcome,
    Commitment,
    JointMeeting,
    MeetingDecision,
    ReviewStatus,
    Survey,
)
from organizations.models import Role
from tests.clock import today
from tests.factories import (
    County,
    make_activity,
    make_campaign,
    make_commitment,
    make_decision,
    make_meeting,
    make_pairing,
    make_staff,
    make_survey,
)

pytestmark = pytest.mark.django_db
MODELS = ("activity", "commitment", "jointmeeting", "meetingdecision", "survey")
OUTCOME = "households_visited"


def days_ago(n):
    return today() - dt.timedelta(days=n)


def make_records(campaign, village, bureau, tag):
    """One record of every kind at ``village``, named with ``tag``."""
    pairing = make_pairing(campaign, bureau, village)
    meeting = make_meeting(campaign, village, title=f"{tag}联席会议", pairing=pairing)
    return {
        "pairing": pairing,
        "activity": make_activity(campaign, village, title=f"{tag}主题党日", pairing=pairing),
        "verified": make_activity(campaign, village, title=f"{tag}走访慰问", category="visit_condolence",
                                  outcomes={OUTCOME: 5}, verified=True),
        "commitment": make_commitment(campaign, village, content=f"{tag}承诺修路"),
        "jointmeeting": meeting,
        "meetingdecision": make_decision(meeting, content=f"{tag}议定修缮活动室", deadline=days_ago(-30)),
        "survey": make_survey(campaign, village),
    }


class World:
    def __init__(self):
        self.c = County(full=False)
        self.campaign = make_campaign(self.c.county, start_date=days_ago(300))
        self.mine = make_records(self.campaign, self.c.villages[0], self.c.bureau, "本县")
        self.other = County(full=False)
        other_campaign = make_campaign(self.other.county, start_date=days_ago(300))
        self.theirs = make_records(other_campaign, self.other.villages[0], self.other.bureau, "别县")
        self.county_admin = make_staff("ca", Role.COUNTY_ADMIN, self.c.county)
        self.township = make_staff("ts", Role.TOWNSHIP_STAFF, self.c.townships[0])


@pytest.fixture
def w():
    return World()


def url(model, obj=None, action="change"):
    return f"/admin/campaigns/{model}/" + (f"{obj.pk}/{action}/" if obj else "")


def inline_management(activity):
    """What the browser posts for the read-only inlines of the activity page."""
    data = {}
    for prefix, n in (("organizers", activity.organizers.count()), ("outcomes", activity.outcomes.count()),
                      ("photos", activity.photos.count())):
        data[f"{prefix}-TOTAL_FORMS"] = data[f"{prefix}-INITIAL_FORMS"] = n
    return data


def activity_post(activity, reason="核实后更正", **changes):
    data = {"campaign": activity.campaign_id, "date": activity.date.isoformat(), "unit": activity.unit_id,
            "pairing": activity.pairing_id or "", "category": activity.category, "link_area": activity.link_area,
            "title": activity.title, "description": activity.description, "participants": activity.participants,
            "change_reason": reason, **inline_management(activity)}
    for o in activity.outcomes.select_related("indicator"):
        data[f"outcome_{o.indicator.code}"] = o.value
    data.update(changes)
    return data


def latest_reason(obj):
    return obj.history.order_by("-history_date", "-history_id").first().history_change_reason


# --- lists: open, searchable, scoped, constant queries ----------------------------------------------

def test_county_admin_lists_every_record_kind_scoped(client, w):
    client.force_login(w.county_admin)
    searches = {"activity": "本县主题党日", "commitment": "本县承诺修路", "jointmeeting": "本县联席会议",
                "meetingdecision": "本县议定修缮活动室", "survey": w.c.villages[0].name}
    for model, term in searches.items():
        r = client.get(url(model))
        assert r.status_code == 200, model
        assert "别县" not in r.text, model
        r = client.get(url(model), {"q": term})
        assert r.status_code == 200 and term in r.text, model
        assert client.get(url(model) + "add/").status_code == 200, model
        obj = w.mine[model]
        assert client.get(url(model, obj)).status_code == 200, model
        assert client.get(url(model, obj, "history")).status_code == 200, model
        # Another county's record does not exist for them.
        theirs = w.theirs[model]
        for action in ("change", "history", "delete"):
            assert client.get(url(model, theirs, action)).status_code == 404, (model, action)
    # Filters answer too.
    r = client.get(url("activity"), {"status__exact": "verified"})
    assert "本县走访慰问" in r.text and "本县主题党日" not in r.text
    r = client.get(url("activity"), {"township": w.c.townships[0].pk})
    assert r.status_code == 200 and "本县主题党日" in r.text


def test_township_staff_sees_only_their_township(client, w):
    client.force_login(w.township)
    elsewhere = make_records(w.campaign, w.c.villages[2], w.c.bureau, "二镇")
    for model in MODELS:
        r = client.get(url(model))
        assert r.status_code == 200 and "二镇" not in r.text, model
        assert client.get(url(model, elsewhere[model])).status_code == 404, model


def test_changelists_keep_a_constant_number_of_queries(client, w):
    client.force_login(w.county_admin)
    for model in MODELS:
        client.get(url(model))  # warm caches (content types, sessions)
    counts = {}
    for model in MODELS:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(model)).status_code == 200
        counts[model] = len(ctx.captured_queries)
    for i, village in enumerate(w.c.villages[1:4]):
        make_records(w.campaign, village, w.c.bureau, f"更多{i}")
    for model in MODELS:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url(model))
        assert len(ctx.captured_queries) <= counts[model], (model, counts[model], len(ctx.captured_queries))


# --- saves through the services, the reason in history ----------------------------------------------

def test_verified_activity_is_corrected_with_the_reason_in_history(client, w):
    activity = w.mine["verified"]
    client.force_login(w.county_admin)
    r = client.get(url("activity", activity))
    assert r.status_code == 200 and 'name="change_reason"' in r.text and f'name="outcome_{OUTCOME}"' in r.text
    r = client.post(url("activity", activity),
                    activity_post(activity, reason="入户核实为8户", participants=26, **{f"outcome_{OUTCOME}": "8"}))
    assert r.status_code == 302, r.text[:3000]
    activity.refresh_from_db()
    assert activity.status == ReviewStatus.VERIFIED and activity.participants == 26
    assert ActivityOutcome.objects.get(activity=activity, indicator__code=OUTCOME).value == Decimal(8)
    record = activity.history.order_by("-history_date", "-history_id").first()
    assert "入户核实为8户" in record.history_change_reason and record.history_user == w.county_admin
    r = client.get(url("activity", activity, "history"))
    assert "入户核实为8户" in r.text


def test_a_change_without_a_reason_is_refused(client, w):
    activity = w.mine["verified"]
    client.force_login(w.county_admin)
    history = activity.history.count()
    r = client.post(url("activity", activity), activity_post(activity, reason="", participants=99))
    assert r.status_code == 200 and "修改理由" in r.text
    activity.refresh_from_db()
    assert activity.participants == 20 and activity.history.count() == history
    # Deleting asks for one too (superusers only delete records).
    r = client.get(url("activity", activity, "delete"))
    assert r.status_code == 403


def test_township_staff_cannot_touch_a_verified_activity_but_edits_a_submitted_one(client, w):
    client.force_login(w.township)
    verified = w.mine["verified"]
    r = client.get(url("activity", verified))
    assert r.status_code == 200 and 'name="title"' not in r.text
    r = client.post(url("activity", verified), activity_post(verified, participants=99))
    assert r.status_code == 403
    verified.refresh_from_db()
    assert verified.participants == 20
    submitted = w.mine["activity"]
    r = client.post(url("activity", submitted), activity_post(submitted, reason="补充人数", participants=33))
    assert r.status_code == 302, r.text[:3000]
    submitted.refresh_from_db()
    assert submitted.participants == 33 and latest_reason(submitted) == "补充人数"


def test_an_activity_added_in_the_admin_gets_a_code_and_its_author(client, w):
    client.force_login(w.county_admin)
    r = client.post(url("activity") + "add/", {
        "code": "", "campaign": w.campaign.pk, "date": days_ago(2).isoformat(), "unit": w.c.villages[1].pk,
        "pairing": "", "category": "org_life", "link_area": "", "title": "后台补录活动", "description": "",
        "participants": 12, f"outcome_{OUTCOME}": "3", "change_reason": "纸质台帐补录"})
    assert r.status_code == 302, r.text[:3000]
    activity = Activity.objects.get(title="后台补录活动")
    assert activity.code and activity.author == w.county_admin
    assert activity.outcomes.get().value == Decimal(3)
    assert latest_reason(activity) == "纸质台帐补录"


def test_commitment_meeting_decision_and_survey_saved_with_the_reason(client, w):
    client.force_login(w.county_admin)
    m = w.mine
    c = m["commitment"]
    r = client.post(url("commitment", c), {
        "campaign": c.campaign_id, "unit": c.unit_id, "organization": "", "pairing": "", "content": c.content,
        "made_on": c.made_on.isoformat(), "due_date": "", "status": "in_progress", "progress": "已动工",
        "completed_on": "", "evidence": "", "expected_version": c.version, "change_reason": "更新进展"})
    assert r.status_code == 302, r.text[:3000]
    c = Commitment.objects.get(pk=c.pk)
    assert c.progress == "已动工" and latest_reason(c) == "更新进展"
    # A save over a newer version is refused.
    r = client.post(url("commitment", c), {
        "campaign": c.campaign_id, "unit": c.unit_id, "content": c.content, "made_on": c.made_on.isoformat(),
        "status": "in_progress", "progress": "旧的", "expected_version": c.version - 1, "change_reason": "x"})
    assert r.status_code == 200 and Commitment.objects.get(pk=c.pk).progress == "已动工"

    meeting = m["jointmeeting"]
    r = client.post(url("jointmeeting", meeting), {
        "campaign": meeting.campaign_id, "held_on": meeting.held_on.isoformat(), "host_unit": meeting.host_unit_id,
        "pairing": meeting.pairing_id, "title": "本县联席会议(第二次)", "member_units": [w.c.bureau.pk],
        "minutes": "研究修缮活动室", "change_reason": "补全纪要"})
    assert r.status_code == 302, r.text[:3000]
    meeting = JointMeeting.objects.get(pk=meeting.pk)
    assert meeting.minutes == "研究修缮活动室" and list(meeting.member_units.all()) == [w.c.bureau]
    assert latest_reason(meeting) == "补全纪要"

    decision = m["meetingdecision"]
    r = client.post(url("meetingdecision", decision), {
        "status": "done", "result": "已修缮", "done_on": today().isoformat(), "change_reason": "落实完毕"})
    assert r.status_code == 302, r.text[:3000]
    decision = MeetingDecision.objects.get(pk=decision.pk)
    assert decision.status == "done" and latest_reason(decision) == "落实完毕"

    survey = m["survey"]
    r = client.post(url("survey", survey), {
        "campaign": survey.campaign_id, "unit": survey.unit_id, "subject": survey.subject,
        "held_on": survey.held_on.isoformat(), "satisfied": 40, "basically_satisfied": 5, "dissatisfied": 1,
        "change_reason": "复核票数"})
    assert r.status_code == 302, r.text[:3000]
    survey = Survey.objects.get(pk=survey.pk)
    assert survey.satisfied == 40 and latest_reason(survey) == "复核票数"


def test_superuser_bulk_delete_needs_a_reason_and_keeps_it(admin_client, w):
    survey = w.mine["survey"]
    data = {"action": "delete_selected", "_selected_action": [survey.pk], "post": "yes"}
    r = admin_client.post(url("survey"), data)
    assert r.status_code == 200 and "请填写修改理由" in r.text
    assert Survey.objects.filter(pk=survey.pk).exists()
    r = admin_client.post(url("survey"), {**data, "change_reason": "重复登记"})
    assert r.status_code == 302
    assert not Survey.objects.filter(pk=survey.pk).exists()
    assert Survey.history.filter(id=survey.pk, history_type="-").get().history_change_reason == "重复登记"


def test_the_bureau_liaison_cannot_change_the_villages_pairing_meeting_in_the_admin(client, w):
    meeting = w.mine["jointmeeting"]        # hosted by the village, for the village–bureau pair
    liaison = make_staff("bl", Role.BUREAU_LIAISON, w.c.bureau)
    client.force_login(liaison)
    page = client.get(url("jointmeeting", meeting))
    assert page.status_code == 200 and "保存" not in page.content.decode()   # seen, read-only
    r = client.post(url("jointmeeting", meeting), {"title": "局里改的标题", "reason": "试试"})
    assert r.status_code == 403
    meeting.refresh_from_db()
    assert meeting.title == "本县联席会议"
