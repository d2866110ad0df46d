"""No lost or doubled writes on the activity form: a double-submitted form makes one record (the
hidden token of organizations.submissions), and a request whose upload did not arrive whole saves
nothing (cobuild.body) — the phone that lost its connection mid-upload."""

from __future__ import annotations

import io
import re

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from campaigns.models import Activity, ActivityPhoto
from organizations.models import Submission
from organizations.submissions import DUPLICATE_MESSAGE
from tests.campaigns.activity_world import World, image_bytes, media, upload  # noqa: F401
from tests.campaigns.test_activities import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(media):  # noqa: F811
    return World()


def url(name, *args):
    return reverse(f"campaigns:{name}", args=args)


def token_of(html: str) -> str:
    return re.search(r'name="submit_token" value="([0-9a-f]{32})"', html).group(1)


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


# --- a double-submitted form -------------------------------------------------------------------------

def test_submitting_the_same_form_twice_saves_one_activity_and_shows_the_first(client, w):
    client.force_login(w.users["village"])
    token = token_of(client.get(url("activity_create")).text)
    first = client.post(url("activity_create"), form_data(w, submit_token=token, photos=[upload()]))
    assert first.status_code == 302
    activity = Activity.objects.get()
    assert first.url == url("activity_detail", activity.pk)

    again = client.post(url("activity_create"), form_data(w, submit_token=token, photos=[upload()]), follow=True)
    assert again.redirect_chain == [(url("activity_detail", activity.pk), 302)]
    assert DUPLICATE_MESSAGE in again.text and "七一主题党日" in again.text
    assert Activity.objects.count() == 1 and ActivityPhoto.objects.count() == 1
    sub = Submission.objects.get()
    assert (sub.user, sub.record_type, sub.record_id) == (w.users["village"], "campaigns.activity", activity.pk)


def test_a_new_form_gets_a_new_token_and_saves_a_second_activity(client, w):
    client.force_login(w.users["village"])
    for title in ("第一次", "第二次"):
        token = token_of(client.get(url("activity_create")).text)
        assert client.post(url("activity_create"), form_data(w, submit_token=token, title=title)).status_code == 302
    assert sorted(Activity.objects.values_list("title", flat=True)) == ["第一次", "第二次"]


def test_a_refused_submit_keeps_its_token_unused_and_the_corrected_one_saves(client, w):
    client.force_login(w.users["village"])
    token = token_of(client.get(url("activity_create")).text)
    r = client.post(url("activity_create"), form_data(w, submit_token=token, date="2099-01-01"))
    assert r.status_code == 200 and "活动日期不能晚于今天" in r.text
    assert token_of(r.text) == token and not Submission.objects.exists()
    assert client.post(url("activity_create"), form_data(w, submit_token=token)).status_code == 302
    assert Activity.objects.count() == 1


def test_another_users_token_does_nothing_to_the_first_users_record(client, w):
    client.force_login(w.users["village"])
    token = token_of(client.get(url("activity_create")).text)
    client.post(url("activity_create"), form_data(w, submit_token=token))
    mine = Activity.objects.get()

    client.force_login(w.users["bureau"])  # the other side of the same pairing, same token
    r = client.post(url("activity_create"), form_data(w, submit_token=token, title="联络员的活动"))
    theirs = Activity.objects.exclude(pk=mine.pk).get()
    assert r.url == url("activity_detail", theirs.pk) and theirs.author == w.users["bureau"]

    client.force_login(w.users["village2"])  # out of scope: refused as always, token or not
    r = client.post(url("activity_create"), form_data(w, submit_token=token))
    assert r.status_code == 200 and Activity.objects.count() == 2


def test_a_post_without_token_still_saves(client, w):
    client.force_login(w.users["village"])
    for _ in range(2):
        assert client.post(url("activity_create"), form_data(w)).status_code == 302
    assert Activity.objects.count() == 2 and not Submission.objects.exists()


# --- an upload that did not arrive whole ---------------------------------------------------------------

def multipart(w, **over) -> bytes:
    data = form_data(w, **over)
    return encode_multipart(BOUNDARY, data)


def post_body(client, path, body: bytes, *, length: int | None = None, stream=None):
    """POST ``body`` as the WSGI input, announcing ``length`` bytes (default: its own length)."""
    return client.generic("POST", path, b"", content_type=MULTIPART_CONTENT, **{
        "CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body) if length is None else length),
        "wsgi.input": stream or io.BytesIO(body)})


class DroppingStream(io.BytesIO):
    """A connection reset after ``limit`` bytes (a server that raises on the broken read)."""

    def __init__(self, data, limit):
        super().__init__(data)
        self.limit = limit

    def read(self, size=-1):
        if self.tell() >= self.limit:
            raise ConnectionResetError("client went away")
        return super().read(min(size, self.limit - self.tell()) if size and size > 0 else self.limit - self.tell())


def test_the_crafted_body_saves_when_it_is_whole(client, w, media):  # noqa: F811
    client.force_login(w.users["village"])
    body = multipart(w, photos=[upload("a.jpg"), upload("b.jpg")])
    r = post_body(client, url("activity_create"), body)
    assert r.status_code == 302
    assert Activity.objects.get().photos.count() == 2 and len(stored_files(media)) == 2


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.999])
def test_a_body_cut_short_saves_nothing_and_says_why(client, w, media, cut):  # noqa: F811
    """Django would parse the fields and the photos that arrived and drop the rest: the activity
    would be saved with half its photos. The view answers 400 instead and saves nothing."""
    client.force_login(w.users["village"])
    body = multipart(w, photos=[upload("a.jpg"), upload("b.jpg", data=image_bytes(color=(0, 90, 0)))])
    r = post_body(client, url("activity_create"), body[: int(len(body) * cut)], length=len(body))
    assert r.status_code == 400
    assert "没有完整送达" in r.text and "没有保存任何内容" in r.text
    assert not Activity.objects.exists() and not ActivityPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_connection_reset_mid_upload_saves_nothing(client, w, media):  # noqa: F811
    client.force_login(w.users["village"])
    body = multipart(w, photos=[upload("a.jpg")])
    r = post_body(client, url("activity_create"), body, stream=DroppingStream(body, len(body) // 2))
    assert r.status_code == 400 and "没有完整送达" in r.text
    assert not Activity.objects.exists() and stored_files(media) == []


def test_an_edit_cut_short_changes_nothing(client, w, media):  # noqa: F811
    a = w.log(title="原标题")
    client.force_login(w.users["village"])
    body = multipart(w, title="新标题", version=str(a.version), photos=[upload()])
    r = post_body(client, url("activity_edit", a.pk), body[: len(body) - 100], length=len(body))
    assert r.status_code == 400
    a.refresh_from_db()
    assert a.title == "原标题" and not a.photos.exists()
    assert post_body(client, url("activity_edit", a.pk), body).status_code == 302
    a.refresh_from_db()
    assert a.title == "新标题" and a.photos.count() == 1


def test_old_tokens_are_forgotten_by_prune_jobs_and_listed_in_the_admin(client, w, settings):
    import datetime as dt
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    from tests.factories import make_user

    client.force_login(w.users["village"])
    for _ in range(2):
        token = token_of(client.get(url("activity_create")).text)
        client.post(url("activity_create"), form_data(w, submit_token=token))
    Submission.objects.filter(pk=Submission.objects.order_by("pk").first().pk).update(
        created_at=timezone.now() - dt.timedelta(hours=settings.SUBMISSIONS_KEEP_HOURS + 1))
    out = StringIO()
    call_command("prune_jobs", stdout=out)
    assert "已清除 1 条过期的表单提交令牌" in out.getvalue() and Submission.objects.count() == 1

    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    r = client.get(reverse("admin:organizations_submission_changelist"), {"q": "village"})
    assert r.status_code == 200 and "campaigns.activity" in r.text


def test_an_import_file_cut_short_is_refused_before_its_preview(client, w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from organizations.models import ImportJob

    client.force_login(w.users["county"])
    lines = ["code,name,kind,parent_code"] + [f"NV{i},新村{i},village,{w.townships[0].code}" for i in range(200)]
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("units.csv", "\n".join(lines).encode())})
    path = reverse("organizations:import_upload", args=["units"])
    r = post_body(client, path, body[: len(body) // 2], length=len(body))
    assert r.status_code == 400 and "没有完整送达" in r.text and not ImportJob.objects.exists()
    assert post_body(client, path, body).status_code == 302 and ImportJob.objects.count() == 1
