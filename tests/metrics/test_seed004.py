"""Seed 004's results table, through seed_demo and through import_data into an empty database."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

SEED_TABLE = """indicator,name,unit,value
pairings,结对共建对子,个,76
activities,共建活动,次,308
org_life_sessions,开展党组织活动,场次,66
democratic_life_meetings,联合召开民主生活会,次,76
tech_visits,送技术下乡,次,32
commitments_made,承诺事项,项,231
commitments_done,已完成承诺,项,182
commitment_rate,承诺完成率,%,78.79
leader_visits,领导深入联系点,人次,38
inspections,督查指导,次,16
systems_established,健全制度,项,11
joint_meeting_systems,建立联席会议制度,项,76
help_pairs,结成帮扶对子,个,144
activists_added,新增入党积极分子,名,142
households_visited,走访贫困户,户,201
relief_money,发放慰问金,元,40200
problems_solved,解决群众关心的问题,件,242
agent_services,为群众代理服务,项,127
project_funds,争取项目资金,元,1280000
projects_introduced,引进项目,个,10
construction_funds,投入建设资金,元,800000
loans_coordinated,协调农业贷款,元,2870000
plans_drafted,制定发展规划,个,37
info_posts,发布致富信息,条,350
labour_transferred,转移农村劳动力,人,1560
demo_bases,建立培训示范基地,个,16
coops_formed,组建专业合作经济组织,个,11
people_trained,培训人次,人次,0
satisfaction_party_org,群众对基层党组织满意率,%,97.63
satisfaction_cobuild,对共建单位满意率,%,98.55
"""


def export(*args):
    out = io.StringIO()
    call_command("export_metrics", "--unit", "TL", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_reproduces_the_seed_table(seeded_demo):
    assert export() == SEED_TABLE
    assert export("--campaign", "bjlbc-2011") == SEED_TABLE


def test_import_data_into_an_empty_database_reproduces_the_seed_table(tmp_path):
    call_command("demo_csv", "--output", str(tmp_path), stdout=io.StringIO())
    files = sorted(Path(tmp_path).glob("*.csv"))
    assert len(files) == 8
    for path in files:
        kind = path.stem.split("-", 1)[1]
        call_command("import_data", kind, str(path), stdout=io.StringIO())
    assert export() == SEED_TABLE
    # Importing the same files again creates nothing new and changes no figure.
    for path in files:
        call_command("import_data", path.stem.split("-", 1)[1], str(path), stdout=io.StringIO())
    assert export() == SEED_TABLE


def test_a_township_is_the_sum_of_its_villages_and_pairings(seeded_demo):
    from decimal import Decimal

    from metrics import selectors
    from organizations.models import Unit

    county = Unit.objects.get(code="TL")
    townships = list(Unit.objects.filter(parent=county, kind="township"))
    bureaus_direct = Decimal(0)
    total = {f.indicator.code: f.value for f in selectors.figures(county)}
    by_township = [{f.indicator.code: f.value for f in selectors.figures(t)} for t in townships]
    for key in ("org_life_sessions", "democratic_life_meetings", "project_funds", "households_visited"):
        # Every activity of the year is at a village or at its pairing's bureau, so the townships
        # together hold them all exactly once.
        assert sum(row[key] for row in by_township) + bureaus_direct == total[key], key
