"""The phone form's outcome section: the fields this village fills most for the chosen category
come first, the rest wait behind "更多"; each field carries the plausible range the service
enforces (``data-max``), and the service refuses a value above it with a Chinese message."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campaigns import activity_selectors as sel
from campaigns.models import Activity, Indicator
from campaigns.services import validate_outcomes
from tests.campaigns.activity_world import World, days, media  # noqa: F401
from tests.campaigns.test_activities import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(media):  # noqa: F811
    return World()


def shown_and_more(html: str) -> tuple[list[str], list[str]]:
    shown, _, rest = html.partition('id="outcome-more"')
    names = lambda part: re.findall(r'name="outcome_([a-z_]+)"', part)  # noqa: E731
    return names(shown), names(rest)


def catalogue_codes():
    return [i.code for i in sel.outcome_indicators()]


def test_a_village_without_history_sees_the_catalogue_order_with_the_rest_behind_more(client, w):
    client.force_login(w.users["village"])
    r = client.get(reverse("campaigns:activity_create"))
    shown, more = shown_and_more(r.text)
    codes = catalogue_codes()
    assert shown == codes[:sel.OUTCOME_FIELDS_SHOWN] and more == codes[sel.OUTCOME_FIELDS_SHOWN:]
    assert f"更多成效指标({len(codes) - sel.OUTCOME_FIELDS_SHOWN} 项)" in r.text


def test_what_the_village_fills_most_for_the_category_comes_first(client, w):
    codes = catalogue_codes()
    late, later = codes[-1], codes[-2]
    for _ in range(2):
        w.log(category="org_life", outcomes={late: 1})
    w.log(category="tech_to_countryside", outcomes={later: 1})
    w.log(category="tech_to_countryside", outcomes={later: 1, late: 1})
    usage = sel.outcome_usage(w.villages[0])
    indicators = sel.outcome_indicators()
    ordered = [i.code for i in sel.order_outcomes(indicators, usage, "tech_to_countryside")]
    assert ordered[:2] == [later, late]  # the category's own use first
    ordered = [i.code for i in sel.order_outcomes(indicators, usage, "training")]
    assert ordered[:2] == [late, later]  # no use in this category: overall use, then the catalogue
    assert ordered[2:] == [c for c in codes if c not in (late, later)]

    # The page shows them first for the form's category; another village keeps the catalogue.
    client.force_login(w.users["village"])
    shown, _ = shown_and_more(client.get(reverse("campaigns:activity_create")).text)
    assert shown[0] == late  # the form opens on 组织生活, where the village filled it twice
    client.force_login(w.users["village2"])
    shown, _ = shown_and_more(client.get(reverse("campaigns:activity_create")).text)
    assert shown == codes[:sel.OUTCOME_FIELDS_SHOWN]


def test_a_value_behind_more_opens_it_when_the_form_comes_back(client, w):
    code = catalogue_codes()[-1]
    client.force_login(w.users["village"])
    r = client.post(reverse("campaigns:activity_create"), form_data(w, title="", **{f"outcome_{code}": "2"}))
    assert r.status_code == 200
    assert re.search(r'id="outcome-more"\s+open', r.text)


def test_the_browser_gets_the_same_range_the_service_enforces(client, w):
    ind = Indicator.objects.get(code="households_visited")
    client.force_login(w.users["village"])
    r = client.get(reverse("campaigns:activity_create"))
    field = re.search(r'<input[^>]*name="outcome_households_visited"[^>]*>', r.text).group(0)
    assert f'data-max="{ind.max_per_activity.normalize():f}"' in field and 'data-name="走访贫困户"' in field
    with pytest.raises(ValidationError) as exc:
        validate_outcomes({"households_visited": "501"})
    assert exc.value.message_dict["households_visited"] == ["走访贫困户:501户超过单次活动的合理上限500户,请核对。"]
    r = client.post(reverse("campaigns:activity_create"), form_data(w, outcome_households_visited="501"))
    assert "走访贫困户:501户超过单次活动的合理上限500户,请核对。" in r.text
    assert not Activity.objects.exists()


def test_usage_is_counted_in_one_query(w, django_assert_num_queries):
    w.log(outcomes={"households_visited": 3})
    w.log(date=days(-5), outcomes={"households_visited": 4})
    with django_assert_num_queries(1):
        usage = sel.outcome_usage(w.villages[0])
    hv = Indicator.objects.get(code="households_visited").pk
    assert usage["org_life"][hv] == 2 and usage[""][hv] == 2


def test_a_form_sent_by_script_gets_its_redirect_as_json_and_keeps_the_message(client, w):
    client.force_login(w.users["village"])
    r = client.post(reverse("campaigns:activity_create"), form_data(w), HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    a = Activity.objects.get()
    assert r.status_code == 200 and r.json() == {"redirect": reverse("campaigns:activity_detail", args=[a.pk])}
    assert "已提交活动“七一主题党日”,等待乡镇审核。" in client.get(r.json()["redirect"]).text
    # A refused form comes back as the page itself, with the messages next to the fields.
    r = client.post(reverse("campaigns:activity_create"), form_data(w, title=""), HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert r.status_code == 200 and "有 1 处内容需要修改" in r.text


# --- photos staged ahead of the form (kept across a refused submit) ---------------------------------

def stage(client, name="a.jpg"):
    from tests.campaigns.activity_world import upload

    return client.post(reverse("campaigns:photo_stage"), {"photo": upload(name)})


def test_staged_photos_survive_a_refused_submit_and_are_attached_when_it_passes(client, w):
    client.force_login(w.users["village"])
    ids = [stage(client).json()["id"], stage(client, "b.jpg").json()["id"]]
    r = client.post(reverse("campaigns:activity_create"), form_data(w, title="", staged=ids))
    assert r.status_code == 200 and not Activity.objects.exists()
    for pk in ids:  # shown again, to their uploader, with the ids the next submit posts
        assert f'name="staged" value="{pk}"' in r.text
        assert client.get(reverse("campaigns:staged_photo", args=[pk])).status_code == 200
    r = client.post(reverse("campaigns:activity_create"), form_data(w, staged=ids))
    assert r.status_code == 302
    assert Activity.objects.get().photos.count() == 2
    from campaigns.models import StagedPhoto

    assert not StagedPhoto.objects.exists()


def test_another_users_staged_photo_is_ignored_and_not_shown(client, w):
    client.force_login(w.users["village2"])
    theirs = stage(client).json()["id"]
    client.force_login(w.users["village"])
    assert client.get(reverse("campaigns:staged_photo", args=[theirs])).status_code == 404
    r = client.post(reverse("campaigns:activity_create"), form_data(w, staged=[theirs]))
    assert r.status_code == 302 and Activity.objects.get().photos.count() == 0
    from campaigns.models import StagedPhoto

    assert StagedPhoto.objects.filter(pk=theirs).exists()


def test_a_staged_photo_is_checked_like_an_activity_photo(client, w):
    from tests.campaigns.activity_world import upload

    client.force_login(w.users["village"])
    r = client.post(reverse("campaigns:photo_stage"), {"photo": upload("x.jpg", b"nope")})
    assert r.status_code == 422 and "“x.jpg”不是可识别的图片" in r.json()["error"]
    client.force_login(w.users["inspector"])
    assert stage(client).status_code == 403


def test_expired_staged_photos_are_removed_with_their_files_by_prune_jobs(client, w):
    import io

    from django.core.management import call_command
    from django.utils import timezone

    from campaigns.models import StagedPhoto
    from campaigns.services import STAGED_PHOTO_HOURS

    client.force_login(w.users["village"])
    old, new = stage(client).json()["id"], stage(client).json()["id"]
    StagedPhoto.objects.filter(pk=old).update(
        created_at=timezone.now() - timezone.timedelta(hours=STAGED_PHOTO_HOURS + 1))
    old_file = StagedPhoto.objects.get(pk=old).image
    storage, name = old_file.storage, old_file.name
    # an expired one is no longer attached, even by its uploader
    r = client.post(reverse("campaigns:activity_create"), form_data(w, title="", staged=[old]))
    assert f'name="staged" value="{old}"' not in r.text
    out = io.StringIO()
    call_command("prune_jobs", stdout=out)
    assert "已删除 1 张过期的待提交照片。" in out.getvalue()
    assert list(StagedPhoto.objects.values_list("pk", flat=True)) == [new]
    assert not storage.exists(name)
