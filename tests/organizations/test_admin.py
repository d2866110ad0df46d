import pytest
from django.contrib.auth.models import Group, Permission

from organizations.models import Role, Unit
from tests.factories import County, make_user

pytestmark = pytest.mark.django_db


def staff(username, role, unit):
    user = make_user(username, role, unit)
    user.is_staff = True
    user.save()
    group, _ = Group.objects.get_or_create(name="县乡管理员")
    group.permissions.set(Permission.objects.filter(
        content_type__app_label="organizations",
        codename__in=["view_unit", "change_unit", "add_unit", "view_organization", "change_organization",
                      "view_leader", "change_leader", "view_rolegrant"],
    ))
    user.groups.add(group)
    return user


def test_superuser_admin_lists_every_model(admin_client):
    County()
    for model in ("unit", "organization", "leader", "rolegrant", "importjob", "user"):
        r = admin_client.get(f"/admin/organizations/{model}/", {"q": "村"})
        assert r.status_code == 200, model


def test_township_staff_admin_is_scoped(client):
    c = County()
    client.force_login(staff("t", Role.TOWNSHIP_STAFF, c.townships[0]))
    r = client.get("/admin/organizations/unit/")
    assert r.status_code == 200
    assert c.villages[0].name in r.text and c.villages[2].name not in r.text
    assert client.get(f"/admin/organizations/unit/{c.villages[2].pk}/change/").status_code in (302, 404)
    assert client.get(f"/admin/organizations/unit/{c.villages[2].pk}/history/").status_code == 404
    r = client.get(f"/admin/organizations/unit/{c.villages[0].pk}/history/")
    assert r.status_code == 200
    # Autocomplete only offers units in scope.
    r = client.get("/admin/autocomplete/", {"app_label": "organizations", "model_name": "leader",
                                            "field_name": "unit", "term": "村"})
    names = {row["text"] for row in r.json()["results"]}
    assert c.villages[0].name in names and c.villages[2].name not in names


def test_admin_edit_goes_through_the_service_and_keeps_history(client):
    c = County()
    user = staff("t", Role.TOWNSHIP_STAFF, c.townships[0])
    client.force_login(user)
    v = c.villages[0]
    r = client.post(f"/admin/organizations/unit/{v.pk}/change/", {
        "code": v.code, "name": "满天红村", "kind": "village", "parent": c.townships[0].pk,
        "sort_order": 0, "address": "", "position_shared": "on", "change_reason": "村名变更",
    })
    assert r.status_code == 302, r.content[:2000]
    v.refresh_from_db()
    assert v.name == "满天红村" and v.position_shared
    latest = Unit.history.filter(id=v.pk).order_by("-history_date").first()
    assert latest.history_user == user and latest.history_change_reason == "村名变更"
    # Posting a parent outside the scope is refused.
    r = client.post(f"/admin/organizations/unit/{v.pk}/change/", {
        "code": v.code, "name": "满天红村", "kind": "village", "parent": c.townships[1].pk,
        "sort_order": 0, "address": "", "change_reason": "调整隶属",
    })
    assert r.status_code == 200  # form error, nothing saved
    v.refresh_from_db()
    assert v.parent_id == c.townships[0].pk


def test_admin_refuses_a_village_under_the_county_with_a_message(admin_client):
    c = County()
    v = c.villages[0]
    r = admin_client.post(f"/admin/organizations/unit/{v.pk}/change/", {
        "code": v.code, "name": v.name, "kind": "village", "parent": c.county.pk, "sort_order": 0,
        "change_reason": "调整隶属",
    })
    assert r.status_code == 200 and "不能设立" in r.text
