import pytest
from django.urls import reverse

from organizations.models import Leader, Role
from tests.factories import County, make_leader, make_user

pytestmark = pytest.mark.django_db


def test_village_secretary_adds_edits_and_deletes_a_leader(client):
    c = County()
    v = c.villages[0]
    client.force_login(make_user("v", Role.VILLAGE_SECRETARY, v))
    party = v.organizations.get(kind="party_branch")
    r = client.post(reverse("organizations:leader_create", args=[v.pk]), {
        "name": "王联络", "position": "liaison", "organization": party.pk, "gender": "female",
        "phone": "13912345678", "is_party_member": "on",
    })
    assert r.status_code == 302
    leader = Leader.objects.get(name="王联络")
    assert leader.unit == v and leader.organization == party
    assert "13912345678" in client.get(reverse("organizations:unit_detail", args=[v.pk])).text
    r = client.post(reverse("organizations:leader_edit", args=[leader.pk]), {
        "name": "王联络", "position": "liaison", "phone": "13900000001",
    })
    assert r.status_code == 302
    leader.refresh_from_db()
    assert leader.phone == "13900000001" and leader.history.count() == 2
    r = client.get(reverse("organizations:leader_delete", args=[leader.pk]))
    assert "确定删除" in r.text and Leader.objects.filter(pk=leader.pk).exists()
    client.post(reverse("organizations:leader_delete", args=[leader.pk]))
    assert not Leader.objects.filter(pk=leader.pk).exists()


def test_posting_another_villages_organisation_is_refused(client):
    c = County()
    v, other = c.villages[0], c.villages[1]
    client.force_login(make_user("v", Role.VILLAGE_SECRETARY, v))
    foreign = other.organizations.get(kind="party_branch")
    r = client.post(reverse("organizations:leader_create", args=[v.pk]), {
        "name": "冒名", "position": "liaison", "organization": foreign.pk,
    })
    assert r.status_code == 200 and "选择一个有效的选项" in r.text
    assert not Leader.objects.filter(name="冒名").exists()


def test_bad_phone_number_gets_a_clear_message(client):
    c = County()
    client.force_login(make_user("v", Role.VILLAGE_SECRETARY, c.villages[0]))
    r = client.post(reverse("organizations:leader_create", args=[c.villages[0].pk]), {
        "name": "某人", "position": "liaison", "phone": "abc",
    })
    assert "请填写有效的电话号码" in r.text


def test_other_villages_leaders_are_404_and_readers_get_403(client):
    c = County()
    theirs = make_leader(c.villages[1], name="别村的人")
    client.force_login(make_user("v", Role.VILLAGE_SECRETARY, c.villages[0]))
    assert client.get(reverse("organizations:leader_edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("organizations:leader_delete", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("organizations:leader_create", args=[c.villages[1].pk])).status_code == 404
    client.force_login(make_user("viewer", Role.VIEWER, c.county))
    assert client.get(reverse("organizations:leader_edit", args=[theirs.pk])).status_code == 403
    assert client.get(reverse("organizations:leader_create", args=[c.villages[1].pk])).status_code == 403
    assert Leader.objects.filter(pk=theirs.pk).exists()
