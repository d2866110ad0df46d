"""Personal data: who sees a phone number in full (page, list, export, history), and the log of
views by staff outside the person's unit."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from organizations.models import OrgKind, Role
from people.models import PersonViewLog
from people.policy import can_see_identity, mask_phone
from people.services import person_save
from tests.factories import PersonFactory, make_staff

pytestmark = pytest.mark.django_db

PHONE, MASKED = "13812345678", "138****5678"


@pytest.fixture
def person(w):
    return PersonFactory(unit=w.villages[0], name="王小梅", phone=PHONE)


def test_mask_phone():
    assert mask_phone(PHONE) == MASKED
    assert mask_phone("") == ""
    assert mask_phone("12345") == "***45"


@pytest.mark.parametrize("role,full", [
    ("county", True), ("village", True), ("township", False), ("inspector", False), ("viewer", False),
])
def test_the_person_page_shows_the_phone_only_to_those_who_need_it(w, client, person, role, full):
    client.force_login(w.users[role])
    r = client.get(reverse("people:person_detail", args=[person.pk]))
    assert r.status_code == 200
    assert (PHONE in r.text) is full
    assert (MASKED in r.text) is not full
    assert can_see_identity(w.users[role], person) is full


@pytest.mark.parametrize("role,full", [("county", True), ("township", False), ("viewer", False)])
def test_the_list_masks_the_same_way(w, client, person, role, full):
    client.force_login(w.users[role])
    r = client.get(reverse("people:person_list"))
    assert "王小梅" in r.text and (PHONE in r.text) is full and (MASKED in r.text) is not full


def _export(client, **params):
    r = client.get(reverse("people:person_export"), params)
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def test_a_county_export_masks_phones_for_roles_without_the_right(w, client, person):
    other = PersonFactory(unit=w.villages[2], name="李大山", phone="13900001111")
    client.force_login(w.users["county"])
    assert {r["姓名"]: r["联系电话"] for r in _export(client)} == {"王小梅": PHONE, "李大山": "13900001111"}
    client.force_login(w.users["viewer"])   # the county's read-only leader: everything masked
    assert {r["姓名"]: r["联系电话"] for r in _export(client)} == {"王小梅": MASKED, "李大山": "139****1111"}
    client.force_login(w.users["township"])   # another unit's people never appear in full
    assert {r["姓名"]: r["联系电话"] for r in _export(client)} == {"王小梅": MASKED}
    client.force_login(w.users["village"])    # their own village only, in full
    assert {r["姓名"]: r["联系电话"] for r in _export(client)} == {"王小梅": PHONE}
    assert other.pk


def test_the_history_masks_phone_changes_too(w, client, person):
    person_save(actor=w.users["village"], person=person, unit=person.unit, name=person.name, phone="13700009999")
    client.force_login(w.users["township"])
    r = client.get(reverse("people:person_detail", args=[person.pk]))
    assert "137****9999" in r.text and "13700009999" not in r.text and PHONE not in r.text
    client.force_login(w.users["village"])
    r = client.get(reverse("people:person_detail", args=[person.pk]))
    assert "13700009999" in r.text


def test_an_editor_without_the_right_keeps_the_phone_unchanged(w, client, person):
    client.force_login(w.users["township"])
    url = reverse("people:person_edit", args=[person.pk])
    r = client.get(url)
    assert PHONE not in r.text and 'name="phone"' not in r.text
    r = client.post(url, {"name": "王小梅", "status": "masses", "phone": "110"})
    assert r.status_code == 302
    person.refresh_from_db()
    assert person.phone == PHONE


def test_views_from_outside_the_unit_are_logged(w, client, person):
    url = reverse("people:person_detail", args=[person.pk])
    for role in ("village", "township", "county", "inspector"):
        client.force_login(w.users[role])
        client.get(url)
    logs = list(PersonViewLog.objects.order_by("pk").values_list("viewer__username", "identity_shown"))
    # the village's own secretary is not logged; everybody outside the village is
    assert logs == [("township", False), ("county", True), ("inspector", False)]
    # an out-of-scope user gets a 404 and leaves no log row
    client.force_login(w.users["village2"])
    assert client.get(url).status_code == 404
    assert PersonViewLog.objects.count() == 3


def test_the_view_log_is_read_only_in_the_admin(w, client, person):
    staff = make_staff("county_staff", Role.COUNTY_ADMIN, w.county)
    client.force_login(w.users["township"])
    client.get(reverse("people:person_detail", args=[person.pk]))
    log = PersonViewLog.objects.get()
    client.force_login(staff)
    r = client.get(reverse("admin:people_personviewlog_changelist"))
    assert r.status_code == 200 and "王小梅" in r.text
    r = client.post(reverse("admin:people_personviewlog_change", args=[log.pk]), {"what": "x"})
    assert r.status_code == 403 or "x" != PersonViewLog.objects.get().what
    assert client.get(reverse("admin:people_personviewlog_add")).status_code == 403


def test_party_branch_membership_of_the_village(w, person):
    branch = w.villages[0].organizations.get(kind=OrgKind.PARTY_BRANCH)
    p, _ = person_save(actor=w.users["village"], person=person, unit=person.unit, name=person.name,
                       branch=branch, memberships=[branch])
    assert list(p.memberships.all()) == [branch]


def test_the_admin_hides_the_phone_from_staff_without_the_right(w, client, person):
    township_staff = make_staff("township_staff", Role.TOWNSHIP_STAFF, w.townships[0])
    county_staff = make_staff("county_staff", Role.COUNTY_ADMIN, w.county)
    url = reverse("admin:people_person_change", args=[person.pk])
    client.force_login(township_staff)
    r = client.get(url)
    assert r.status_code == 200 and "王小梅" in r.text and PHONE not in r.text
    # a change through the admin keeps the number it did not show
    data = {"name": "王小梅", "unit": person.unit_id, "status": "masses", "gender": "female",
            "change_reason": "更正姓名性别"}
    r = client.post(url, data)
    assert r.status_code == 302, r.text[:2000]
    person.refresh_from_db()
    assert person.phone == PHONE and person.gender == "female"
    assert person.history.first().history_change_reason == "更正姓名性别"
    client.force_login(county_staff)
    assert PHONE in client.get(url).text
    changelist = client.get(reverse("admin:people_person_changelist"), {"q": PHONE})
    assert "王小梅" not in changelist.text   # no search by phone number
