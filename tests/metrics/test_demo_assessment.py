"""seed_demo's assessments (demo.assessment) and last year's 民主测评: a frozen and published
village assessment whose live figures moved after the freeze, a draft township assessment
against targets, two years of tallies in every township; a second run writes nothing."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from campaigns.models import Survey
from demo.assessment import TOWNSHIP_TITLE, VILLAGE_TITLE
from metrics import assessment, reports
from metrics.models import AssessmentAdjustment, AssessmentResult, AssessmentScheme, AssessmentStatus
from organizations.models import Unit, User

pytestmark = pytest.mark.django_db


def test_demo_assessments_and_two_years_of_appraisal(seeded_demo, client):
    villages = AssessmentScheme.objects.get(title=VILLAGE_TITLE)
    assert villages.status == AssessmentStatus.PUBLISHED and villages.results.count() == 80
    assert villages.results.filter(deducted__gt=0).exists()
    live = {s.unit.pk: s.score for s in assessment.score(villages, villages.frozen_as_of)}
    moved = [r for r in villages.results.all() if live[r.unit_id] != r.score]
    assert len(moved) == 1 and live[moved[0].unit_id] < moved[0].score     # the finding after the freeze
    townships = AssessmentScheme.objects.get(title=TOWNSHIP_TITLE)
    assert townships.status == AssessmentStatus.DRAFT and townships.adjustments.count() == 1
    scored = assessment.score(townships)
    assert len(scored) == 8 and all(p.target is not None for s in scored for p in s.parts)

    county = Unit.objects.get(code="TL")
    tls = list(Unit.objects.filter(parent=county, kind="township").order_by("path"))
    year = Survey.objects.filter(code__startswith="BJLBC-S-").first().held_on.year
    rows = reports.survey_years(tls, year, reports.survey_subjects())
    assert all(s.now.value is not None and s.last.value is not None for r in rows for s in r.subjects)
    assert {s.change > 0 for r in rows for s in r.subjects} == {True, False}   # some up, some down

    client.force_login(User.objects.get(username="village"))
    page = client.get(reverse("metrics:scheme_detail", args=[villages.pk])).content.decode()
    assert page.count("result-row") == 1 and "满天红村" in page

    counts = (AssessmentScheme.history.count(), AssessmentResult.history.count(),
              AssessmentAdjustment.history.count(), Survey.history.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (AssessmentScheme.history.count(), AssessmentResult.history.count(),
            AssessmentAdjustment.history.count(), Survey.history.count()) == counts
