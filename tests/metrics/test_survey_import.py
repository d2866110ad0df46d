import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from campaigns.models import Survey
from campaigns.services import campaign_save
from metrics import selectors
from tests.clock import today
from tests.factories import County

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    county = County(villages_per_township=1)
    campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=county.county,
                  start_date=today() - dt.timedelta(days=300))
    return county


def test_surveys_import_feeds_the_satisfaction_rates(c, tmp_path):
    d = (today() - dt.timedelta(days=30)).isoformat()
    path = tmp_path / "surveys.csv"
    path.write_text(
        "code,campaign,unit_code,subject,held_on,satisfied,basically_satisfied,dissatisfied\n"
        f"S1,bjlbc,{c.villages[0].code},party_org,{d},600,60,16\n"
        f"S2,bjlbc,{c.villages[1].code},基层党组织,{d},600,60,16\n"
        f"S3,bjlbc,{c.county.code},cobuild,{d},1300,58,20\n", encoding="utf-8-sig")
    call_command("import_data", "surveys", str(path))
    call_command("import_data", "surveys", str(path))
    assert Survey.objects.count() == 3
    figs = {f.indicator.code: f for f in selectors.figures(c.county)}
    assert figs["satisfaction_party_org"].text == "97.63"
    assert figs["satisfaction_party_org"].denominator == 1352
    assert figs["satisfaction_cobuild"].text == "98.55"


def test_a_bad_survey_row_writes_nothing(c, tmp_path, capsys):
    d = today().isoformat()
    path = tmp_path / "surveys.csv"
    path.write_text(
        "code,campaign,unit_code,subject,held_on,satisfied,basically_satisfied,dissatisfied\n"
        f"S1,bjlbc,{c.villages[0].code},party_org,{d},6,6,1\n"
        f"S2,bjlbc,{c.villages[0].code},everyone,{d},6,6,-1\n", encoding="utf-8")
    with pytest.raises(CommandError) as e:
        call_command("import_data", "surveys", str(path))
    assert e.value.returncode == 1
    err = capsys.readouterr().err
    assert "row 3, column subject:" in err and "row 3, column dissatisfied:" in err
    assert Survey.objects.count() == 0
