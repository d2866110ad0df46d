"""Measured phone-form run: a village secretary on a 390×844 phone with a throttled 2 Mbit/s
uplink logs an activity with two ordinary 3 MB phone photos and three outcome values.

The photos are shrunk in the browser before upload, so what goes up is asserted (≤ 1 MB; it is
deterministic); the whole task's time is printed (it depends on the machine). Run with ``-s`` to
see the line ``phone form: … bytes sent … s``. Also checked: a missing title is reported before
anything is sent, the outcome section starts within two screens, a value above the plausible
range is refused in the browser, and the stored photos are upright (orientation kept)."""

import io
import random
import time

import pytest
from django.core.signals import request_started
from PIL import Image

from campaigns.models import Activity
from tests.campaigns.activity_world import days, media  # noqa: F401
from tests.e2e.helpers import login

pytestmark = pytest.mark.django_db(transaction=True)

UPLINK = 250_000  # bytes/s: 2 Mbit/s
SCREEN = 844


def phone_photo(path, seed, portrait=False):
    """A 4000×3000 JPEG of about 3 MB that compresses like a photo (smooth shapes and sensor
    noise); ``portrait`` stores it landscape with EXIF orientation 6 (a phone held upright)."""
    rnd = random.Random(seed)
    small = Image.new("RGB", (80, 60))
    small.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(80 * 60)])
    img = small.resize((4000, 3000), Image.BICUBIC)
    noise = Image.effect_noise((4000, 3000), 24).convert("RGB")
    img = Image.blend(img, noise, 0.12)
    exif = Image.Exif()
    if portrait:
        exif[0x0112] = 6
    for quality in (92, 88, 84, 80, 76):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality, exif=exif.tobytes())
        if buf.tell() <= 3_300_000:
            break
    path.write_bytes(buf.getvalue())
    return str(path)


@pytest.fixture
def photos(tmp_path):
    return [phone_photo(tmp_path / "IMG_0001.jpg", 1), phone_photo(tmp_path / "IMG_0002.jpg", 2, portrait=True)]


def test_two_3mb_photos_and_three_outcomes_on_a_2mbit_uplink(live_server, phone, shot, w, photos):
    import os

    base, page = live_server.url, phone
    for day in (-20, -10):  # the village's own history: what it fills for 送科技下乡
        w.log(category="tech_to_countryside", date=days(day),
              outcomes={"people_trained": 20, "info_posts": 1, "households_visited": 5})
    sizes = [os.path.getsize(p) for p in photos]
    assert all(2_500_000 <= s <= 3_400_000 for s in sizes), sizes
    login(page, base, "village")

    sent = []  # the request bodies' sizes as the server receives them (Content-Length)

    def received(sender, environ, **kwargs):
        if environ.get("REQUEST_METHOD") == "POST":
            sent.append(int(environ.get("CONTENT_LENGTH") or 0))

    request_started.connect(received)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 100,
                                                  "downloadThroughput": 1_250_000, "uploadThroughput": UPLINK})
    started = time.monotonic()
    page.goto(f"{base}/campaigns/activities/new/")
    page.wait_for_selector("h1:has-text('填报共建活动')")

    # The outcome section starts within two screens of the top.
    top = page.evaluate("document.getElementById('outcomes').getBoundingClientRect().top + window.scrollY")
    assert top <= 2 * SCREEN, top

    page.set_input_files("#id_photos", photos)
    page.wait_for_function("() => document.querySelectorAll('#photo-previews .photo-cell').length === 2")
    page.wait_for_function("() => [...document.querySelectorAll('#photo-previews img')].every(i => i.complete && i.naturalWidth > 0)")
    shrunk = page.locator("#photo-previews .photo-size").all_inner_texts()
    assert all(t.endswith("KB") for t in shrunk), shrunk

    # A missing title and an implausible value: told before anything is sent.
    page.fill("#id_title", "")
    page.click("#outcomes summary")
    page.fill("#id_outcome_households_visited", "9999")
    page.click("#activity-submit")
    page.wait_for_selector("#form-check:has-text('还没有上传任何内容')")
    check = page.inner_text("#form-check")
    assert "活动名称:必填" in check and "走访贫困户:9999户超过单次活动的合理上限500户" in check
    assert sent == [], "nothing is sent while the form has problems"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "activity-form-check-phone")

    # Choosing the category puts what the village fills for it first (no "更多" needed).
    page.select_option("#id_category", "tech_to_countryside")
    first = page.locator("#outcome-shown .outcome-input").evaluate_all("els => els.slice(0, 3).map(e => e.name)")
    assert sorted(first) == ["outcome_households_visited", "outcome_info_posts", "outcome_people_trained"]
    assert not page.locator("#outcome-more").evaluate("d => d.open")
    page.fill("#id_title", "送科技下乡:果树修剪培训")
    page.fill("#id_participants", "38")
    page.fill("#id_outcome_households_visited", "12")
    page.fill("#id_outcome_people_trained", "38")
    page.fill("#id_outcome_info_posts", "2")
    page.click("#activity-submit")
    page.wait_for_selector("#upload-progress:not([hidden])")
    page.wait_for_selector("#activity-status:has-text('待审核')", timeout=120_000)
    elapsed = time.monotonic() - started
    request_started.disconnect(received)
    total = sum(sent)
    print(f"\nphone form: 2 photos of {sizes[0]:,} + {sizes[1]:,} bytes, 3 outcomes; "
          f"{total:,} bytes sent in {len(sent)} POST(s) at 2 Mbit/s uplink (100 ms latency); "
          f"whole task {elapsed:.1f} s (from opening the form to the saved activity)")
    shot(page, "activity-phone-form-uploaded")
    assert total <= 1_000_000, total

    a = Activity.objects.get(title="送科技下乡:果树修剪培训")
    assert a.photos.count() == 2
    assert {o.indicator.code: int(o.value) for o in a.outcomes.all()} == {
        "households_visited": 12, "people_trained": 38, "info_posts": 2}
    upright = a.photos.order_by("pk")[1]
    assert upright.height > upright.width  # the portrait photo's EXIF orientation was kept
