"""Campaign pages: scoped list and detail with the phase path, create/edit and phase moves by
county admins only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Campaign, CommitmentStatus, Phase
from campaigns.services import campaign_save
from organizations.models import Role, UnitKind
from tests.factories import make_unit, make_user

from .commitment_world import World, days

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def url(name, *args):
    return reverse(f"campaigns:{name}", args=args)


def campaign_data(w, **overrides):
    data = {"slug": "cxzy-2024", "name": "创先争优活动", "theme": "五个好", "owner_unit": w.county.pk,
            "start_date": str(days(-30)), "end_date": str(days(300)), "phase": Phase.MOBILISE,
            "description": "分三个阶段。"}
    data.update(overrides)
    return data


@pytest.fixture
def foreign(w):
    other_county = make_unit(UnitKind.COUNTY, w.city, name="邻县")
    c, _ = campaign_save(actor=None, slug="linxian", name="邻县活动", owner_unit=other_county, start_date=days(-5))
    return c


def test_anonymous_is_sent_to_login(client, w):
    for path in (url("campaign_list"), url("campaign_detail", w.campaign.pk), url("campaign_create")):
        r = client.get(path)
        assert r.status_code == 302 and r.url.startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["county", "township", "village", "bureau", "inspector", "viewer"])
def test_everyone_in_the_county_sees_its_campaign_and_not_the_neighbours(client, w, foreign, role):
    client.force_login(w.users[role])
    r = client.get(url("campaign_list"))
    assert r.status_code == 200
    assert "百局联百村" in r.text and "邻县活动" not in r.text
    assert client.get(url("campaign_detail", w.campaign.pk)).status_code == 200
    assert client.get(url("campaign_detail", foreign.pk)).status_code == 404


@pytest.mark.parametrize("role", ["township", "village", "bureau", "inspector", "viewer"])
def test_only_county_admins_create_edit_and_move_phases(client, w, role):
    client.force_login(w.users[role])
    r = client.get(url("campaign_list"))
    assert url("campaign_create") not in r.text
    assert client.get(url("campaign_create")).status_code == 403
    assert client.post(url("campaign_create"), campaign_data(w)).status_code == 403
    assert client.get(url("campaign_edit", w.campaign.pk)).status_code == 403
    assert client.post(url("campaign_phase", w.campaign.pk), {"phase": Phase.REVIEW}).status_code == 403
    assert "调整阶段" not in client.get(url("campaign_detail", w.campaign.pk)).text
    w.campaign.refresh_from_db()
    assert w.campaign.phase == Phase.MOBILISE and Campaign.objects.count() == 1


def test_county_admin_creates_and_edits_a_campaign(client, w):
    client.force_login(w.users["county"])
    r = client.get(url("campaign_create"))
    owners = set(r.context["form"].fields["owner_unit"].queryset)
    assert w.county in owners and w.townships[0] in owners and w.villages[0] not in owners
    assert w.city not in owners  # above the admin's scope
    r = client.post(url("campaign_create"), campaign_data(w))
    c = Campaign.objects.get(slug="cxzy-2024")
    assert r.status_code == 302 and r.url == url("campaign_detail", c.pk)
    assert (c.name, c.theme, c.owner_unit, c.phase) == ("创先争优活动", "五个好", w.county, Phase.MOBILISE)
    r = client.post(url("campaign_edit", c.pk), campaign_data(w, slug="changed", name="创先争优", phase=Phase.IMPLEMENT))
    assert r.status_code == 302
    c.refresh_from_db()
    assert (c.slug, c.name, c.phase) == ("cxzy-2024", "创先争优", Phase.IMPLEMENT)  # the slug stays


def test_campaign_form_errors(client, w, foreign):
    client.force_login(w.users["county"])
    r = client.post(url("campaign_create"), campaign_data(w, slug="bjlbc"))
    assert r.status_code == 200 and "不可用,请换一个编码" in r.text
    r = client.post(url("campaign_create"), campaign_data(w, slug="linxian"))  # taken outside the scope too
    assert r.status_code == 200 and r.context["form"].errors["slug"]
    r = client.post(url("campaign_create"), campaign_data(w, end_date=str(days(-60))))
    assert r.status_code == 200 and "结束日期不能早于开始日期" in r.text
    r = client.post(url("campaign_create"), campaign_data(w, owner_unit=foreign.owner_unit_id))
    assert r.status_code == 200 and r.context["form"].errors["owner_unit"]
    assert Campaign.objects.count() == 2
    assert client.get(url("campaign_edit", foreign.pk)).status_code == 404


def test_phase_path_highlights_the_current_phase(client, w):
    client.force_login(w.users["village"])
    r = client.get(url("campaign_detail", w.campaign.pk))
    assert r.context["steps"] == [("动员部署", "current"), ("组织实施", "todo"), ("总结评选", "todo")]
    assert 'aria-current="step"' in r.text
    current = r.text.split('aria-current="step"')[1].split("</li>")[0]
    assert "动员部署" in current
    client.force_login(w.users["county"])
    r = client.post(url("campaign_phase", w.campaign.pk), {"phase": Phase.IMPLEMENT})
    assert r.status_code == 302
    r = client.get(url("campaign_detail", w.campaign.pk))
    assert r.context["steps"] == [("动员部署", "done"), ("组织实施", "current"), ("总结评选", "todo")]
    assert "已进入“组织实施”阶段" in r.text
    w.campaign.refresh_from_db()
    assert w.campaign.phase == Phase.IMPLEMENT and w.campaign.theme == "党群共建 城乡共进"
    assert client.get(url("campaign_phase", w.campaign.pk)).status_code == 405
    r = client.post(url("campaign_phase", w.campaign.pk), {"phase": "nonsense"}, follow=True)
    assert "请选择有效的阶段" in r.text


def test_detail_counts_commitments_in_the_users_scope(client, w):
    w.commit(status=CommitmentStatus.DONE, completed_on=days(-1))
    w.commit(due_date=days(-1))
    w.commit(unit=w.villages[1])
    client.force_login(w.users["village"])
    counts = client.get(url("campaign_detail", w.campaign.pk)).context["counts"]
    assert (counts["made"], counts["done"], counts["overdue"], str(counts["rate"])) == (2, 1, 1, "50.00")
    client.force_login(w.users["county"])
    r = client.get(url("campaign_detail", w.campaign.pk))
    assert r.context["counts"]["made"] == 3 and r.context["n_pairings"] == 2
    assert "项承诺已逾期未完成" in r.text


def test_a_township_admin_of_the_county_is_not_enough(client, w):
    """county_admin granted on a township may own campaigns there, not edit the county's."""
    t_admin = make_user("tadmin", Role.COUNTY_ADMIN, w.townships[0])
    client.force_login(t_admin)
    assert client.get(url("campaign_create")).status_code == 200
    assert client.get(url("campaign_edit", w.campaign.pk)).status_code == 403
    r = client.post(url("campaign_create"), campaign_data(w, owner_unit=w.county.pk))
    assert r.status_code == 200 and r.context["form"].errors["owner_unit"]
    r = client.post(url("campaign_create"), campaign_data(w, owner_unit=w.townships[0].pk))
    assert r.status_code == 302


def test_campaign_list_query_count_is_constant(client, w):
    client.force_login(w.users["village"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("campaign_list")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(40):
        campaign_save(actor=None, slug=f"extra{i}", name=f"活动{i}", owner_unit=w.townships[0], start_date=days(-i))
    assert count() == few
    client.force_login(w.users["county"])
    few = count()
    detail_few = len_detail(client, w)
    for i in range(5):
        w.commit(content=f"承诺{i}")
    assert count() == few and len_detail(client, w) == detail_few


def len_detail(client, w):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url("campaign_detail", w.campaign.pk)).status_code == 200
    return len(ctx.captured_queries)
