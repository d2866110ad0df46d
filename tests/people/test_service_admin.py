"""Part B in the admin: every new model's pages, scope, writes through the services with the
reason, the 流动党员 contact number hidden like the register's phone."""

import datetime as dt

import pytest
from django.urls import reverse

from organizations.models import Role
from people.models_service import MigrantRecord, RichLink
from people.services_service import activity_volunteers_set, rich_link_save
from tests.clock import today
from tests.factories import PersonFactory, make_contact, make_migrant, make_service, make_staff, make_team

pytestmark = pytest.mark.django_db

CONTACT = "13955556666"


@pytest.fixture
def data(w):
    member = PersonFactory(unit=w.villages[0], status="member", name="李外出")
    m = make_migrant(member, since=today() - dt.timedelta(days=60), contact=CONTACT)
    make_contact(m, today() - dt.timedelta(days=5))
    team = make_team(w.villages[0], [member], name="红旗服务队")
    make_service(team, [(member, 2)])
    link = rich_link_save(actor=None, person=member, kind="member_to_rich", started_on=today() - dt.timedelta(days=9),
                          goal="发展养殖")
    activity_volunteers_set(actor=None, activity=w.log(), people=[member])
    return {"member": member, "migrant": m, "team": team, "link": link}


MODELS = ("richlink", "volunteerteam", "servicerecord", "servicehours", "activityvolunteer", "migrantrecord",
          "migrantcontact")


def test_superuser_pages_of_every_new_model(admin_client, data):
    for model in MODELS:
        r = admin_client.get(reverse(f"admin:people_{model}_changelist"), {"q": "李"})
        assert r.status_code == 200, model
    for model, obj in (("richlink", data["link"]), ("volunteerteam", data["team"]),
                       ("migrantrecord", data["migrant"])):
        assert admin_client.get(reverse(f"admin:people_{model}_change", args=[obj.pk])).status_code == 200
        assert admin_client.get(reverse(f"admin:people_{model}_history", args=[obj.pk])).status_code == 200


def test_admin_scope_contact_masking_and_writes_with_reason(w, client, data):
    m = data["migrant"]
    other = make_staff("t2", Role.TOWNSHIP_STAFF, w.townships[1])
    client.force_login(other)
    assert client.get(reverse("admin:people_migrantrecord_change", args=[m.pk])).status_code == 404
    assert "李外出" not in client.get(reverse("admin:people_migrantrecord_changelist")).text
    township = make_staff("t1", Role.TOWNSHIP_STAFF, w.townships[0])
    client.force_login(township)
    url = reverse("admin:people_migrantrecord_change", args=[m.pk])
    r = client.get(url)
    assert r.status_code == 200 and "李外出" in r.text and CONTACT not in r.text
    r = client.post(url, {"person": m.person_id, "place": "江苏苏州", "since": m.since.isoformat(),
                          "employer": "", "liaison": "王支委", "change_reason": "更正流入地"})
    assert r.status_code == 302, r.text[:2000]
    m.refresh_from_db()
    assert m.place == "江苏苏州" and m.contact == CONTACT
    assert m.history.first().history_change_reason == "更正流入地"
    # the service's rules come back as form errors
    link = data["link"]
    r = client.post(reverse("admin:people_richlink_change", args=[link.pk]), {
        "person": link.person_id, "kind": "member_to_rich", "started_on": link.started_on.isoformat(),
        "goal": "发展养殖", "achieved_on": today().isoformat(), "result": "", "change_reason": "达成"})
    assert r.status_code == 200 and "已实现的请填写培养结果" in r.text
    assert RichLink.objects.get(pk=link.pk).achieved_on is None
    # returning through the admin ends the record and the tag
    r = client.post(url, {"person": m.person_id, "place": "江苏苏州", "since": m.since.isoformat(),
                          "liaison": "王支委", "returned_on": today().isoformat(), "change_reason": "返乡"})
    assert r.status_code == 302
    assert MigrantRecord.objects.get(pk=m.pk).returned_on == today()
    data["member"].refresh_from_db()
    assert not data["member"].is_migrant_member
