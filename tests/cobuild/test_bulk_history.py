"""``cobuild.bulk.create_with_history``: a large batch's history rows go through COPY on
PostgreSQL; they must be the rows simple_history itself writes (text with commas, quotes and new
lines, empty text, NULLs, dates, times, decimals, the user and the reason)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from campaigns.models import Activity, ActivityOutcome, Category, Indicator, ReviewStatus
from cobuild import bulk
from organizations.models import Role, UnitKind
from tests.factories import make_campaign, make_unit, make_user

pytestmark = pytest.mark.django_db

SKIP = {"id", "code", "history_id", "history_date", "created_at", "updated_at", "activity_id"}


def _batch(prefix, campaign, unit, reviewer):
    return [
        Activity(code=f"{prefix}-1", campaign=campaign, date=dt.date(2026, 3, 1), unit=unit, category=Category.ORG_LIFE,
                 title='带,逗号和"引号"', description="第一行\n第二行,\"引\"", participants=12,
                 status=ReviewStatus.VERIFIED, reviewed_by=reviewer,
                 reviewed_at=dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.timezone.utc)),
        Activity(code=f"{prefix}-2", campaign=campaign, date=dt.date(2026, 3, 5), unit=unit, category=Category.ORG_LIFE,
                 title="空白的意见", description="", review_comment=""),
        Activity(code=f"{prefix}-3", campaign=campaign, date=dt.date(2026, 3, 9), unit=unit, category=Category.ORG_LIFE,
                 title="NULL", description="\\N 与 反斜杠"),
    ]


def _history_rows(objs, model):
    rows = []
    for h in model.history.model.objects.filter(id__in=[o.pk for o in objs]).order_by("id"):
        rows.append({f.attname: getattr(h, f.attname) for f in h._meta.concrete_fields if f.attname not in SKIP})
    return rows


@pytest.mark.parametrize("copy_min", [1, 1000])
def test_copied_history_rows_equal_simple_historys(monkeypatch, copy_min):
    county = make_unit(UnitKind.COUNTY, name="测试县")
    village = make_unit(UnitKind.VILLAGE, make_unit(UnitKind.TOWNSHIP, county), name="测试村")
    campaign = make_campaign(county)
    user = make_user("importer", Role.COUNTY_ADMIN, county)
    monkeypatch.setattr(bulk, "COPY_MIN", copy_min)
    copied = bulk.create_with_history(_batch("A", campaign, village, user), Activity, user=user, reason="导入活动")
    monkeypatch.setattr(bulk, "COPY_MIN", 10 ** 9)   # simple_history's own rows
    reference = bulk.create_with_history(_batch("B", campaign, village, user), Activity, user=user, reason="导入活动")
    got, want = _history_rows(copied, Activity), _history_rows(reference, Activity)
    assert got == want and len(got) == 3
    assert got[0]["title"] == '带,逗号和"引号"' and got[0]["description"] == "第一行\n第二行,\"引\""
    assert got[1]["review_comment"] == "" and got[2]["title"] == "NULL" and got[1]["reviewed_by_id"] is None
    assert {r["history_type"] for r in got} == {"+"} and {r["history_change_reason"] for r in got} == {"导入活动"}
    assert {r["history_user_id"] for r in got} == {user.pk}

    indicator = Indicator.objects.filter(kind="outcome").order_by("order").first()
    monkeypatch.setattr(bulk, "COPY_MIN", copy_min)
    outcomes = bulk.create_with_history([ActivityOutcome(activity=a, indicator=indicator, value=Decimal(v))
                                         for a, v in zip(copied, ("1.50", "0", "12345.67"), strict=True)],
                                        ActivityOutcome, user=None, reason="导入成效")
    rows = _history_rows(outcomes, ActivityOutcome)
    assert [r["value"] for r in rows] == [Decimal("1.50"), Decimal("0"), Decimal("12345.67")]
    assert {r["history_user_id"] for r in rows} == {None} and {r["history_change_reason"] for r in rows} == {"导入成效"}
    if connection.vendor == "postgresql" and copy_min == 1:
        assert len(outcomes) == 3   # the COPY path ran (PostgreSQL, threshold 1)
