"""Issue 11, Build 3 and 4: links only where the page opens, the dashboard's export and bulletin
buttons, integer axes for counts, Chinese for every browser and every admin section, favicon."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from metrics import charts
from organizations.templatetags.links import may_open
from tests.campaigns.activity_world import World
from tests.factories import make_commitment, make_user


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["county", "township", "village", "bureau", "inspector"])
def test_dashboard_export_and_bulletin_buttons_open(role):
    world = World()
    client = Client()
    client.force_login(world.users[role])
    page = client.get(reverse("metrics:dashboard")).content.decode()
    for name in ("metrics:dashboard_xlsx", "metrics:bulletin"):
        href = re.search(rf'href="({re.escape(reverse(name))}\?[^"]+)"', page).group(1).replace("&amp;", "&")
        assert "unit=U" in href or "unit=" in href
        assert client.get(href).status_code == 200, href


@pytest.mark.django_db
def test_board_link_only_where_the_board_opens():
    world = World()
    commitment = make_commitment(world.campaign, world.villages[0])
    bureau = world.users["bureau"]
    assert may_open(world.users["village"], world.villages[0])
    assert not may_open(world.users["village2"], world.villages[0])
    client = Client()
    client.force_login(bureau)
    page = client.get(reverse("campaigns:commitment_detail", args=[commitment.pk])).content.decode()
    board = reverse("campaigns:board", args=[world.villages[0].pk])
    status = client.get(board).status_code
    assert (board in page) == (status == 200)


def test_count_axes_have_whole_ticks():
    svg = charts.column_chart(["1月", "2月"], [1, 2], unit="次")
    ticks = re.findall(r'text-anchor="end"[^>]*>([^<]+)<', svg)
    assert ticks == ["0", "1", "2", "3", "4"]


@pytest.mark.django_db
def test_chinese_for_an_english_browser_and_admin_sections_in_chinese():
    admin = make_user("root")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    page = client.get(reverse("admin:index")).content.decode()
    for word in ("登录保护", "双因素认证(验证器)", "后台任务队列", "认证和授权"):
        assert word in page
    for word in ("Axes", "Otp_Totp", "Tasks Database Backend", "Site administration"):
        assert word not in page
    history = client.get(reverse("admin:organizations_user_history", args=[admin.pk])).content.decode()
    assert "变更内容" in history and "CHANGES" not in history.upper().replace("变更内容", "")


@pytest.mark.django_db
def test_every_page_has_the_favicon():
    user = make_user("v")
    client = Client()
    client.force_login(user)
    page = client.get(reverse("pairings:register")).content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page


@pytest.mark.django_db
def test_a_villages_pairing_inspection_and_visit_figures_open_that_villages_lists():
    from tests.factories import make_inspection

    world = World()
    make_inspection(world.campaign, world.villages[0], pairing=world.pairing)
    make_inspection(world.campaign, world.villages[2], pairing=world.pairing2)
    client = Client()
    client.force_login(world.users["county"])
    dash = client.get(reverse("metrics:dashboard"), {"unit": world.villages[0].pk}).content.decode()
    for name in ("pairings:register", "pairings:inspection_list"):
        hrefs = re.findall(rf'href="({re.escape(reverse(name))}\?[^"]+)"', dash)
        assert hrefs, name
        for href in hrefs:
            href = href.replace("&amp;", "&")
            assert f"unit={world.villages[0].pk}" in href
            page = client.get(href).content.decode()
            assert "(来自看板)" in page and world.villages[0].name in page
            assert world.villages[2].name not in page, href


@pytest.mark.django_db
@pytest.mark.parametrize("role,offered", [("village", False), ("bureau", False), ("township", True),
                                          ("county", True), ("inspector", True)])
def test_menus_per_role(role, offered):
    world = World()
    client = Client()
    client.force_login(world.users[role])
    page = client.get(reverse("pairings:register")).content.decode()
    for label in ("考核评分", "结对全景与沉默预警", "领导联系点"):
        assert (label in page) == offered, label
    assert "结对台帐" in page and "共建活动" in page


@pytest.mark.django_db
def test_import_page_shows_chinese_labels_not_internal_codes():
    world = World()
    client = Client()
    client.force_login(world.users["county"])
    page = client.get(reverse("organizations:import")).content.decode()
    assert "<code>units</code>" not in page and "<code>organizations</code>" not in page
