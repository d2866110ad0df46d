"""Nobody learns which codes exist outside their scope (issue 10): a reference to an
out-of-scope record answers exactly like one to a code that does not exist, and a taken code
gets one neutral message whoever holds it — in the importer, the admin and the services."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError

from campaigns import services as cs
from cobuild.importing import run_import
from organizations.models import Role, Unit, UnitKind
from tests.factories import County, make_staff, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def c():
    county = County(villages_per_township=1, full=False)
    county.mine = make_unit(UnitKind.VILLAGE, county.townships[0], code="MINE-1")
    county.foreign = make_unit(UnitKind.VILLAGE, county.townships[1], code="THEIRS-1")
    county.staff = make_user("town1", Role.TOWNSHIP_STAFF, county.townships[0])
    return county


def messages(result, code):
    """Every error of the import, the code replaced by a placeholder."""
    return sorted(f"{e.row},{e.column}: {e.message.replace(code, 'CODE')}" for e in result.errors)


def units_csv(rows):
    return ("code,name,kind,parent_code\n" + "".join(f"{r}\n" for r in rows)).encode()


def organizations_csv(unit_code):
    return f"code,name,kind,unit_code\nORG-NEW,新支部,party_branch,{unit_code}\n".encode()


@pytest.mark.parametrize("kind, make_file", [
    ("units", lambda code: units_csv([f"NEW-1,新村,village,{code}"])),
    ("organizations", organizations_csv),
])
def test_a_reference_out_of_scope_reads_exactly_as_one_that_does_not_exist(c, kind, make_file):
    foreign = run_import(kind, make_file("THEIRS-1"), "f.csv", actor=c.staff)
    missing = run_import(kind, make_file("NOPE-9"), "f.csv", actor=c.staff)
    assert messages(foreign, "THEIRS-1") == messages(missing, "NOPE-9")
    assert "(或不在您的管理范围内)" in foreign.errors[0].message
    assert not foreign.written and not missing.written
    ok = run_import(kind, make_file(c.mine.code if kind == "organizations" else c.townships[0].code), "f.csv",
                    actor=c.staff)
    assert ok.written  # the same file with a code in scope goes through


def test_a_code_taken_out_of_scope_gets_the_same_message_as_any_unusable_code(c, client):
    town = c.townships[0].code
    # The importer: a new row whose code is held by another township's village.
    result = run_import("units", units_csv([f"THEIRS-1,新村,village,{town}"]), "f.csv", actor=c.staff)
    assert [str(e) for e in result.errors] == ["row 2, column code: 编码“THEIRS-1”不可用,请换一个编码。"]
    assert Unit.objects.get(code="THEIRS-1").name != "新村"

    # The admin's add form: the out-of-scope holder and an in-scope holder read alike, and the
    # pages differ in nothing but the code itself.
    client.force_login(make_staff("town-admin", Role.TOWNSHIP_STAFF, c.townships[0]))
    pages = {}
    for code in ("THEIRS-1", "MINE-1"):
        r = client.post("/admin/organizations/unit/add/", {
            "code": code, "name": "新村", "kind": "village", "parent": c.townships[0].pk, "sort_order": 0,
            "address": "", "change_reason": "新建"})
        assert r.status_code == 200
        assert f"编码“{code}”不可用,请换一个编码。" in r.text
        assert "已存在" not in r.text and "没有权限" not in r.text
        pages[code] = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.text).replace(code, "CODE")
    assert pages["THEIRS-1"] == pages["MINE-1"]
    assert Unit.objects.get(code="THEIRS-1").name != "新村" and Unit.objects.get(code="MINE-1").name != "新村"

    # The model's own validation (every service's full_clean) says the same.
    with pytest.raises(ValidationError) as caught:
        Unit(code="THEIRS-1", name="又一个", kind=UnitKind.VILLAGE).validate_unique()
    assert caught.value.messages == ["编码“THEIRS-1”不可用,请换一个编码。"]


def test_a_campaign_slug_taken_elsewhere_is_simply_unusable(c):
    other = make_unit(UnitKind.COUNTY, c.city, name="邻县")
    cs.campaign_save(actor=None, slug="theirs", name="邻县活动", owner_unit=other, start_date=c.county.created_at.date())
    from campaigns.models import Campaign

    with pytest.raises(ValidationError) as caught:
        Campaign(slug="theirs", name="本县活动", owner_unit=c.county,
                 start_date=c.county.created_at.date()).validate_unique()
    assert caught.value.messages == ["编码“theirs”不可用,请换一个编码。"]
