"""Activity pages: the logging form for each role, scoped choices, photos, edit and lock, the
scoped photo view, lists with filters, and constant query counts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from campaigns import services
from campaigns.models import Activity, ActivityPhoto, Indicator, IndicatorKind, ReviewStatus
from campaigns.services import activity_review, activity_submit, campaign_save
from organizations.models import OrgKind, UnitKind
from tests.campaigns.activity_world import World, days, image_bytes, media, upload  # noqa: F401
from tests.factories import make_org, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(media):  # noqa: F811
    return World()


def url(name, *args):
    return reverse(f"campaigns:{name}", args=args)


def login(client, w, role):
    client.force_login(w.users[role])
    return client


def party_of(unit):
    return unit.organizations.get(kind=OrgKind.PARTY_BRANCH)


def form_data(w, **over):
    data = {
        "unit": w.villages[0].pk, "pairing": w.pairing.pk, "campaign": w.campaign.pk,
        "date": days(-1).isoformat(), "category": "org_life", "link_area": "org_life",
        "title": "七一主题党日", "participants": "30", "description": "重温入党誓词",
        "org-TOTAL_FORMS": "2", "org-INITIAL_FORMS": "0", "org-MIN_NUM_FORMS": "0", "org-MAX_NUM_FORMS": "10",
        "org-0-who": f"o{party_of(w.villages[0]).pk}", "org-0-role": "leads",
        "org-1-who": f"u{w.bureau.pk}", "org-1-role": "supports",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


# --- who may open what -----------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, w):
    a = w.log(photos=1)
    for path in (url("activity_list"), url("activity_mine"), url("activity_create"), url("review_queue"),
                 url("activity_detail", a.pk), url("activity_edit", a.pk), url("photo", a.photos.get().pk)):
        r = client.get(path)
        assert r.status_code == 302 and r.url.startswith("/accounts/login/"), path


@pytest.mark.parametrize("role", ["inspector", "viewer"])
def test_roles_that_do_not_log_get_403_on_the_form(client, w, role):
    login(client, w, role)
    assert client.get(url("activity_create")).status_code == 403
    assert client.post(url("activity_create"), form_data(w)).status_code == 403
    assert not Activity.objects.exists()
    # They read the activities of their scope, but cannot edit them.
    a = w.log()
    assert client.get(url("activity_detail", a.pk)).status_code == 200
    assert client.get(url("activity_edit", a.pk)).status_code == 403


def test_user_without_grants_cannot_log_and_sees_nothing(client, w):
    a = w.log()
    client.force_login(make_user("nobody"))
    assert client.get(url("activity_create")).status_code == 403
    assert client.get(url("activity_detail", a.pk)).status_code == 404
    r = client.get(url("activity_list"))
    assert r.status_code == 200 and list(r.context["page"].object_list) == []


# --- the form: preselected, scoped ---------------------------------------------------------------------

def test_form_preselects_village_pairing_campaign_today_and_organisers(client, w):
    login(client, w, "village")
    r = client.get(url("activity_create"))
    assert r.status_code == 200
    form, formset = r.context["form"], r.context["formset"]
    assert form["unit"].value() == w.villages[0].pk
    assert form["pairing"].value() == w.pairing.pk
    assert form["campaign"].value() == w.campaign.pk
    assert form["date"].value() == days(0)
    # The village is the only unit: not a choice to make.
    assert f'type="hidden" name="unit" value="{w.villages[0].pk}"' in r.text
    assert [f["who"].value() for f in formset] == [f"o{party_of(w.villages[0]).pk}", f"u{w.bureau.pk}"]
    assert [f["role"].value() for f in formset] == ["leads", "supports"]
    # One number input per active outcome indicator, with a numeric keyboard.
    codes = set(Indicator.objects.filter(kind=IndicatorKind.OUTCOME, active=True).values_list("code", flat=True))
    assert len(codes) == 18
    for code in codes:
        assert f'name="outcome_{code}"' in r.text
    assert 'inputmode="numeric"' in r.text and 'inputmode="decimal"' in r.text
    # Photos: several, images only, the camera offered; the draft hooks are there.
    assert 'accept="image/*"' in r.text and "capture=" in r.text and "multiple" in r.text
    assert 'data-draft-key="cobuild:activity-draft:' in r.text and "已恢复未提交的草稿" in r.text
    # Only the village's pairing and the scoped campaigns are offered.
    assert list(form.fields["pairing"].queryset) == [w.pairing]
    assert w.pairing2.bureau.name not in r.text


def test_bureau_liaison_starts_with_the_bureau_and_its_pairing(client, w):
    login(client, w, "bureau")
    r = client.get(url("activity_create"))
    form = r.context["form"]
    assert form["unit"].value() == w.bureau.pk
    assert form["pairing"].value() == w.pairing.pk
    units = set(form.fields["unit"].queryset)
    assert units == {w.bureau, w.villages[0]}  # the bureau and its paired village
    who = [f["who"].value() for f in r.context["formset"]]
    assert who == [f"o{party_of(w.bureau).pk}", f"u{w.villages[0].pk}"]


def test_bureau_liaison_logs_at_the_paired_village_only_through_the_pairing(client, w):
    login(client, w, "bureau")
    r = client.get(url("activity_create"), {"unit": w.villages[0].pk})
    assert r.context["form"]["unit"].value() == w.villages[0].pk
    r = client.post(url("activity_create"), form_data(w, pairing=""))
    assert r.status_code == 200 and "请选择对应的结对" in r.text
    r = client.post(url("activity_create"), form_data(w))
    assert r.status_code == 302
    a = Activity.objects.get()
    assert a.unit == w.villages[0] and a.pairing == w.pairing and a.author == w.users["bureau"]


def test_township_staff_chooses_among_the_township_units(client, w):
    login(client, w, "township")
    r = client.get(url("activity_create"))
    form = r.context["form"]
    assert form["unit"].value() == w.townships[0].pk
    assert set(form.fields["unit"].queryset) == {w.townships[0], w.villages[0], w.villages[1]}
    # Another unit's pairings and organisers come with ?unit=.
    r = client.get(url("activity_create"), {"unit": w.villages[0].pk})
    assert r.context["form"]["pairing"].value() == w.pairing.pk
    # A unit outside the scope falls back to the default.
    r = client.get(url("activity_create"), {"unit": w.villages[2].pk})
    assert r.context["form"]["unit"].value() == w.townships[0].pk


def test_county_admin_logs_for_a_village_of_the_county(client, w):
    login(client, w, "county")
    r = client.get(url("activity_create"), {"unit": w.villages[2].pk})
    form = r.context["form"]
    assert (form["unit"].value(), form["pairing"].value()) == (w.villages[2].pk, w.pairing2.pk)
    assert w.county in form.fields["unit"].queryset and w.city not in form.fields["unit"].queryset
    data = form_data(w, unit=w.villages[2].pk, pairing=w.pairing2.pk,
                     **{"org-0-who": f"o{party_of(w.villages[2]).pk}", "org-1-who": f"u{w.bureau2.pk}"})
    r = client.post(url("activity_create"), data)
    assert r.status_code == 302
    a = Activity.objects.get()
    assert (a.unit, a.pairing, a.author) == (w.villages[2], w.pairing2, w.users["county"])
    # The bureau of another pairing is not an organiser choice for this village.
    r = client.post(url("activity_create"), form_data(w, unit=w.villages[2].pk, pairing=w.pairing2.pk))
    assert r.status_code == 200 and Activity.objects.count() == 1


def test_village_secretary_logs_an_activity_with_photos_outcomes_and_organisers(client, w):
    login(client, w, "village")
    data = form_data(w, outcome_households_visited="12", outcome_relief_money="2500.50", outcome_people_trained="")
    data["photos"] = [upload("a.jpg", image_bytes("JPEG", (2400, 1800))),
                      upload("b.png", image_bytes("PNG", (600, 400)), "image/png")]
    r = client.post(url("activity_create"), data)
    assert r.status_code == 302
    a = Activity.objects.get()
    assert r.url == url("activity_detail", a.pk)
    assert (a.author, a.status, a.unit, a.pairing, a.title, a.participants) == (
        w.users["village"], ReviewStatus.SUBMITTED, w.villages[0], w.pairing, "七一主题党日", 30)
    assert {o.indicator.code: o.value for o in a.outcomes.all()} == {
        "households_visited": Decimal("12"), "relief_money": Decimal("2500.50")}
    assert [(o.organization or o.unit, o.role) for o in a.organizers.order_by("role")] == [
        (party_of(w.villages[0]), "leads"), (w.bureau, "supports")]
    photos = list(a.photos.all())
    assert len(photos) == 2
    for p in photos:  # resized, re-encoded as JPEG under a random name
        with p.image.open("rb") as fh, Image.open(fh) as img:
            assert img.format == "JPEG" and max(img.size) <= services.PHOTO_MAX_SIDE
        assert re.fullmatch(r"activity-photos/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", p.image.name)
    # The page after a successful submit clears the draft on the phone.
    r = client.get(r.url)
    assert 'data-clear-draft="cobuild:activity-draft:' in r.text and "已提交活动" in r.text
    assert "data-clear-draft" not in client.get(url("activity_detail", a.pk)).text


@pytest.mark.parametrize("field", ["unit", "pairing", "campaign", "organizer"])
def test_foreign_ids_posted_in_the_form_are_rejected(client, w, field):
    other_county = make_unit(UnitKind.COUNTY, w.city, name="邻县")
    foreign_campaign, _ = campaign_save(actor=None, slug="other", name="邻县活动", owner_unit=other_county,
                                        start_date=days(-30))
    login(client, w, "village")
    over = {
        "unit": {"unit": w.villages[1].pk},
        "pairing": {"pairing": w.pairing2.pk},
        "campaign": {"campaign": foreign_campaign.pk},
        "organizer": {"org-1-who": f"o{party_of(w.villages[1]).pk}"},
    }[field]
    r = client.post(url("activity_create"), form_data(w, **over))
    assert r.status_code == 200
    errors = r.context["formset"].errors[1] if field == "organizer" else r.context["form"].errors
    assert "选择一个有效的选项" in str(errors)
    assert "选择一个有效的选项" in r.text
    assert not Activity.objects.exists()


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_else_is_lost(client, w):
    login(client, w, "village")
    data = form_data(w, outcome_households_visited="7")
    data["photos"] = [upload("a.jpg"), upload("notes.jpg", b"this is not a picture", "image/jpeg")]
    r = client.post(url("activity_create"), data)
    assert r.status_code == 200
    assert "“notes.jpg”不是可识别的图片,请上传 JPG、PNG 或 WEBP 照片。" in r.text
    assert "请重新选择照片" in r.text
    # The typed values are still in the form; nothing was saved (not even the activity).
    assert 'value="七一主题党日"' in r.text and 'value="7"' in r.text and "重温入党誓词" in r.text
    assert not Activity.objects.exists() and not ActivityPhoto.objects.exists()


def test_an_oversize_photo_is_refused_with_a_clear_message(client, w, monkeypatch):
    monkeypatch.setattr(services, "PHOTO_MAX_BYTES", 20_000)
    login(client, w, "village")
    data = form_data(w)
    data["photos"] = [upload("big.png", image_bytes("PNG", (1500, 1500), (10, 200, 90)) + b"\0" * 30_000,
                             "image/png")]
    r = client.post(url("activity_create"), data)
    assert r.status_code == 200
    assert "照片“big.png”超过" in r.text and "请压缩后再上传" in r.text
    assert not Activity.objects.exists()


def test_photo_errors_are_reported_together_with_field_errors(client, w):
    login(client, w, "village")
    data = form_data(w, outcome_relief_money="-5")
    data["photos"] = [upload("x.jpg", b"nope")]
    r = client.post(url("activity_create"), data)
    assert "发放慰问金:不能为负数。" in r.text and "“x.jpg”不是可识别的图片" in r.text


@pytest.mark.parametrize("value, message", [
    ("-3", r"走访贫困户:不能为负数。"),
    ("9999", r"走访贫困户:9999户超过单次活动的合理上限500户,请核对。"),
    ("2.5", r"走访贫困户:请填写整数。"),
    ("abc", r"走访贫困户:请填写数字。"),
    ("NaN", r"走访贫困户:请填写数字。"),
])
def test_outcome_values_are_checked_by_the_service_next_to_their_field(client, w, value, message):
    login(client, w, "village")
    r = client.post(url("activity_create"), form_data(w, outcome_households_visited=value))
    assert r.status_code == 200
    errors = r.context["form"].errors["outcome_households_visited"]
    assert len(errors) == 1 and re.fullmatch(message, errors[0])
    assert errors[0] in r.text
    assert not Activity.objects.exists()


def test_the_service_refuses_a_future_date_next_to_the_field(client, w):
    login(client, w, "village")
    r = client.post(url("activity_create"), form_data(w, date=days(2).isoformat()))
    assert r.context["form"].errors["date"] == ["活动日期不能晚于今天。"]


def test_two_leading_organisers_are_refused(client, w):
    login(client, w, "village")
    r = client.post(url("activity_create"), form_data(w, **{"org-1-role": "leads"}))
    assert r.status_code == 200 and "一个活动只能有一个牵头单位。" in r.text
    assert not Activity.objects.exists()


def test_a_new_indicator_appears_as_a_form_field_without_code_changes(client, w):
    Indicator.objects.create(code="trees_planted", name="植树", unit="棵", order=40, kind=IndicatorKind.OUTCOME,
                             max_per_activity=Decimal("1000"))
    Indicator.objects.filter(code="demo_bases").update(active=False)
    login(client, w, "village")
    r = client.get(url("activity_create"))
    assert 'name="outcome_trees_planted"' in r.text and "植树(棵)" in r.text
    assert 'name="outcome_demo_bases"' not in r.text
    r = client.post(url("activity_create"), form_data(w, outcome_trees_planted="120"))
    assert r.status_code == 302
    assert Activity.objects.get().outcomes.get().indicator.code == "trees_planted"


# --- edit, lock ----------------------------------------------------------------------------------

def test_author_edits_a_returned_record_and_it_is_resubmitted(client, w):
    a = w.log(photos=1, outcomes={"households_visited": 5})
    activity_review(actor=w.users["township"], activity=a, approve=False, comment="请补充参加人数")
    login(client, w, "village")
    r = client.get(url("activity_edit", a.pk))
    assert r.status_code == 200
    assert "请补充参加人数" in r.text and r.context["form"]["outcome_households_visited"].value() == "5"
    assert r.context["form"]["title"].value() == "主题党日"
    data = form_data(w, title="主题党日(补充)", participants="41", outcome_households_visited="6",
                     version=r.context["form"]["version"].value(), **{"org-TOTAL_FORMS": "1"})
    data["photos"] = [upload("more.jpg")]
    r = client.post(url("activity_edit", a.pk), data)
    assert r.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.title, a.participants) == (ReviewStatus.SUBMITTED, "主题党日(补充)", 41)
    assert a.outcomes.get().value == 6 and a.photos.count() == 2 and a.organizers.count() == 1
    assert a.history.first().history_change_reason == "修改后重新提交"


def test_author_removes_a_photo_while_editing(client, w):
    a = w.log(photos=2)
    photo = a.photos.first()
    login(client, w, "village2")
    assert client.post(url("activity_photo_delete", a.pk, photo.pk)).status_code == 404
    login(client, w, "village")
    r = client.post(url("activity_photo_delete", a.pk, photo.pk))
    assert r.status_code == 302 and a.photos.count() == 1
    assert client.get(url("photo", photo.pk)).status_code == 404
    assert photo.history.filter(history_type="-").count() == 1


def test_verified_records_are_locked(client, w):
    a = w.log()
    activity_review(actor=w.users["township"], activity=a, approve=True)
    login(client, w, "village")
    r = client.get(url("activity_detail", a.pk))
    assert r.status_code == 200 and "已审核通过并锁定" in r.text
    assert url("activity_edit", a.pk) not in r.text
    assert client.get(url("activity_edit", a.pk)).status_code == 403
    assert client.post(url("activity_edit", a.pk), form_data(w, title="改")).status_code == 403
    a.refresh_from_db()
    with pytest.raises(ValidationError):
        activity_submit(actor=w.users["village"], activity=a, campaign=w.campaign, date=a.date, unit=a.unit,
                        category=a.category, title="改")
    a.refresh_from_db()
    assert a.title == "主题党日"


def test_other_villages_records_are_404(client, w):
    a = w.log(photos=1)
    photo = a.photos.get()
    login(client, w, "village2")
    for path in (url("activity_detail", a.pk), url("activity_edit", a.pk), url("photo", photo.pk),
                 url("photo_thumb", photo.pk)):
        assert client.get(path).status_code == 404, path
    assert client.post(url("activity_review", a.pk), {"decision": "verify"}).status_code == 404
    login(client, w, "township2")
    assert client.get(url("activity_detail", a.pk)).status_code == 404


def test_bureau_liaison_sees_its_pairing_records_but_not_other_villages(client, w):
    mine = w.log()  # at the paired village, for the pairing
    other = w.log(actor="village2", unit=w.villages[1], title="别村活动")
    login(client, w, "bureau")
    assert client.get(url("activity_detail", mine.pk)).status_code == 200
    assert client.get(url("activity_detail", other.pk)).status_code == 404


# --- photos ------------------------------------------------------------------------------------

def test_photos_are_served_only_through_the_scoped_view(client, w):
    a = w.log(photos=1)
    photo = a.photos.get()
    login(client, w, "township")
    r = client.get(url("photo", photo.pk))
    assert r.status_code == 200
    assert r["Content-Type"] == "image/jpeg"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Disposition"].startswith("inline")
    assert photo.image.name.rsplit("/", 1)[-1] not in r["Content-Disposition"]
    body = b"".join(r.streaming_content)
    assert body[:3] == b"\xff\xd8\xff"
    thumb = client.get(url("photo_thumb", photo.pk))
    assert thumb["Content-Type"] == "image/jpeg" and thumb["X-Content-Type-Options"] == "nosniff"
    with Image.open(__import__("io").BytesIO(thumb.content)) as img:
        assert max(img.size) <= 320
    # Pages never show the stored path.
    detail = client.get(url("activity_detail", a.pk)).text
    assert photo.image.name not in detail and "/media/" not in detail
    assert url("photo_thumb", photo.pk) in detail
    assert url("photo_thumb", photo.pk) in client.get(url("activity_list")).text


# --- lists -----------------------------------------------------------------------------------------

def test_lists_follow_the_scope_of_each_role(client, w):
    v1 = w.log(title="一村活动")
    v2 = w.log(actor="village2", unit=w.villages[1], title="二村活动")
    v3 = w.log(actor="county", unit=w.villages[2], title="三村活动")
    b2 = w.log(actor="county", unit=w.bureau2, pairing=w.pairing2, title="水务局活动")
    expected = {
        "village": {v1}, "village2": {v2}, "township": {v1, v2}, "township2": {v3, b2},
        "bureau": {v1}, "county": {v1, v2, v3, b2}, "inspector": {v1, v2, v3, b2}, "viewer": {v1, v2, v3, b2},
    }
    for role, wanted in expected.items():
        login(client, w, role)
        r = client.get(url("activity_list"))
        assert set(r.context["page"].object_list) == wanted, role


def test_list_search_filters_and_unit(client, w):
    a = w.log(title="七一主题党日", category="org_life", date=days(-10))
    b = w.log(title="大豆种植培训", category="training", date=days(-40), pairing=None)
    c = w.log(actor="village2", unit=w.villages[1], title="二村主题党日", date=days(-5))
    activity_review(actor=w.users["township"], activity=c, approve=True)
    login(client, w, "township")

    def shown(**params):
        r = client.get(url("activity_list"), params)
        assert r.status_code == 200
        return set(r.context["page"].object_list)

    assert shown() == {a, b, c}
    assert shown(q="主题党日") == {a, c}
    assert shown(category="training") == {b}
    assert shown(status="verified") == {c}
    assert shown(pairing=w.pairing.pk) == {a}
    assert shown(date_from=days(-20).isoformat(), date_to=days(-6).isoformat()) == {a}
    assert shown(unit=w.villages[1].pk) == {c}
    # A foreign pairing or unit is not a way to see other records.
    assert shown(pairing=w.pairing2.pk) == {a, b, c}
    assert client.get(url("activity_list"), {"unit": w.villages[2].pk}).status_code == 404


def test_my_records_shows_only_the_users_own(client, w):
    mine = w.log(title="我的活动")
    w.log(actor="township", unit=w.villages[0], title="乡镇代填")
    login(client, w, "village")
    r = client.get(url("activity_mine"))
    assert list(r.context["page"].object_list) == [mine]
    assert r.context["counts"]["all"] == 1


# --- constant query counts -----------------------------------------------------------------------

def _queries(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, params or {})
    assert r.status_code == 200, path
    return len(ctx.captured_queries)


def _many(w, n, actor="village"):
    for i in range(n):
        a = w.log(actor=actor, title=f"活动{i}", category="org_life" if i % 2 else "training")
        ActivityPhoto.objects.bulk_create([ActivityPhoto(activity=a, image=f"activity-photos/x{i}-{k}.jpg",
                                                         width=10, height=10) for k in range(i % 3)])
        if i % 4 == 0:
            activity_review(actor=w.users["township"], activity=a, approve=False, comment="补充")


@pytest.mark.parametrize("name, role, params", [
    ("activity_list", "township", {}),
    ("activity_list", "county", {"q": "活动", "pairing": "P", "date_from": "2000-01-01"}),
    ("activity_mine", "village", {}),
    ("activity_mine", "village", {"status": "returned"}),
])
def test_list_query_counts_are_constant(client, w, name, role, params):
    if params.get("pairing") == "P":
        params["pairing"] = w.pairing.pk
    login(client, w, role)
    _many(w, 2)
    few = _queries(client, url(name), params)
    _many(w, 40)
    many = _queries(client, url(name), params)
    assert few == many


def test_detail_query_count_is_constant(client, w):
    login(client, w, "township")
    small = w.log(title="小")
    few = _queries(client, url("activity_detail", small.pk))
    big = w.log(title="大", photos=4, outcomes={"households_visited": 3, "relief_money": 800, "info_posts": 2},
                organizers=[(w.villages[0], party_of(w.villages[0]), "leads"), (w.bureau, None, "supports"),
                            (w.villages[0], None, "co_organises")])
    activity_review(actor=w.users["township"], activity=big, approve=False, comment="再补充")
    activity_submit(actor=w.users["village"], activity=big, campaign=w.campaign, date=big.date, unit=big.unit,
                    pairing=w.pairing, category=big.category, title="大(改)")
    many = _queries(client, url("activity_detail", big.pk))
    assert few == many
    make_org(w.villages[0], OrgKind.UNION)  # unrelated rows do not matter either
    assert _queries(client, url("activity_detail", big.pk)) == many

