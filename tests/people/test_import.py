"""``import_data people`` (CONTRACT.md §3): exactly the contract's columns, through person_save,
all or nothing, idempotent by code, scoped for web users."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cobuild.importing import get_kind, run_import
from organizations.models import OrgKind
from people.models import Person, Stage
from tests.factories import PersonFactory, make_step

pytestmark = pytest.mark.django_db

HEADER = ("code,name,unit_code,gender,birth_year,education,occupation,phone,status,status_since,branch_code,"
          "recommended_by_code,tags\n")


def org(unit, kind):
    return unit.organizations.get(kind=kind)


def good_file(w):
    v0, v1 = w.villages[0], w.villages[1]
    b0, t0 = org(v0, OrgKind.PARTY_BRANCH).code, org(v0, OrgKind.YOUTH_LEAGUE).code
    return HEADER + "\n".join([
        f"P1,王小梅,{v0.code},female,1995,bachelor,frontline,13812345678,activist,2024-03-01,{b0},{t0},volunteer;rich_leader",
        f"P2,李大山,{v0.code},男,1970,高中,种粮大户,,正式党员,2001-07-01,{b0},,村干部",
        f"P3,赵小兰,{v1.code},female,,,,,league_member,,,,",
    ]) + "\n"


def run(text, actor=None, dry_run=False):
    return run_import("people", text.encode("utf-8"), "people.csv", actor=actor, dry_run=dry_run)


def test_the_kind_has_exactly_the_contract_columns():
    kind = get_kind("people")
    assert [c.key for c in kind.get_columns()] == [
        "code", "name", "unit_code", "gender", "birth_year", "education", "occupation", "phone", "status",
        "status_since", "branch_code", "recommended_by_code", "tags"]
    assert [c.key for c in kind.get_columns() if c.required] == ["code", "name", "unit_code", "status"]


def test_good_file_creates_and_a_second_run_changes_nothing(w, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(good_file(w), encoding="utf-8-sig")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_data", "people", str(path), stdout=out, stderr=err)
    assert Person.objects.count() == 3
    p1 = Person.objects.get(code="P1")
    assert (p1.name, p1.gender, p1.birth_year, p1.education, p1.frontline, p1.phone, p1.status) == (
        "王小梅", "female", 1995, "bachelor", True, "13812345678", "activist")
    assert p1.tags == ["rich_leader", "volunteer"] and p1.recommended_by.kind == "youth_league"
    p2 = Person.objects.get(code="P2")
    assert (p2.gender, p2.education, p2.status, p2.tags, p2.frontline) == ("male", "senior", "member",
                                                                            ["village_cadre"], False)
    assert p1.history.first().history_change_reason == "导入人员名册"
    history = sum(p.history.count() for p in Person.objects.all())
    result = run(good_file(w))
    assert result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert Person.objects.count() == 3
    assert sum(p.history.count() for p in Person.objects.all()) == history


def test_reimport_updates_by_code_and_clears_tags(w):
    assert run(good_file(w)).ok
    changed = good_file(w).replace("volunteer;rich_leader", "").replace("13812345678", "13900000000")
    result = run(changed)
    assert result.ok and result.updated == 1
    p1 = Person.objects.get(code="P1")
    assert p1.tags == [] and p1.phone == "13900000000" and Person.objects.count() == 3


def test_one_bad_row_writes_nothing_and_names_row_and_column(w, tmp_path):
    bad = good_file(w) + f"P4,坏数据,{w.villages[0].code},robot,1850,phd,,,boss,2099-01-01,NOPE,,hero\n"
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises((CommandError, SystemExit)):
        call_command("import_data", "people", str(path), stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    for column in ("gender", "birth_year", "education", "status", "branch_code", "tags"):
        assert f"row 5, column {column}:" in text, column
    assert Person.objects.count() == 0


def test_branch_and_recommending_organisation_must_be_the_right_kind(w):
    v0 = w.villages[0]
    text = HEADER + (f"P9,某人,{v0.code},,,,,,activist,,{org(v0, OrgKind.UNION).code},"
                     f"{org(v0, OrgKind.PARTY_BRANCH).code},\n")
    result = run(text)
    messages = {e.column: e.message for e in result.errors}
    assert "不是党组织" in messages["branch_code"] and "不是群团组织" in messages["recommended_by_code"]


def test_web_user_is_limited_to_their_scope(w):
    result = run(good_file(w), actor=w.users["township2"])
    assert not result.ok and Person.objects.count() == 0
    assert any(e.column == "unit_code" and "找不到编码" in e.message for e in result.errors)
    result = run(good_file(w), actor=w.users["township"])   # both villages are the first township's
    assert result.ok and Person.objects.count() == 3


def test_viewers_cannot_import_people(w):
    result = run(good_file(w), actor=w.users["viewer"])
    assert not result.ok and Person.objects.count() == 0


def test_the_import_cannot_change_a_status_the_pipeline_drives(w):
    assert run(good_file(w)).ok
    p3 = Person.objects.get(code="P3")
    make_step(p3, Stage.RECOMMENDED, p3.created_at.date(), recommended_by=org(w.villages[1], OrgKind.UNION))
    make_step(p3, Stage.ACTIVIST, p3.created_at.date(), branch=org(w.villages[1], OrgKind.PARTY_BRANCH))
    result = run(good_file(w))   # the file still says league_member
    assert not result.ok
    assert any(e.column == "status" and "政治面貌随发展环节变化" in e.message for e in result.errors)
    assert Person.objects.get(code="P3").status == "activist"


def test_dry_run_writes_nothing(w):
    result = run(good_file(w), dry_run=True)
    assert result.ok and result.created == 3 and Person.objects.count() == 0


def test_an_existing_person_outside_the_scope_reads_as_unusable(w):
    PersonFactory(code="P1", unit=w.villages[2])
    result = run(good_file(w), actor=w.users["township"])
    assert not result.ok and Person.objects.get(code="P1").unit == w.villages[2]


def test_the_web_import_offers_the_people_template(w, client):
    from django.urls import reverse
    from openpyxl import load_workbook

    client.force_login(w.users["county"])
    r = client.get(reverse("organizations:import_template", kwargs={"kind": "people"}))
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    headers = [c.value for c in next(ws.iter_rows(max_row=1))]
    assert "人员编码" in headers[0] and len(headers) == 13
    assert "人员名册" in client.get(reverse("organizations:import")).text
