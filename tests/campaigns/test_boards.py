"""Issue 14, item 5: public 承诺公示 boards — readable without login at an unguessable link, no
personal data, withdrawn → 404, cached; published and withdrawn by the unit's staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.boards import cache_key, mask_personal
from campaigns.models import BoardStatus, PublicBoard
from campaigns.services import board_withdraw, commitment_save
from organizations.models import Role
from tests.clock import today
from tests.factories import make_board, make_commitment, make_org, plan_county
from tests.pairings.world import count_queries

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def c():
    county = plan_county(today().year - 1)
    pair = county.pairs[0]
    pair.village_contact, pair.village_phone, pair.bureau_phone = "王书记", "13700001111", "0458-1234567"
    pair.save()
    v = county.villages[0]
    county.mine = [
        make_commitment(county.campaign, v, content=f"修缮村文化广场,联系电话{PHONE}",
                        due_date=today() + dt.timedelta(days=30), progress="张三负责,电话13600002222"),
        make_commitment(county.campaign, v, content="为群众代办社保", status="done", completed_on=today(),
                        evidence="李四签字确认"),
        # the paired bureau's commitment made for the pair: on the village's board too
        make_commitment(county.campaign, county.bureau, pairing=pair, content="资助村卫生室设备"),
    ]
    county.cancelled = make_commitment(county.campaign, v, content="已取消的承诺", status="cancelled")
    county.others = [make_commitment(county.campaign, county.villages[1], content="邻村的承诺"),
                     make_commitment(county.campaign, county.bureau, content="农业局自己的承诺")]
    county.board = make_board(v)
    return county


def public(board):
    return reverse("board_public", args=[board.token])


def test_anonymous_reads_the_board_without_personal_data(client, c):
    r = client.get(public(c.board))
    assert r.status_code == 200
    page = r.content.decode()
    for commitment in c.mine[1:]:
        assert commitment.content in page
    assert "修缮村文化广场,联系电话[已隐去]" in page
    assert 'data-count="made">3<' in page and 'data-count="done">1<' in page
    # no phone number, no person, nothing written for the reviewers
    for secret in (PHONE, "13600002222", "13700001111", "0458-1234567", "13800000000", "王书记", "张三", "李四",
                   "张书记"):
        assert secret not in page, secret
    # exactly the unit's board: not the neighbour's, not the bureau's own, not cancelled ones
    for other in (*c.others, c.cancelled):
        assert other.content not in page
    # no menu, no private links, not indexed, cacheable by anyone, no cookie
    assert "/accounts/" not in page and "/pairings/" not in page and "/campaigns/" not in page
    assert '<meta name="robots" content="noindex' in page
    assert r["X-Robots-Tag"].startswith("noindex")
    assert r["Cache-Control"].startswith("public")
    assert not r.cookies


def test_a_signed_in_reader_gets_the_same_public_page(client, c):
    client.force_login(c.users["viewer"])
    r = client.get(public(c.board))
    assert r.status_code == 200 and r["Cache-Control"].startswith("public") and "王书记" not in r.content.decode()


def test_withdrawn_and_unknown_links_answer_404(client, c):
    url = public(c.board)
    assert client.get(url).status_code == 200  # now cached
    client.force_login(c.users["village"])
    confirm = client.get(reverse("campaigns:board_withdraw", args=[c.board.pk])).content.decode()
    assert "确定撤回" in confirm and "立即失效" in confirm
    with pytest.MonkeyPatch.context() as mp:  # run on_commit callbacks inside the test transaction
        mp.setattr("django.db.transaction.on_commit", lambda f, *a, **k: f())
        r = client.post(reverse("campaigns:board_withdraw", args=[c.board.pk]), {"reason": "内容已更新"})
    assert r.status_code == 302
    client.logout()
    assert client.get(url).status_code == 404
    c.board.refresh_from_db()
    assert c.board.status == BoardStatus.WITHDRAWN and c.board.withdrawn_by == c.users["village"]
    assert c.board.history.first().history_change_reason == "撤回公示:内容已更新"
    assert client.get(reverse("board_public", args=["A" * 32])).status_code == 404
    assert client.get(reverse("board_public", args=[str(c.board.pk)])).status_code == 404


def test_the_page_is_cached_for_a_short_time(client, c, settings):
    settings.PUBLIC_BOARD_CACHE_SECONDS = 60
    url = public(c.board)
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as second:
        assert client.get(url).status_code == 200
    assert len(second.captured_queries) < len(first.captured_queries)
    assert cache.get(cache_key(c.board.token)) is not None
    assert "max-age=60" in client.get(url)["Cache-Control"]
    # a changed commitment shows once the short TTL has passed (here: the entry dropped)
    commitment_save(actor=None, commitment=c.mine[0], campaign=c.campaign, unit=c.villages[0],
                    content="修缮村文化广场(已开工)", made_on=c.mine[0].made_on, status="in_progress")
    cache.delete(cache_key(c.board.token))
    assert "已开工" in client.get(url).content.decode()


def test_a_pairing_board_shows_exactly_the_pairs_commitments(client, c):
    pair = c.pairs[0]
    board = make_board(c.bureau, pairing=pair, actor=c.users["bureau"])
    page = client.get(public(board)).content.decode()
    assert "资助村卫生室设备" in page
    assert "修缮村文化广场" not in page and "农业局自己的承诺" not in page
    assert board.title == f"{pair.village.name}—{pair.bureau.name} 承诺公示"


def test_tokens_are_unguessable(c):
    other = make_board(c.villages[0])
    assert len(c.board.token) >= 32 and c.board.token != other.token
    assert str(c.board.pk) not in c.board.token or len(c.board.token) > 30
    assert "token" not in [f.name for f in PublicBoard.history.model._meta.fields]


def test_mask_personal():
    assert mask_personal("电话 139-1234-5678 或 0458-1234567,身份证 23070219800101123X") == \
        "电话 [已隐去] 或 [已隐去],身份证 [已隐去]"
    assert mask_personal("修路 3000 米,投资 1200000 元") == "修路 3000 米,投资 1200000 元"


# --- staff pages ------------------------------------------------------------------------------------

def test_staff_publish_a_board_and_print_its_qr_code(client, c):
    client.force_login(c.users["village"])
    signed_in_board = client.get(reverse("campaigns:board", args=[c.villages[0].pk])).content.decode()
    create = reverse("campaigns:board_create") + f"?unit={c.villages[0].pk}"
    assert create in signed_in_board
    assert f'<option value="{c.villages[0].pk}" selected>' in client.get(create).content.decode()
    r = client.post(reverse("campaigns:board_create"), {"unit": c.villages[0].pk, "campaign": c.campaign.pk})
    board = PublicBoard.objects.latest("pk")
    assert r.status_code == 302 and r["Location"] == reverse("campaigns:board_detail", args=[board.pk])
    page = client.get(r["Location"]).content.decode()
    assert "<svg" in page and board.token in page and "打印二维码" in page
    assert board.created_by == c.users["village"] and board.title == f"{c.villages[0].name} 承诺公示"
    # another village's secretary may not publish for this village (not a choice), nor see the board
    client.force_login(c.users["village2"])
    r = client.post(reverse("campaigns:board_create"), {"unit": c.villages[0].pk})
    assert r.status_code == 200 and PublicBoard.objects.count() == 2
    assert client.get(reverse("campaigns:board_detail", args=[board.pk])).status_code == 404
    client.force_login(c.users["inspector"])
    assert client.get(reverse("campaigns:board_create")).status_code == 403
    assert client.post(reverse("campaigns:board_withdraw", args=[board.pk])).status_code == 403


def test_withdrawn_board_page_says_so(client, c):
    board_withdraw(actor=None, board=c.board)
    client.force_login(c.users["county"])
    page = client.get(reverse("campaigns:board_detail", args=[c.board.pk])).content.decode()
    assert "原链接和二维码已失效" in page and "<svg" not in page


def test_board_list_keeps_a_constant_number_of_queries(client, c):
    client.force_login(c.users["county"])
    url = reverse("campaigns:board_list")
    few = count_queries(client, url)
    for v in c.villages:
        make_org(v)
        make_board(v, campaign=c.campaign)
        make_board(v, pairing=c.pairs[0] if v == c.villages[0] else None)
    page = client.get(url).content.decode()
    assert c.villages[3].name in page
    assert count_queries(client, url) == few


def test_board_admin_is_scoped(client, c):
    from tests.factories import make_staff

    staff = make_staff("staff_v2", Role.VILLAGE_SECRETARY, c.villages[1])
    client.force_login(staff)
    assert client.get(reverse("admin:campaigns_publicboard_change", args=[c.board.pk])).status_code in (302, 404)
    county_staff = make_staff("staff_c", Role.COUNTY_ADMIN, c.county)
    client.force_login(county_staff)
    assert client.get(reverse("admin:campaigns_publicboard_change", args=[c.board.pk])).status_code == 200
