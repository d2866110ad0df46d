"""Issue 10: every error page a user can meet is Chinese, with the menu and a way back."""

import pytest
from django.test import Client
from django.urls import reverse

from organizations.models import Role
from tests.factories import County, make_user

MENU = "组织体系"
WAY_BACK = "回到首页"


@pytest.fixture
def county_user(db):
    c = County(villages_per_township=1, townships=1)
    return make_user("county", Role.COUNTY_ADMIN, c.county)


def test_csrf_failure_is_the_chinese_page_with_the_menu(county_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(county_user)
    response = client.post(reverse("campaigns:campaign_create"), {"name": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "页面已过期" in body and MENU in body and WAY_BACK in body
    assert "CSRF verification failed" not in body


def test_bad_request_is_the_chinese_page_with_the_menu(client, county_user):
    client.force_login(county_user)
    response = client.get(reverse("pairings:register"), {"q": "\x00"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "请求无效" in body and MENU in body and WAY_BACK in body and "Bad Request" not in body


def test_not_found_and_out_of_range_ids_are_the_chinese_404(client, county_user):
    client.force_login(county_user)
    for url in ("/org/units/99999999999999999999/", "/nowhere/", "/campaigns/board/0/",
                reverse("campaigns:commitment_create") + "?unit=²"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "没有找到" in response.content.decode() and MENU in response.content.decode(), url


def test_out_of_range_dates_are_a_chinese_form_error(client, county_user):
    client.force_login(county_user)
    response = client.get(reverse("metrics:completeness"), {"from": "0001-01-01", "to": "9999-12-31"})
    assert response.status_code == 200
    assert "日期应在 2000-01-01 至 2100-12-31 之间" in response.content.decode()
    response = client.get(reverse("metrics:summary_csv"), {"unit": county_user.role_grants.first().unit.code,
                                                            "to": "0001-01-01"})
    assert response.status_code == 404


@pytest.mark.urls("tests.cobuild.urls_boom")
def test_server_error_page_has_the_menu(client, county_user):
    client.raise_request_exception = False
    client.force_login(county_user)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统暂时出错" in body and MENU in body and WAY_BACK in body


@pytest.mark.urls("tests.cobuild.urls_boom")
def test_server_error_page_falls_back_to_the_plain_one(client, county_user, monkeypatch):
    from cobuild import errors

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    client.force_login(county_user)
    monkeypatch.setattr(errors.loader, "render_to_string", broken)
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统暂时出错" in body and WAY_BACK in body


def test_admin_errors_are_chinese(client, county_user):
    county_user.is_staff = county_user.is_superuser = True
    county_user.save()
    client.force_login(county_user)
    response = client.get("/admin/organizations/unit/99999999999999999999/change/")
    assert response.status_code == 404 and "没有找到" in response.content.decode()
    response = client.get("/admin/campaigns/activity/", {"date__year": "99999999999999999999"})
    assert response.status_code == 400
    assert "筛选条件中的日期无效或超出范围" in response.content.decode()
    response = client.get("/admin/campaigns/indicator/²/history/")
    assert response.status_code == 404


def test_django_reasons_are_not_shown(rf):
    from django.core.exceptions import SuspiciousOperation

    from cobuild.errors import bad_request

    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    body = bad_request(request, SuspiciousOperation("Invalid HTTP_HOST header: 'evil'")).content.decode()
    assert "evil" not in body and "网址或提交的内容格式不对" in body
