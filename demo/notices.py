"""The demo's notices, tasks and 信息通报 (issue 14), in several states: unread, acknowledged,
replied on time and late, reminded, a task done by its linked records, one township that has not
acknowledged the county's notice, and briefings between 党·工·青·妇 with read receipts.

Everything goes through ``notices.services`` with the demo accounts as actors (the system,
``actor=None``, for recipients without a demo account). Dated relative to the demo's "today";
idempotent: a notice whose code exists is left as it is (nothing is written a second time).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from notices import services
from notices.models import DoneBy, Notice, NoticeKind, NoticeReceipt
from organizations.models import Organization, Unit, UnitKind, User


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def load_demo_notices(today: dt.date) -> int:
    """Returns how many notices were created (0 on a second run)."""
    users = {u.username: u for u in User.objects.filter(username__in=["county", "township", "village"])}
    county = Unit.objects.get(code="TL")
    townships = list(Unit.objects.filter(parent=county, kind=UnitKind.TOWNSHIP).order_by("code"))
    t1 = Unit.objects.get(code="TL-01")
    t1_villages = list(Unit.objects.filter(parent=t1, kind=UnitKind.VILLAGE).order_by("code"))
    created = 0

    def receipt(notice, unit) -> NoticeReceipt:
        return notice.receipts.select_related("notice__sender_unit", "unit").get(unit=unit, organization=None)

    # 1. A notice from the county to every township: all acknowledge but the last one.
    if not Notice.objects.filter(code="DEMO-NTC-01").exists():
        n = services.notice_send(
            actor=users["county"], code="DEMO-NTC-01", kind=NoticeKind.NOTICE, sender_unit=county,
            title="关于报送第二季度百局联百村工作台帐的通知",
            body="各乡镇党委:\n请于本月底前将本乡镇各结对村第二季度共建工作台帐整理报送市委组织部组织科。",
            units=townships, deadline=today + dt.timedelta(days=10), sent_at=_at(today - dt.timedelta(days=6)))
        for i, t in enumerate(townships[:-1]):
            actor = users["township"] if t.pk == t1.pk else None
            services.receipt_acknowledge(actor=actor, receipt=receipt(n, t),
                                         now=_at(today - dt.timedelta(days=5 - i % 3), 10 + i))
        created += 1

    # 2. A task done by linked records: one 组织生活 in the quarter, for the villages of TL-01.
    if not Notice.objects.filter(code="DEMO-TSK-01").exists():
        n = services.notice_send(
            actor=users["county"], code="DEMO-TSK-01", kind=NoticeKind.TASK, sender_unit=county,
            title="组织生活联过:本季度至少开展一次联合组织生活",
            body="请各结对村与帮建单位本季度至少联合开展一次组织生活(主题党日、党课等),在平台填报活动即自动完成。",
            units=t1_villages, deadline=today + dt.timedelta(days=20), done_by=DoneBy.RECORDS,
            criterion_category="org_life", criterion_min=1, criterion_from=today - dt.timedelta(days=90),
            criterion_to=today + dt.timedelta(days=20), sent_at=_at(today - dt.timedelta(days=12)))
        services.receipt_acknowledge(actor=users["village"], receipt=receipt(n, t1_villages[0]),
                                     now=_at(today - dt.timedelta(days=11), 8))
        for v in t1_villages[1:3]:
            services.receipt_acknowledge(actor=None, receipt=receipt(n, v), now=_at(today - dt.timedelta(days=10)))
        created += 1

    # 3. A task with a report, past its deadline: on time, late, acknowledged only, unread; reminded.
    if not Notice.objects.filter(code="DEMO-TSK-02").exists():
        deadline = today - dt.timedelta(days=3)
        n = services.notice_send(
            actor=users["county"], code="DEMO-TSK-02", kind=NoticeKind.TASK, sender_unit=county,
            title="报送上半年结对共建工作总结", done_by=DoneBy.REPORT,
            body="请各村总结上半年结对共建开展情况、解决的实际问题和下半年打算,字数不限,可附照片。",
            units=t1_villages, deadline=deadline, sent_at=_at(today - dt.timedelta(days=20)))
        vs = t1_villages
        services.receipt_reply(actor=users["village"], receipt=receipt(n, vs[0]), now=_at(deadline - dt.timedelta(days=2), 16),
                               text="上半年与市农业局联合开展主题党日3次、送技术下乡2次,协调农业贷款20万元,"
                                    "帮助解决村路照明问题。下半年计划建设蓝莓种植示范基地。")
        if len(vs) > 1:
            services.receipt_reply(actor=None, receipt=receipt(n, vs[1]), now=_at(deadline + dt.timedelta(days=1), 11),
                                   text="已完成总结,因村两委换届延后报送。")
        for v in vs[2:4]:
            services.receipt_acknowledge(actor=None, receipt=receipt(n, v), now=_at(today - dt.timedelta(days=15)))
        services.notice_remind(actor=users["county"], notice=n, now=_at(today - dt.timedelta(days=2), 9))
        created += 1

    # 4. A township's notice to its villages: the demo village has read it but not acknowledged.
    if not Notice.objects.filter(code="DEMO-NTC-02").exists():
        n = services.notice_send(
            actor=users["township"], code="DEMO-NTC-02", kind=NoticeKind.NOTICE, sender_unit=t1,
            title="关于开展“七一”主题党日活动的通知",
            body="各村党支部:请结合结对共建,组织党员开展重温入党誓词、走访慰问老党员等活动。",
            units=t1_villages, deadline=today + dt.timedelta(days=5), sent_at=_at(today - dt.timedelta(days=2)))
        services.notice_open(actor=users["village"], notice=n, now=_at(today - dt.timedelta(days=1), 20))
        created += 1

    # 5. 信息通报 between the township's 党·工·青·妇, and from the demo village up to the township.
    orgs = {o.code: o for o in Organization.objects.filter(code__in=["TL-01-P", "TL-01-U", "TL-01-Y", "TL-01-W",
                                                                     "TL-01-01-P"])}
    if not Notice.objects.filter(code="DEMO-BRF-01").exists() and len(orgs) == 5:
        n = services.briefing_send(
            actor=users["township"], code="DEMO-BRF-01", sender_org=orgs["TL-01-P"],
            organizations=[orgs["TL-01-U"], orgs["TL-01-Y"], orgs["TL-01-W"]],
            title="镇党委关于党建带群建工作的情况通报",
            body="上半年全镇各村工会、团支部、妇代会组织健全率100%,开展联合活动42次。请各群团组织对照做好下半年工作。",
            sent_at=_at(today - dt.timedelta(days=8)))
        for code in ("TL-01-U", "TL-01-Y"):
            r = n.receipts.select_related("notice__sender_unit", "unit").get(organization=orgs[code])
            services.notice_open(actor=None, notice=n, receipts=[r], now=_at(today - dt.timedelta(days=7)))
        n = services.briefing_send(
            actor=users["village"], code="DEMO-BRF-02", sender_org=orgs["TL-01-01-P"], organizations=[orgs["TL-01-P"]],
            title="满天红村党支部结对共建情况通报",
            body="本月与市农业局联合召开党工青妇联席会议1次,议定修缮村党群服务中心等3项事项。",
            sent_at=_at(today - dt.timedelta(days=4)))
        services.notice_open(actor=users["township"], notice=n, now=_at(today - dt.timedelta(days=3)))
        created += 1
    return created
