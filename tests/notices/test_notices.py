"""Issue 14, items 1, 2 and 4: notices and tasks with 签收/回执, the sender's receipt table and
reminders, tasks completed by linked records, the reminders inbox, daily digests, 信息通报.

The world (tests.campaigns.activity_world.World): a county of 2 townships × 2 villages, 县农业局
paired with the first village; users county, township (first township), township2, village
(first village), village2, bureau, inspector, viewer.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaigns.services import activity_review
from notices import services
from notices.channels import LoggingSmsBackend
from notices.models import DigestLog, Notice, NoticeReceipt
from tests.campaigns.activity_world import World, days, media  # noqa: F401
from tests.factories import (
    bulk_villages,
    make_briefing,
    make_commitment,
    make_inspection,
    make_meeting,
    make_notice,
    make_org,
    make_rectification,
    make_user,
    notice_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(media):  # noqa: F811
    return World()


def _not_silent():
    """The world's pairs have logged nothing yet (silent): make them recently active."""
    from pairings.models import Pairing

    Pairing.objects.update(last_logged_on=timezone.localdate())


def _receipt(notice, unit) -> NoticeReceipt:
    return notice.receipts.select_related("notice__sender_unit", "unit").get(unit=unit)


# --- who may send to whom -----------------------------------------------------------------------

def test_the_county_sends_to_townships_villages_and_bureaus_of_its_county(w):
    n = services.notice_send(actor=w.users["county"], kind="notice", sender_unit=w.county, title="通知",
                             body="内容", units=[w.townships[0], w.villages[3], w.bureau])
    assert sorted(n.receipts.values_list("unit__name", flat=True)) == sorted(
        [w.townships[0].name, w.villages[3].name, w.bureau.name])


def test_a_township_cannot_send_outside_its_township_nor_as_the_county(w):
    township = w.users["township"]
    with pytest.raises(PermissionDenied, match="管辖范围"):
        services.notice_send(actor=township, kind="notice", sender_unit=w.townships[0], title="通知", body="内容",
                             units=[w.villages[0], w.villages[2]])   # villages[2] is the other township's
    with pytest.raises(PermissionDenied):
        services.notice_send(actor=township, kind="notice", sender_unit=w.county, title="通知", body="内容",
                             units=[w.villages[0]])
    n = services.notice_send(actor=township, kind="notice", sender_unit=w.townships[0], title="通知", body="内容",
                             units=[w.villages[0], w.villages[1]])
    assert n.receipts.count() == 2


@pytest.mark.parametrize("role", ["village", "bureau", "inspector", "viewer"])
def test_villages_bureaus_inspectors_and_viewers_send_nothing(w, role, client):
    user = w.users[role]
    with pytest.raises(PermissionDenied):
        services.notice_send(actor=user, kind="notice", sender_unit=w.county, title="通知", body="内容",
                             units=[w.villages[0]])
    client.force_login(user)
    assert client.get(reverse("notices:notice_create")).status_code == 403


def test_the_web_form_refuses_a_unit_outside_the_township(w, client):
    client.force_login(w.users["township"])
    response = client.post(reverse("notices:notice_create"), {
        "kind": "notice", "sender_unit": w.townships[0].pk, "title": "越权通知", "body": "内容",
        "target": "chosen", "units": [w.villages[0].pk, w.villages[2].pk]})
    assert response.status_code == 200
    assert "不在可用的选项中" in response.content.decode()
    assert not Notice.objects.filter(title="越权通知").exists()


def test_all_villages_of_a_township_from_the_web_form(w, client):
    client.force_login(w.users["county"])
    response = client.post(reverse("notices:notice_create"), {
        "kind": "task", "sender_unit": w.county.pk, "title": "报送总结", "body": "请报送上半年总结",
        "target": "township_villages", "township": w.townships[1].pk, "deadline": days(7).isoformat(),
        "done_by": "report", "files": [notice_file()]})
    n = Notice.objects.get(title="报送总结")
    assert response.status_code == 302
    assert set(n.receipts.values_list("unit_id", flat=True)) == {w.villages[2].pk, w.villages[3].pk}
    assert n.attachments.get().name == "台帐模板.pdf"


def test_all_paired_bureaus_from_the_web_form(w, client):
    client.force_login(w.users["county"])
    client.post(reverse("notices:notice_create"), {
        "kind": "notice", "sender_unit": w.county.pk, "title": "致帮建单位", "body": "内容",
        "target": "paired_bureaus"})
    n = Notice.objects.get(title="致帮建单位")
    assert set(n.receipts.values_list("unit_id", flat=True)) == {w.bureau.pk, w.bureau2.pk}


def test_a_task_needs_a_deadline_and_a_completion_rule(w):
    with pytest.raises(ValidationError) as e:
        services.notice_send(actor=None, kind="task", sender_unit=w.county, title="任务", body="内容",
                             units=[w.villages[0]], done_by="records", criterion_category="",
                             criterion_min=0)
    assert {"deadline", "criterion_category", "criterion_min"} <= set(e.value.message_dict)


def test_a_disguised_program_is_refused_as_an_attachment(w):
    fake = notice_file("通知.pdf", b"MZ\x90\x00 this is a program")
    with pytest.raises(ValidationError, match="内容与扩展名"):
        make_notice(w.county, [w.villages[0]], files=[fake])
    with pytest.raises(ValidationError, match="不支持"):
        make_notice(w.county, [w.villages[0]], files=[notice_file("run.exe", b"MZ")])
    assert not Notice.objects.exists()


# --- recipients see their own; 签收 and 回执 ---------------------------------------------------------

def test_recipients_see_only_their_own_and_others_get_404(w, client):
    n = make_notice(w.county, [w.villages[0]], kind="task", files=[notice_file()])
    receipt = n.receipts.get()
    for role in ("village2", "township2", "bureau"):
        client.force_login(w.users[role])
        assert client.get(reverse("notices:notice_detail", args=[n.pk])).status_code == 404
        assert client.post(reverse("notices:receipt_acknowledge", args=[receipt.pk])).status_code == 404
        assert client.get(reverse("notices:attachment", args=[n.attachments.get().pk])).status_code == 404
    client.force_login(w.users["village"])
    page = client.get(reverse("notices:notice_detail", args=[n.pk]))
    assert page.status_code == 200 and "签收" in page.content.decode()
    assert client.get(reverse("notices:attachment", args=[n.attachments.get().pk])).status_code == 200


def test_the_village_acknowledges_and_replies_and_the_county_sees_it(w, client):
    n = make_notice(w.county, [w.villages[0], w.villages[1], w.townships[1]], kind="task", title="报送总结")
    client.force_login(w.users["village"])
    client.get(reverse("notices:notice_detail", args=[n.pk]))   # opening it is reading it
    r = _receipt(n, w.villages[0])
    assert r.read_at is not None and r.read_by == w.users["village"] and r.acknowledged_at is None
    client.post(reverse("notices:receipt_acknowledge", args=[r.pk]))
    client.post(reverse("notices:receipt_reply", args=[r.pk]),
                {"text": "已组织党员学习并形成总结", "files": [notice_file("总结.pdf")]})
    r.refresh_from_db()
    assert r.acknowledged_by == w.users["village"] and r.replied_at and not r.replied_late
    assert r.history.count() >= 3   # sent, read, acknowledged, replied: each kept
    client.force_login(w.users["county"])
    html = client.get(reverse("notices:notice_detail", args=[n.pk])).content.decode()
    assert "已组织党员学习并形成总结" in html and "总结.pdf" in html
    assert "已签收 1" in html and "已回执 1" in html
    unacked = client.get(reverse("notices:notice_detail", args=[n.pk]) + "?status=unacked").content.decode()
    assert w.townships[1].name in unacked and w.villages[1].name in unacked
    assert w.villages[0].name not in unacked.split("签收回执情况")[1]


def test_the_sender_does_not_acknowledge_its_own_notice(w):
    n = make_notice(w.county, [w.villages[0]])
    with pytest.raises(PermissionDenied):
        services.receipt_acknowledge(actor=w.users["county"], receipt=_receipt(n, w.villages[0]))


def test_a_reply_after_the_deadline_is_late(w):
    n = make_notice(w.county, [w.villages[0]], kind="task", deadline=days(1))
    late = timezone.now() + dt.timedelta(days=3)
    r = services.receipt_reply(actor=w.users["village"], receipt=_receipt(n, w.villages[0]), text="补报", now=late)
    assert r.replied_late
    from notices.selectors import receipt_rows

    assert [x.pk for x in receipt_rows(w.users["county"], n, status="late")] == [r.pk]


def test_a_notice_asks_no_reply(w):
    n = make_notice(w.county, [w.villages[0]])
    with pytest.raises(ValidationError, match="不需要回执"):
        services.receipt_reply(actor=w.users["village"], receipt=_receipt(n, w.villages[0]), text="收到")


def test_one_click_reminds_every_pending_recipient_and_is_recorded(w, client):
    n = make_notice(w.county, [w.villages[0], w.villages[1], w.villages[2]], kind="task")
    services.receipt_reply(actor=w.users["village"], receipt=_receipt(n, w.villages[0]), text="已完成")
    client.force_login(w.users["township"])
    assert client.post(reverse("notices:notice_remind", args=[n.pk])).status_code == 403   # not the sender
    client.force_login(w.users["county"])
    client.post(reverse("notices:notice_remind", args=[n.pk]))
    reminded = {r.unit_id: r.remind_count for r in n.receipts.all()}
    assert reminded == {w.villages[0].pk: 0, w.villages[1].pk: 1, w.villages[2].pk: 1}
    assert _receipt(n, w.villages[1]).history.first().history_change_reason == "催办(第1次)"
    client.force_login(w.users["village2"])
    assert "发送单位已催办" in client.get(reverse("notices:notice_detail", args=[n.pk])).content.decode()


# --- a task done by linked records --------------------------------------------------------------

def test_a_task_completes_itself_from_the_activities_in_the_recipients_scope(w, client):
    n = make_notice(w.county, [w.villages[0], w.villages[1], w.bureau], kind="task", done_by="records",
                    criterion_category="org_life", criterion_min=2, criterion_from=days(-30),
                    criterion_to=days(10))
    w.log(title="五月主题党日", date=days(-5))                          # village 0, its pairing: bureau too
    w.log(title="党课", date=days(-4), category="party_lecture")        # another category
    w.log(title="很久以前", date=days(-60))                              # before the period
    returned = w.log(title="退回的", date=days(-3))
    activity_review(actor=w.users["township"], activity=returned, approve=False, comment="照片不清")
    w.log(actor="village2", unit=w.villages[1], title="二村组织生活", date=days(-2))
    from notices.selectors import receipt_rows

    rows = {r.unit_id: r.linked for r in receipt_rows(w.users["county"], n)}
    assert rows == {w.villages[0].pk: 1, w.villages[1].pk: 1, w.bureau.pk: 1}
    w.log(title="六月主题党日", date=days(-1))
    client.force_login(w.users["county"])
    html = client.get(reverse("notices:notice_detail", args=[n.pk])).content.decode()
    assert html.count("已完成(关联记录)") == 2   # village 0 and, through the pairing, the bureau
    assert "已完成 2" in html
    assert [r.unit_id for r in receipt_rows(w.users["county"], n, status="unreplied")] == [w.villages[1].pk]


# --- the reminders inbox ------------------------------------------------------------------------

def test_the_inbox_lists_everything_waiting_on_the_user(w, client):
    village, user = w.villages[0], w.users["village"]
    n = make_notice(w.county, [village], kind="task", title="待办任务甲", deadline=days(3))
    make_notice(w.county, [w.villages[1]], title="别村的通知")
    returned = w.log(title="被退回的活动")
    activity_review(actor=w.users["township"], activity=returned, approve=False, comment="请补充照片")
    make_commitment(w.campaign, village, content="近期承诺乙", due_date=days(5))
    make_commitment(w.campaign, village, content="远期承诺", due_date=days(60))
    inspection = make_inspection(w.campaign, village)
    make_rectification(inspection, responsible_unit=village, deadline=days(-2), description="逾期整改丙")
    # the pair (县农业局—village 0) has logged nothing counted for 40 days: silent
    from pairings.models import Pairing

    Pairing.objects.filter(pk=w.pairing.pk).update(last_logged_on=days(-40))
    client.force_login(user)
    html = client.get(reverse("notices:inbox")).content.decode()
    for text in ("待办任务甲", "被退回的活动", "请补充照片", "近期承诺乙", "逾期整改丙", "县农业局 —"):
        assert text in html, text
    assert "远期承诺" not in html and "别村的通知" not in html
    # done things leave the inbox
    services.receipt_reply(actor=user, receipt=_receipt(n, village), text="已完成")
    client.force_login(user)
    assert "待办任务甲" not in client.get(reverse("notices:inbox")).content.decode()
    # the bureau sees the silent pair too; the other village sees none of it
    client.force_login(w.users["bureau"])
    assert "县农业局 —" in client.get(reverse("notices:inbox")).content.decode()
    client.force_login(w.users["village2"])
    html = client.get(reverse("notices:inbox")).content.decode()
    assert "别村的通知" in html and "待办任务甲" not in html and "逾期整改丙" not in html
    client.force_login(w.users["viewer"])
    assert "暂时没有等您处理的事项" in client.get(reverse("notices:inbox")).content.decode()


def test_the_menu_shows_the_inbox_count(w, client):
    _not_silent()
    make_notice(w.county, [w.villages[0]], title="一")
    make_notice(w.county, [w.villages[0]], title="二")
    client.force_login(w.users["village"])
    html = client.get(reverse("notices:notice_list")).content.decode()
    assert 'id="nav-inbox"' in html
    assert 'text-bg-warning">2</span>' in html
    # the badge's SQL is kept per user and day, its figure is read live: a third notice shows at once
    make_notice(w.county, [w.villages[0]], title="三")
    assert 'text-bg-warning">3</span>' in client.get(reverse("notices:notice_list")).content.decode()
    # another village's secretary has a badge of their own
    client.force_login(w.users["village2"])
    assert 'text-bg-warning">3</span>' not in client.get(reverse("notices:notice_list")).content.decode()


# --- daily digests --------------------------------------------------------------------------------

def test_digests_go_once_a_day_through_email_and_sms(w, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFY_CHANNELS = ["email", "sms"]
    LoggingSmsBackend.outbox.clear()
    _not_silent()
    user = w.users["village"]
    user.email, user.phone = "village@example.org", "13900000001"
    user.save()
    w.users["village2"].email = ""
    w.users["village2"].save()
    make_notice(w.county, [w.villages[0], w.villages[1]], kind="task", title="报送台帐")
    call_command("send_digests")
    assert [m.to for m in mail.outbox] == [["village@example.org"]]
    assert "1条通知/任务待签收或回执" in mail.outbox[0].body
    assert [p for p, _ in LoggingSmsBackend.outbox] == ["13900000001"]
    logs = set(DigestLog.objects.values_list("user__username", "channel", "delivered"))
    assert logs == {("village", "email", True), ("village", "sms", True),
                    ("village2", "email", False), ("village2", "sms", False)}
    call_command("send_digests")   # the same day again: nothing more
    assert len(mail.outbox) == 1 and len(LoggingSmsBackend.outbox) == 1
    call_command("send_digests", date=(timezone.localdate() + dt.timedelta(days=1)).isoformat())
    assert len(mail.outbox) == 2 and len(LoggingSmsBackend.outbox) == 2


# --- 信息通报 -------------------------------------------------------------------------------------

def test_briefings_between_organisations_with_read_receipts_on_unit_and_meeting_pages(w, client):
    from organizations.models import OrgKind, Role

    village = w.villages[0]
    party = village.organizations.get(kind=OrgKind.PARTY_BRANCH)
    women = village.organizations.get(kind=OrgKind.WOMEN_FEDERATION)
    youth = village.organizations.get(kind=OrgKind.YOUTH_LEAGUE)
    meeting = make_meeting(w.campaign, village)
    meeting.member_organizations.set([party, women, youth])
    up = w.townships[0].organizations.first() or make_org(w.townships[0], OrgKind.PARTY_COMMITTEE)
    b = make_briefing(party, [women, youth, up], actor=w.users["village"], title="妇代会工作通报", meeting=meeting)
    client.force_login(w.users["village"])    # the sender's own opening is no read receipt
    client.get(reverse("notices:notice_detail", args=[b.pk]))
    assert not b.receipts.filter(read_at__isnull=False).exists()
    client.force_login(w.users["township"])   # the township's Party committee reads it
    client.get(reverse("notices:notice_detail", args=[b.pk]))
    assert set(b.receipts.filter(read_at__isnull=False).values_list("organization", flat=True)) == {up.pk}
    chair = make_user("women_chair", Role.VILLAGE_SECRETARY, village)   # another account of the village
    client.force_login(chair)
    client.get(reverse("notices:notice_detail", args=[b.pk]))
    assert b.receipts.filter(read_at__isnull=False).count() == 3
    html = client.get(reverse("organizations:unit_detail", args=[village.pk])).content.decode()
    assert "妇代会工作通报" in html and f"{women.name} 已读" in html
    html = client.get(reverse("campaigns:meeting_detail", args=[meeting.pk])).content.decode()
    assert "妇代会工作通报" in html
    client.force_login(w.users["village2"])
    assert client.get(reverse("notices:notice_detail", args=[b.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        make_briefing(party, [women], actor=w.users["village2"])


# --- constant query counts ----------------------------------------------------------------------

def _queries(client, url, django_assert_max_num_queries, n):
    with django_assert_max_num_queries(n):
        assert client.get(url).status_code == 200


def test_the_receipt_table_list_and_inbox_take_constant_queries(w, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url, user):
        client.force_login(user)
        client.get(url)   # warm the session and the badge's cache
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = make_notice(w.county, w.villages[:2], kind="task", done_by="records", criterion_category="org_life",
                        criterion_min=1, criterion_from=days(-30), criterion_to=days(5))
    sizes = {}
    for label, n_units in (("few", 2), ("many", 40)):
        units = w.villages[:2] + bulk_villages(w.townships[0], n_units - 2, with_orgs=False)
        big = make_notice(w.county, units, kind="task", done_by="records", criterion_category="org_life",
                          criterion_min=1, criterion_from=days(-30), criterion_to=days(5), title=label)
        for r in big.receipts.all()[: n_units // 2]:
            services.receipt_reply(actor=None, receipt=r, text="已完成", files=[notice_file()])
        for _ in range(n_units // 4):
            make_notice(w.county, [w.villages[0]], title=f"{label}通知")
        sizes[label] = (count(reverse("notices:notice_detail", args=[big.pk]), w.users["county"]),
                        count(reverse("notices:notice_list"), w.users["county"]),
                        count(reverse("notices:inbox"), w.users["village"]))
    assert sizes["few"] == sizes["many"], sizes
    assert small.pk
    _queries(client, reverse("notices:inbox"), django_assert_max_num_queries, 20)
