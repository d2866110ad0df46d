"""Hostile photos and oversized uploads on the activity form (issue 10): a decompression bomb is
refused with a Chinese message (never a 500), a too-large picture is refused from its header
before any pixel is decoded, and a body above UPLOAD_MAX_REQUEST_BYTES gets a Chinese 413."""

from __future__ import annotations

import pytest
from django.urls import reverse
from PIL import PngImagePlugin

from campaigns.models import Activity, ActivityPhoto
from demo.hostile_files import bomb_png
from tests.campaigns.activity_world import World, image_bytes, media, upload  # noqa: F401
from tests.campaigns.test_activities import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(media):  # noqa: F811
    return World()


def post_photos(client, w, *photos):
    client.force_login(w.users["village"])
    return client.post(reverse("campaigns:activity_create"), {**form_data(w), "photos": list(photos)})


def test_a_decompression_bomb_is_refused_with_a_form_message_not_a_500(client, w):
    bomb = bomb_png(30_000, 30_000)  # 900 million pixels in a small file
    assert len(bomb) < 1_000_000
    r = post_photos(client, w, upload("bomb.png", bomb, "image/png"))
    assert r.status_code == 200
    assert "“bomb.png”像素过大(最多约 50 百万像素),请缩小后再上传。" in r.text
    assert not Activity.objects.exists() and not ActivityPhoto.objects.exists()


def test_a_too_large_picture_is_refused_from_its_header_before_decoding(client, w, monkeypatch):
    decoded = []
    original = PngImagePlugin.PngImageFile.load

    def load(self):
        decoded.append(self.size)
        return original(self)

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", load)
    r = post_photos(client, w, upload("big.png", bomb_png(9_000, 9_000), "image/png"))  # 81 million pixels
    assert r.status_code == 200 and "“big.png”像素过大" in r.text
    assert decoded == []  # never decoded
    assert not Activity.objects.exists()


def test_the_pixel_cap_is_a_setting_and_a_normal_photo_still_passes(client, w, settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    r = post_photos(client, w, upload("wide.png", image_bytes("PNG", (1200, 900)), "image/png"))
    assert r.status_code == 200 and "“wide.png”像素过大(最多约 1 百万像素)" in r.text
    r = post_photos(client, w, upload("ok.jpg", image_bytes("JPEG", (1000, 800))))
    assert r.status_code == 302
    assert Activity.objects.get().photos.count() == 1


def test_a_body_above_the_upload_cap_gets_a_chinese_413_and_nothing_is_saved(client, w, settings):
    # The default fits a full set of photos: 9 × 10 MB plus 1 MB for the other fields.
    assert settings.UPLOAD_MAX_REQUEST_BYTES == 9 * 10 * 1024 * 1024 + 1024 * 1024
    settings.UPLOAD_MAX_REQUEST_BYTES = 200_000
    photos = [upload(f"p{i}.jpg", image_bytes("PNG", (400, 400)) + b"\0" * 60_000, "image/png") for i in range(4)]
    r = post_photos(client, w, *photos)
    assert r.status_code == 413
    assert "上传的内容太大" in r.text and "一次最多 0.2 MB" in r.text
    assert not Activity.objects.exists() and not ActivityPhoto.objects.exists()
    # A request within the cap goes through as before.
    r = post_photos(client, w, upload("ok.jpg", image_bytes("JPEG", (400, 300))))
    assert r.status_code == 302 and Activity.objects.count() == 1
