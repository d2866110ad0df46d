import pytest
from django.urls import reverse

from organizations.models import Role
from tests.factories import County, bulk_villages, make_leader, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    return County()


def url(name, unit):
    return reverse(f"organizations:{name}", args=[unit.pk])


def test_healthz_needs_no_login(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.content == b"ok"


def test_anonymous_is_sent_to_login(client, county):
    r = client.get(url("unit_detail", county.county))
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")


def test_login_page_and_logout(client, county):
    user = make_user("c", Role.COUNTY_ADMIN, county.county)
    user.set_password("cobuild-demo")
    user.save()
    r = client.get("/accounts/login/")
    assert r.status_code == 200 and "登录" in r.text
    r = client.post("/accounts/login/", {"username": "c", "password": "cobuild-demo"})
    assert r.status_code == 302
    assert client.get("/").status_code == 200  # the workbench (metrics.workbench)
    r = client.post("/accounts/logout/")
    assert r.status_code == 302
    assert client.get(url("unit_detail", county.county)).status_code == 302


def test_repeated_failed_logins_lock_the_account(client, county):
    user = make_user("c", Role.COUNTY_ADMIN, county.county)
    user.set_password("right-password-1")
    user.save()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "c", "password": "wrong"})
    r = client.post("/accounts/login/", {"username": "c", "password": "right-password-1"})
    assert r.status_code == 429
    assert "锁定" in r.text


def test_village_secretary_sees_only_their_village(client, county):
    mine, theirs = county.villages[0], county.villages[1]
    make_leader(theirs, name="别村书记", phone="13911112222")
    client.force_login(make_user("v", Role.VILLAGE_SECRETARY, mine))
    r = client.get("/")  # the workbench, with a way to the village's own page
    assert r.status_code == 200 and url("unit_detail", mine) in r.text
    r = client.get(url("unit_detail", mine))
    assert r.status_code == 200 and mine.name in r.text
    for other in (theirs, county.townships[0], county.county, county.bureau):
        assert client.get(url("unit_detail", other)).status_code == 404
        assert client.get(url("coverage", other)).status_code == 404
    r = client.get(reverse("organizations:unit_list"), {"q": "村"})
    assert mine.name in r.text and theirs.name not in r.text
    assert "别村书记" not in client.get(url("unit_detail", mine)).text


def test_breadcrumbs_hide_units_above_the_scope(client, county):
    mine = county.villages[0]
    client.force_login(make_user("v", Role.VILLAGE_SECRETARY, mine))
    r = client.get(url("unit_detail", mine))
    assert url("unit_detail", county.townships[0]) not in r.text
    assert f">{county.townships[0].name}<" not in r.text


def test_county_admin_sees_the_whole_county(client, county):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, county.county))
    r = client.get(url("unit_detail", county.county))
    assert r.status_code == 200
    for t in county.townships:
        assert t.name in r.text
    for v in county.villages:
        assert client.get(url("unit_detail", v)).status_code == 200
    assert client.get(url("unit_detail", county.city)).status_code == 404


def test_township_staff_cannot_open_the_other_township(client, county):
    client.force_login(make_user("t", Role.TOWNSHIP_STAFF, county.townships[0]))
    assert client.get(url("unit_detail", county.villages[0])).status_code == 200
    assert client.get(url("unit_detail", county.villages[2])).status_code == 404
    assert client.get(url("coverage", county.townships[1])).status_code == 404


def test_user_without_grants_sees_what_to_do(client, county):
    client.force_login(make_user("nobody"))
    r = client.get("/")
    assert r.status_code == 200 and "assign_role" in r.text
    assert client.get(url("unit_detail", county.county)).status_code == 404


def test_unit_page_shows_organisations_leaders_and_coverage(client, county):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, county.county))
    v = county.villages[0]
    r = client.get(url("unit_detail", v))
    assert "党支部" in r.text or "party_branch" in r.text
    assert "13800000000" in r.text
    assert 'cov-badge cov-yes' in r.text and 'cov-no' not in r.text
    r = client.get(url("unit_detail", county.enterprise))
    assert r.text.count("cov-badge cov-no") == 4


def test_coverage_report_lists_blank_spots_and_exports_excel(client, county):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, county.county))
    r = client.get(url("coverage", county.county))
    assert r.status_code == 200
    assert "第1镇" in r.text and "某某公司" in r.text
    r = client.get(url("coverage", county.county), {"export": "xlsx"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(r.content))
    assert wb.sheetnames == ["覆盖情况汇总", "空白点清单"]
    summary = list(wb["覆盖情况汇总"].values)
    assert summary[0][0] == "区域" and summary[-1][0] == "合计"
    assert summary[-1][1] == 4  # villages in the county
    spots = list(wb["空白点清单"].values)
    assert spots[1][1] == "某某公司" and spots[1][4:] == ("缺", "缺", "缺", "缺")


def test_village_secretary_export_contains_only_their_village(client, county):
    client.force_login(make_user("v", Role.VILLAGE_SECRETARY, county.villages[0]))
    assert client.get(url("coverage", county.county), {"export": "xlsx"}).status_code == 404


def _queries(client, django_assert_max_num_queries, path, params=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, params or {})
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["unit_detail", "coverage"])
def test_tree_pages_query_count_is_constant(client, county, page, django_assert_max_num_queries):
    """The same number of queries with 10 and with 1,000 villages."""
    admin = make_user("c", Role.COUNTY_ADMIN, county.county)
    client.force_login(admin)
    bulk_villages(county.townships[0], 6, missing_youth_every=2)
    few = _queries(client, django_assert_max_num_queries, url(page, county.county))
    few_t = _queries(client, django_assert_max_num_queries, url(page, county.townships[0]))
    bulk_villages(county.townships[0], 600, missing_youth_every=7)
    bulk_villages(county.townships[1], 400, missing_youth_every=3)
    many = _queries(client, django_assert_max_num_queries, url(page, county.county))
    many_t = _queries(client, django_assert_max_num_queries, url(page, county.townships[0]))
    assert few == many
    assert few_t == many_t


def test_unit_list_query_count_is_constant(client, county):
    client.force_login(make_user("c", Role.COUNTY_ADMIN, county.county))
    few = _queries(client, None, reverse("organizations:unit_list"), {"q": "村"})
    bulk_villages(county.townships[0], 300)
    many = _queries(client, None, reverse("organizations:unit_list"), {"q": "村"})
    assert few == many
