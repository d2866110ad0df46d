"""Role grants and accounts in the admin: every write through role_grant / role_grant_change /
role_revoke / user_save / user_delete, the reason asked for and kept, nobody widening a grant."""

import pytest
from django.core.exceptions import PermissionDenied

from organizations import services
from organizations.models import Role, RoleGrant, User
from tests.factories import County, make_activity, make_campaign, make_staff, make_user

pytestmark = pytest.mark.django_db
URL = "/admin/organizations/rolegrant/"


class World:
    """A county with a county admin, township staff, a village secretary and a superuser holding
    a grant in the township; another county with its own account."""

    def __init__(self):
        self.c = County(full=False)
        c = self.c
        self.county_admin = make_staff("ca", Role.COUNTY_ADMIN, c.county)
        self.township = make_staff("ts", Role.TOWNSHIP_STAFF, c.townships[0])
        self.secretary = make_user("vs", Role.VILLAGE_SECRETARY, c.villages[0])
        self.secretary_grant = RoleGrant.objects.get(user=self.secretary)
        self.boss = make_user("boss", Role.VIEWER, c.townships[0], is_superuser=True, is_staff=True)
        self.boss_grant = RoleGrant.objects.get(user=self.boss)
        self.other = County(full=False)
        self.stranger = make_user("far", Role.VILLAGE_SECRETARY, self.other.villages[0])

    def grants(self):
        return set(RoleGrant.objects.values_list("user__username", "role", "unit_id"))


@pytest.fixture
def w():
    return World()


def post_grant(client, user, role, unit, reason="调整分工", grant=None):
    url = f"{URL}{grant.pk}/change/" if grant else f"{URL}add/"
    return client.post(url, {"user": user.pk, "role": role, "unit": unit.pk, "change_reason": reason})


def refused(r):
    """A 403, or the form shown again with an error."""
    return r.status_code == 403 or (r.status_code == 200 and "errornote" in r.text)


# --- township staff: every attempt to widen a grant is refused -------------------------------------

def test_township_staff_cannot_add_any_grant(client, w):
    c = w.c
    client.force_login(w.township)
    before = w.grants()
    attempts = [
        (w.township, Role.COUNTY_ADMIN, c.county),          # themselves, over the county
        (w.township, Role.COUNTY_ADMIN, c.townships[0]),    # themselves, over their own township
        (w.township, Role.TOWNSHIP_STAFF, c.townships[1]),  # themselves, over another township
        (w.secretary, Role.COUNTY_ADMIN, c.villages[0]),    # an account of theirs, any role
        (w.secretary, Role.VIEWER, c.villages[1]),
        (w.stranger, Role.VIEWER, c.villages[0]),           # another county's account
        (w.boss, Role.VIEWER, c.villages[0]),               # a superuser
    ]
    for user, role, unit in attempts:
        r = post_grant(client, user, role, unit)
        assert refused(r), (user, role, unit, r.status_code)
    assert w.grants() == before
    # The service says why when the choices themselves were fine.
    r = post_grant(client, w.secretary, Role.VIEWER, c.villages[1])
    assert "县级组织部管理员" in r.text


def test_township_staff_cannot_change_or_revoke_grants(client, w):
    c = w.c
    client.force_login(w.township)
    before = w.grants()
    own = RoleGrant.objects.get(user=w.township)
    # The grants of their township are listed but shown read-only...
    r = client.get(f"{URL}{w.secretary_grant.pk}/change/")
    assert r.status_code == 200 and 'name="role"' not in r.text
    # ...and every change is refused: role, unit, account, their own grant.
    for grant, user, role, unit in [
        (w.secretary_grant, w.secretary, Role.COUNTY_ADMIN, c.villages[0]),
        (w.secretary_grant, w.secretary, Role.VILLAGE_SECRETARY, c.townships[0]),
        (w.secretary_grant, w.township, Role.VILLAGE_SECRETARY, c.villages[0]),
        (own, w.township, Role.COUNTY_ADMIN, c.townships[0]),
        (own, w.township, Role.TOWNSHIP_STAFF, c.county),
        (w.boss_grant, w.boss, Role.VIEWER, c.villages[0]),
    ]:
        assert refused(post_grant(client, user, role, unit, grant=grant)), (grant, role, unit)
    # Revoking: one by one and in bulk.
    r = client.post(f"{URL}{w.secretary_grant.pk}/delete/", {"post": "yes", "change_reason": "离任"})
    assert r.status_code == 403
    r = client.post(URL, {"action": "delete_selected", "_selected_action": [w.secretary_grant.pk, own.pk],
                          "post": "yes", "change_reason": "离任"})
    assert r.status_code == 403
    assert w.grants() == before


def test_the_account_picker_offers_only_accounts_in_scope(client, w):
    client.force_login(w.township)
    r = client.get("/admin/autocomplete/", {"app_label": "organizations", "model_name": "rolegrant",
                                            "field_name": "user", "term": ""})
    assert r.status_code == 200
    names = {row["text"] for row in r.json()["results"]}
    assert names == {"ts", "vs"}  # not the county admin above, the superuser, nor the other county
    # Township staff may grant nowhere: no add page (and no 增加 button) at all.
    assert client.get(f"{URL}add/").status_code == 403
    assert f"{URL}add/" not in client.get(URL).text
    client.force_login(w.county_admin)
    r = client.get(f"{URL}add/")
    assert r.status_code == 200 and "far" not in r.text


# --- county admin: grants within the county, each change with its reason in the history -------------

def test_county_admin_grants_changes_and_revokes_within_the_county(client, w):
    c = w.c
    client.force_login(w.county_admin)
    r = post_grant(client, w.secretary, Role.VIEWER, c.villages[1], reason="兼任第二村联络")
    assert r.status_code == 302, r.text[:3000]
    grant = RoleGrant.objects.get(user=w.secretary, unit=c.villages[1])
    record = grant.history.get()
    assert record.history_change_reason == "兼任第二村联络" and record.history_user == w.county_admin
    # A change is a revocation and a new grant, each with the reason.
    r = post_grant(client, w.secretary, Role.TOWNSHIP_STAFF, c.townships[1], reason="调任乡镇", grant=grant)
    assert r.status_code == 302, r.text[:3000]
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    new = RoleGrant.objects.get(user=w.secretary, unit=c.townships[1])
    assert new.role == Role.TOWNSHIP_STAFF
    assert new.history.get().history_change_reason == "调任乡镇"
    assert RoleGrant.history.filter(id=grant.pk, history_type="-").get().history_change_reason == "调任乡镇"
    # Deleting asks for a reason first.
    r = client.post(f"{URL}{new.pk}/delete/", {"post": "yes"})
    assert r.status_code == 200 and "请填写修改理由" in r.text
    assert RoleGrant.objects.filter(pk=new.pk).exists()
    r = client.get(f"{URL}{new.pk}/delete/")
    assert 'name="change_reason"' in r.text
    r = client.post(f"{URL}{new.pk}/delete/", {"post": "yes", "change_reason": "已离任"})
    assert r.status_code == 302
    assert not RoleGrant.objects.filter(pk=new.pk).exists()
    assert RoleGrant.history.filter(id=new.pk, history_type="-").get().history_change_reason == "已离任"
    # The reason is required on the form too.
    r = post_grant(client, w.secretary, Role.VIEWER, c.villages[2], reason="")
    assert r.status_code == 200 and not RoleGrant.objects.filter(unit=c.villages[2], user=w.secretary).exists()


def test_county_admin_cannot_reach_outside_the_county_or_a_superuser(client, w):
    c = w.c
    client.force_login(w.county_admin)
    before = w.grants()
    for user, role, unit in [
        (w.secretary, Role.COUNTY_ADMIN, c.city),               # above the county
        (w.secretary, Role.VIEWER, w.other.villages[0]),        # another county
        (w.stranger, Role.VIEWER, c.villages[0]),               # another county's account
        (w.boss, Role.COUNTY_ADMIN, c.county),                  # a superuser
    ]:
        assert refused(post_grant(client, user, role, unit)), (user, role, unit)
    assert refused(post_grant(client, w.boss, Role.COUNTY_ADMIN, c.townships[0], grant=w.boss_grant))
    assert client.post(f"{URL}{w.boss_grant.pk}/delete/", {"post": "yes", "change_reason": "x"}).status_code == 403
    # Another county's grant does not exist for them.
    far = RoleGrant.objects.get(user=w.stranger)
    assert client.get(f"{URL}{far.pk}/change/").status_code == 404
    assert client.post(f"{URL}{far.pk}/delete/", {"post": "yes", "change_reason": "x"}).status_code == 404
    # A bulk delete reaching a superuser's grant undoes itself.
    r = client.post(URL, {"action": "delete_selected", "post": "yes", "change_reason": "清理",
                          "_selected_action": [w.secretary_grant.pk, w.boss_grant.pk]})
    assert r.status_code == 403
    assert w.grants() == before


def test_superuser_grants_anything_with_a_reason(admin_client, w):
    r = post_grant(admin_client, w.stranger, Role.COUNTY_ADMIN, w.c.county, reason="交流任职")
    assert r.status_code == 302, r.text[:3000]
    assert RoleGrant.objects.get(user=w.stranger, unit=w.c.county).history.get().history_change_reason == "交流任职"


# --- the rule lives in the service --------------------------------------------------------------------

def test_role_services_refuse_every_widening(w):
    c = w.c
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=w.township, username="ts", role=Role.COUNTY_ADMIN, unit=c.townships[0])
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=w.county_admin, username="far", role=Role.VIEWER, unit=c.villages[0])
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=w.county_admin, username="boss", role=Role.VIEWER, unit=c.villages[0])
    with pytest.raises(PermissionDenied):
        services.role_grant(actor=w.county_admin, username="vs", role=Role.VIEWER, unit=w.other.county)
    with pytest.raises(PermissionDenied):
        services.role_revoke(actor=w.township, grant=w.secretary_grant)
    with pytest.raises(PermissionDenied):
        services.role_revoke(actor=w.county_admin, grant=w.boss_grant)
    with pytest.raises(PermissionDenied):
        services.role_grant_change(actor=w.county_admin, grant=w.secretary_grant, user=w.secretary,
                                   role=Role.COUNTY_ADMIN, unit=c.city)
    assert RoleGrant.objects.filter(pk=w.secretary_grant.pk).exists()
    # A new account is fine: it holds nothing anywhere yet.
    user, grant, created = services.role_grant(actor=w.county_admin, username="newbie", role=Role.VIEWER,
                                               unit=c.villages[1], reason="新任")
    assert created and grant.history.get().history_change_reason == "新任"


# --- accounts: deleting one that wrote anything deactivates it -----------------------------------------

def test_deleting_an_author_deactivates_and_keeps_the_history_author(admin_client, w):
    campaign = make_campaign(w.c.county)
    activity = make_activity(campaign, w.c.villages[0], actor=w.secretary)
    author_rows = activity.history.filter(history_user=w.secretary).count()
    assert author_rows == 0  # no request: the author is on the record itself
    activity.title = "改名"
    activity._history_user = w.secretary
    activity._change_reason = "测试"
    activity.save()
    r = admin_client.post(f"/admin/organizations/user/{w.secretary.pk}/delete/",
                          {"post": "yes", "change_reason": "调离"})
    assert r.status_code == 302
    user = User.objects.get(pk=w.secretary.pk)
    assert not user.is_active
    assert user.history.order_by("-history_date").first().history_change_reason == "调离"
    activity.refresh_from_db()
    assert activity.author_id == user.pk
    assert activity.history.filter(history_user=user).exists()
    # An account that never wrote anything is deleted.
    idle = make_user("idle", Role.VIEWER, w.c.villages[1])
    r = admin_client.post(f"/admin/organizations/user/{idle.pk}/delete/", {"post": "yes", "change_reason": "重复账号"})
    assert r.status_code == 302
    assert not User.objects.filter(pk=idle.pk).exists()
    # Bulk: the author is kept (deactivated), the idle account goes.
    idle2 = make_user("idle2", Role.VIEWER, w.c.villages[1])
    w.county_admin.refresh_from_db()
    make_activity(campaign, w.c.villages[1], actor=w.county_admin)
    r = admin_client.post("/admin/organizations/user/", {
        "action": "delete_selected", "post": "yes", "change_reason": "清理账号",
        "_selected_action": [idle2.pk, w.county_admin.pk]})
    assert r.status_code == 302
    assert not User.objects.filter(pk=idle2.pk).exists()
    assert User.objects.get(pk=w.county_admin.pk).is_active is False


def test_non_superusers_cannot_raise_an_account(client, w):
    client.force_login(w.county_admin)
    url = f"/admin/organizations/user/{w.secretary.pk}/change/"
    r = client.get(url)
    assert r.status_code == 200 and 'name="is_superuser"' not in r.text and 'name="change_reason"' in r.text
    assert client.get(f"/admin/organizations/user/{w.boss.pk}/change/").status_code == 404
    assert client.get(f"/admin/organizations/user/{w.stranger.pk}/change/").status_code == 404
    with pytest.raises(PermissionDenied):
        w.secretary.is_superuser = True
        services.user_save(actor=w.county_admin, user=w.secretary, reason="x")
    with pytest.raises(PermissionDenied):
        services.user_deactivate(actor=w.township, user=w.stranger, reason="x")
