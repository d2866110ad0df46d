"""Public commitments (公开承诺): the service's rules, the pages for each role, optimistic
locking, the 承诺公示 board and constant query counts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Commitment, CommitmentStatus
from campaigns.services import StaleEdit, campaign_save, commitment_save
from organizations.models import Role, UnitKind
from tests.clock import today
from tests.factories import make_org, make_unit, make_user

from .commitment_world import World, bulk_commitments, days

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def url(name, *args):
    return reverse(f"campaigns:{name}", args=args)


def form_data(w, **overrides):
    data = {"campaign": w.campaign.pk, "organization": "", "pairing": "", "content": "为村里修一条路",
            "made_on": str(days(-10)), "due_date": str(days(60)), "status": CommitmentStatus.PENDING,
            "progress": "", "completed_on": "", "evidence": ""}
    data.update(overrides)
    return data


# --- the service ----------------------------------------------------------------------------------

def test_done_needs_a_completion_date(w):
    with pytest.raises(ValidationError) as e:
        w.commit(status=CommitmentStatus.DONE)
    assert "completed_on" in e.value.message_dict
    c = w.commit(status=CommitmentStatus.DONE, completed_on=days(-1))
    assert c.completed_on == days(-1)


def test_due_date_before_made_on_is_refused(w):
    with pytest.raises(ValidationError) as e:
        w.commit(made_on=days(-10), due_date=days(-20))
    assert "due_date" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        w.commit(made_on=days(-10), status=CommitmentStatus.DONE, completed_on=days(-20))
    assert "completed_on" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        w.commit(status=CommitmentStatus.DONE, completed_on=days(3))
    assert "completed_on" in e.value.message_dict


def test_completion_date_is_dropped_unless_done(w):
    c = w.commit(status=CommitmentStatus.IN_PROGRESS, completed_on=days(-1))
    assert c.completed_on is None


def test_organisation_and_pairing_must_belong_to_the_unit(w):
    other_org = w.villages[1].organizations.first()
    with pytest.raises(ValidationError) as e:
        w.commit(organization=other_org)
    assert "organization" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        w.commit(pairing=w.pairing2)
    assert "pairing" in e.value.message_dict


def test_who_may_record_commitments(w):
    u = w.users
    assert w.commit(actor=u["village"]).pk
    assert w.commit(actor=u["township"]).pk
    assert w.commit(actor=u["county"]).pk
    assert w.commit(unit=w.bureau, actor=u["bureau"]).pk
    assert w.commit(unit=w.bureau, actor=u["bureau"], pairing=w.pairing).pk  # its own, for the pair
    # A commitment is its unit's: the bureau's liaison does not commit for the paired village.
    with pytest.raises(PermissionDenied):
        w.commit(actor=u["bureau"], pairing=w.pairing)
    with pytest.raises(PermissionDenied):
        w.commit(actor=u["bureau"])
    with pytest.raises(PermissionDenied):  # nor the village for the bureau
        w.commit(unit=w.bureau, actor=u["village"], pairing=w.pairing)
    for name in ("village2", "inspector", "viewer"):
        with pytest.raises(PermissionDenied):
            w.commit(actor=u[name])
    with pytest.raises(PermissionDenied):
        w.commit(unit=w.villages[2], actor=u["township"])


def test_stale_version_is_refused_and_versions_count_up(w):
    c = w.commit()
    assert c.version == 1
    commitment_save(actor=None, commitment=c, campaign=w.campaign, unit=c.unit, content="改了", made_on=c.made_on,
                    expected_version=1)
    c.refresh_from_db()
    assert c.version == 2 and c.content == "改了"
    with pytest.raises(StaleEdit):
        commitment_save(actor=None, commitment=c, campaign=w.campaign, unit=c.unit, content="旧页面",
                        made_on=c.made_on, expected_version=1)
    c.refresh_from_db()
    assert c.content == "改了" and c.version == 2


def test_overdue(w):
    late = w.commit(due_date=days(-1))
    w.commit(due_date=days(-1), status=CommitmentStatus.DONE, completed_on=days(-2))
    w.commit(due_date=days(-1), status=CommitmentStatus.CANCELLED)
    w.commit(due_date=days(5))
    w.commit()
    assert late.is_overdue
    assert list(Commitment.objects.overdue()) == [late]


def test_scope_of_each_role(w):
    mine = w.commit()
    other = w.commit(unit=w.villages[1])
    bureau_own = w.commit(unit=w.bureau)
    for_pairing = w.commit(unit=w.bureau, pairing=w.pairing)
    far = w.commit(unit=w.villages[2])
    u = w.users

    def seen(name):
        return set(Commitment.objects.for_user(u[name]))

    assert seen("village") == {mine, for_pairing}
    assert seen("village2") == {other}
    assert seen("township") == {mine, other, for_pairing}
    assert seen("bureau") == {bureau_own, for_pairing}
    assert seen("inspector") == seen("county") == seen("viewer") == {mine, other, bureau_own, for_pairing, far}


# --- pages: access for each role ------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, w):
    c = w.commit()
    for path in (url("commitment_list"), url("commitment_detail", c.pk), url("commitment_edit", c.pk),
                 url("commitment_create"), url("board", w.villages[0].pk)):
        r = client.get(path)
        assert r.status_code == 302 and r.url.startswith("/accounts/login/")


@pytest.mark.parametrize("role, list_ok, detail, edit, create", [
    ("county", True, 200, 200, 200),
    ("township", True, 200, 200, 200),
    ("village", True, 200, 200, 200),
    ("village2", True, 404, 404, 200),
    ("bureau", True, 404, 404, 200),
    ("inspector", True, 200, 403, 403),
    ("viewer", True, 200, 403, 403),
])
def test_each_role_on_a_village_commitment(client, w, role, list_ok, detail, edit, create):
    c = w.commit(content="村级承诺甲")
    client.force_login(w.users[role])
    r = client.get(url("commitment_list"))
    assert r.status_code == 200
    assert ("村级承诺甲" in r.text) == (detail == 200)
    assert client.get(url("commitment_detail", c.pk)).status_code == detail
    assert client.get(url("commitment_edit", c.pk)).status_code == edit
    assert client.get(url("commitment_status", c.pk)).status_code == edit
    assert client.get(url("commitment_create")).status_code == create


def test_each_side_of_a_pairing_sees_but_does_not_edit_the_others_commitments(client, w):
    village_own = w.commit(pairing=w.pairing, content="村的共建承诺")
    bureau_own = w.commit(unit=w.bureau, pairing=w.pairing, content="局的共建承诺")
    for user, theirs, mine in ((w.users["bureau"], village_own, bureau_own),
                               (w.users["village"], bureau_own, village_own)):
        client.force_login(user)
        assert client.get(url("commitment_detail", theirs.pk)).status_code == 200
        for name in ("commitment_edit", "commitment_status"):
            assert client.get(url(name, theirs.pk)).status_code == 403
            assert client.get(url(name, mine.pk)).status_code == 200
        r = client.post(url("commitment_status", theirs.pk), {"status": "cancelled", "version": theirs.version})
        assert r.status_code == 403
        with pytest.raises(PermissionDenied):
            commitment_save(actor=user, commitment=theirs, campaign=w.campaign, unit=theirs.unit,
                            content="改写", made_on=theirs.made_on, pairing=w.pairing, status="cancelled")
        theirs.refresh_from_db()
        assert theirs.status == "pending" and "改写" not in theirs.content


def test_create_is_preselected_for_a_village_secretary(client, w):
    client.force_login(w.users["village"])
    r = client.get(url("commitment_create"))
    assert r.status_code == 200
    assert w.villages[0].name in r.text
    form = r.context["form"]
    assert form.initial["pairing"] == w.pairing.pk  # the one pairing is preselected
    assert set(form.fields["organization"].queryset) == set(w.villages[0].organizations.all())
    assert list(form.fields["pairing"].queryset) == [w.pairing]
    r = client.post(url("commitment_create"), form_data(w, pairing=w.pairing.pk))
    c = Commitment.objects.get()
    assert r.status_code == 302 and r.url == url("commitment_detail", c.pk)
    assert c.unit == w.villages[0] and c.pairing == w.pairing and c.content == "为村里修一条路"


def test_create_for_a_bureau_liaison_is_their_bureau(client, w):
    client.force_login(w.users["bureau"])
    r = client.get(url("commitment_create"))
    assert r.status_code == 200 and r.context["unit"] == w.bureau
    r = client.post(url("commitment_create"), form_data(w, organization=w.bureau_party.pk, pairing=w.pairing.pk))
    assert r.status_code == 302
    c = Commitment.objects.get()
    assert (c.unit, c.organization, c.pairing) == (w.bureau, w.bureau_party, w.pairing)


def test_township_staff_picks_a_unit_in_their_township(client, w):
    client.force_login(w.users["township"])
    r = client.get(url("commitment_create"))
    assert r.status_code == 200 and "选择承诺单位" in r.text
    assert w.villages[1].name in r.text and w.villages[2].name not in r.text
    assert client.get(url("commitment_create"), {"unit": w.villages[1].pk}).status_code == 200
    assert client.get(url("commitment_create"), {"unit": w.villages[2].pk}).status_code == 404
    assert client.get(url("commitment_create"), {"unit": "x"}).status_code == 404
    r = client.post(url("commitment_create") + f"?unit={w.villages[1].pk}", form_data(w))
    assert r.status_code == 302 and Commitment.objects.get().unit == w.villages[1]


def test_inspector_cannot_create_even_with_a_unit(client, w):
    client.force_login(w.users["inspector"])
    assert client.get(url("commitment_create"), {"unit": w.villages[0].pk}).status_code == 403
    assert client.post(url("commitment_create") + f"?unit={w.villages[0].pk}", form_data(w)).status_code == 403
    assert not Commitment.objects.exists()


def test_foreign_ids_in_the_form_are_rejected(client, w):
    client.force_login(w.users["village"])
    other_county = make_unit(UnitKind.COUNTY, w.city, name="邻县")
    foreign_campaign, _ = campaign_save(actor=None, slug="other", name="邻县活动", owner_unit=other_county,
                                        start_date=days(-10))
    cases = {
        "organization": w.villages[1].organizations.first().pk,
        "pairing": w.pairing2.pk,
        "campaign": foreign_campaign.pk,
    }
    for field, foreign in cases.items():
        r = client.post(url("commitment_create"), form_data(w, **{field: foreign}))
        assert r.status_code == 200
        assert r.context["form"].errors[field]
    assert not Commitment.objects.exists()


def test_status_rules_show_as_form_errors(client, w):
    client.force_login(w.users["village"])
    r = client.post(url("commitment_create"), form_data(w, status=CommitmentStatus.DONE))
    assert r.status_code == 200 and "已完成的承诺请填写完成日期" in r.text
    r = client.post(url("commitment_create"), form_data(w, made_on=str(days(-5)), due_date=str(days(-9))))
    assert r.status_code == 200 and "承诺时限不能早于承诺日期" in r.text
    assert not Commitment.objects.exists()


def test_status_update_to_done_with_evidence(client, w):
    c = w.commit(due_date=days(-3))
    client.force_login(w.users["village"])
    data = {"status": CommitmentStatus.DONE, "progress": "已修好", "completed_on": "", "evidence": "验收单",
            "version": c.version}
    r = client.post(url("commitment_status", c.pk), data)
    assert r.status_code == 200 and "已完成的承诺请填写完成日期" in r.text
    data["completed_on"] = str(days(-1))
    r = client.post(url("commitment_status", c.pk), data)
    assert r.status_code == 302
    c.refresh_from_db()
    assert (c.status, c.completed_on, c.evidence, c.version) == (CommitmentStatus.DONE, days(-1), "验收单", 2)
    assert not c.is_overdue


def test_second_save_from_an_older_page_is_refused_and_keeps_the_typed_text(client, w):
    c = w.commit(content="原来的内容")
    client.force_login(w.users["village"])
    other = w.users["township"]
    first = client.get(url("commitment_edit", c.pk)).context["form"].initial["version"]
    # Someone else saves in between.
    commitment_save(actor=other, commitment=c, campaign=w.campaign, unit=c.unit, content="乡镇改过的内容",
                    made_on=c.made_on, expected_version=first)
    r = client.post(url("commitment_edit", c.pk), form_data(w, content="我在旧页面上写的内容", version=first))
    assert r.status_code == 200
    assert "已被他人修改" in r.text or "已被township" in r.text
    assert "您填写的内容仍保留" in r.text
    assert "我在旧页面上写的内容" in r.text  # the typed text is still in the form
    assert f'href="{url("commitment_edit", c.pk)}" target="_blank"' in r.text  # the latest version
    assert "乡镇改过的内容" in r.text  # what is stored now is shown
    c.refresh_from_db()
    assert c.content == "乡镇改过的内容" and c.version == 2
    # Opening the latest version and saving again works.
    r = client.post(url("commitment_edit", c.pk), form_data(w, content="合并后的内容", version=2))
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.content == "合并后的内容" and c.version == 3


def test_stale_status_update_is_refused(client, w):
    c = w.commit()
    client.force_login(w.users["village"])
    commitment_save(actor=None, commitment=c, campaign=w.campaign, unit=c.unit, content=c.content,
                    made_on=c.made_on, status=CommitmentStatus.IN_PROGRESS, progress="别人写的进展")
    r = client.post(url("commitment_status", c.pk), {"status": CommitmentStatus.CANCELLED, "progress": "我的进展",
                                                      "completed_on": "", "evidence": "", "version": 1})
    assert r.status_code == 200 and "我的进展" in r.text and "别人写的进展" in r.text
    c.refresh_from_db()
    assert c.status == CommitmentStatus.IN_PROGRESS


def test_a_missing_version_is_a_form_error(client, w):
    c = w.commit()
    client.force_login(w.users["village"])
    r = client.post(url("commitment_edit", c.pk), form_data(w))
    assert r.status_code == 200 and r.context["form"].errors["version"]


# --- the list -------------------------------------------------------------------------------------

def test_list_filters_and_overdue_highlight(client, w):
    late = w.commit(content="逾期的承诺", due_date=days(-2))
    w.commit(content="已完成的承诺", status=CommitmentStatus.DONE, completed_on=days(-1))
    w.commit(unit=w.villages[1], content="二村的承诺")
    w.commit(unit=w.bureau, pairing=w.pairing, content="农业局的结对承诺")
    client.force_login(w.users["county"])

    def shown(**params):
        r = client.get(url("commitment_list"), params)
        assert r.status_code == 200
        return {c.content for c in r.context["page"]}

    assert shown() == {"逾期的承诺", "已完成的承诺", "二村的承诺", "农业局的结对承诺"}
    assert shown(status="done") == {"已完成的承诺"}
    assert shown(overdue="on") == {"逾期的承诺"}
    assert shown(q="二村") == {"二村的承诺"}
    assert shown(q=w.villages[1].name) == {"二村的承诺"}
    assert shown(unit=w.villages[1].pk) == {"二村的承诺"}
    assert shown(unit=w.townships[0].pk) == {"逾期的承诺", "已完成的承诺", "二村的承诺"}
    assert shown(pairing=w.pairing.pk) == {"农业局的结对承诺"}
    r = client.get(url("commitment_list"))
    assert "commitment-overdue" in r.text and "逾期" in r.text
    assert r.text.count("commitment-overdue") == 1
    assert late.content in r.text


def test_list_refuses_foreign_filter_ids(client, w):
    w.commit(content="一村的承诺")
    w.commit(unit=w.villages[1], content="二村的承诺")
    client.force_login(w.users["village"])
    for params in ({"unit": w.villages[1].pk}, {"pairing": w.pairing2.pk}):
        r = client.get(url("commitment_list"), params)
        assert r.status_code == 200
        assert list(r.context["page"]) == [] and "筛选条件无效" in r.text


def test_list_shows_counts_and_paginates(client, w):
    bulk_commitments(w, w.villages[0], 45, done_every=3, overdue_every=1000)
    client.force_login(w.users["village"])
    r = client.get(url("commitment_list"))
    assert len(r.context["page"]) == 30 and r.context["page"].paginator.count == 45
    counts = r.context["counts"]
    assert counts["made"] == 45 and counts["done"] == 15 and str(counts["rate"]) == "33.33"
    assert len(client.get(url("commitment_list"), {"page": 2}).context["page"]) == 15


# --- the board ------------------------------------------------------------------------------------

def test_village_board_counts_and_pairing_commitments(client, w):
    w.commit(content="村承诺一", status=CommitmentStatus.DONE, completed_on=days(-1))
    w.commit(content="村承诺二", due_date=days(-1))
    w.commit(content="村承诺三", status=CommitmentStatus.CANCELLED)
    w.commit(unit=w.bureau, pairing=w.pairing, content="农业局为本村承诺", status=CommitmentStatus.DONE,
             completed_on=days(-2))
    w.commit(unit=w.bureau, content="农业局内部承诺")
    w.commit(unit=w.villages[1], content="二村承诺")
    client.force_login(w.users["village"])
    r = client.get(url("board", w.villages[0].pk))
    assert r.status_code == 200
    contents = [c.content for c in r.context["rows"]]
    assert set(contents) == {"村承诺一", "村承诺二", "村承诺三", "农业局为本村承诺"}
    assert contents[0] == "村承诺二" and contents[-1] == "村承诺三"  # open first, cancelled last
    counts = r.context["counts"]
    assert (counts["made"], counts["done"], counts["overdue"], str(counts["rate"])) == (3, 2, 1, "66.67")
    assert 'data-count="rate">66.67%' in r.text
    assert "县农业局" in r.text and "data-print" in r.text


def test_bureau_board_and_scope(client, w):
    w.commit(unit=w.bureau, content="农业局内部承诺")
    w.commit(unit=w.bureau, pairing=w.pairing, content="农业局为一村承诺")
    w.commit(content="一村自己的承诺")
    client.force_login(w.users["bureau"])
    r = client.get(url("board", w.bureau.pk))
    assert {c.content for c in r.context["rows"]} == {"农业局内部承诺", "农业局为一村承诺"}
    assert r.context["counts"]["made"] == 2
    assert client.get(url("board", w.villages[0].pk)).status_code == 404
    assert client.get(url("board", w.bureau2.pk)).status_code == 404
    client.force_login(w.users["village2"])
    assert client.get(url("board", w.villages[0].pk)).status_code == 404
    assert client.get(url("board", w.villages[1].pk)).status_code == 200
    client.force_login(w.users["viewer"])
    assert client.get(url("board", w.villages[0].pk)).status_code == 200


def test_board_campaign_filter_is_scoped(client, w):
    w.commit(content="本活动承诺")
    other_county = make_unit(UnitKind.COUNTY, w.city, name="邻县")
    foreign, _ = campaign_save(actor=None, slug="other", name="邻县活动", owner_unit=other_county,
                               start_date=days(-10))
    client.force_login(w.users["village"])
    r = client.get(url("board", w.villages[0].pk), {"campaign": w.campaign.pk})
    assert r.status_code == 200 and len(r.context["rows"]) == 1
    assert client.get(url("board", w.villages[0].pk), {"campaign": foreign.pk}).status_code == 404
    assert client.get(url("board", w.villages[0].pk), {"campaign": "abc"}).status_code == 404


def test_empty_board_has_no_rate(client, w):
    client.force_login(w.users["village"])
    r = client.get(url("board", w.villages[0].pk))
    assert r.context["counts"]["made"] == 0 and r.context["counts"]["rate"] is None
    assert "还没有公开承诺" in r.text


def test_detail_shows_history_and_board_link(client, w):
    c = w.commit(actor=w.users["village"])
    client.force_login(w.users["village"])
    r = client.get(url("commitment_detail", c.pk))
    assert "登记承诺" in r.text and url("board", w.villages[0].pk) in r.text


# --- constant query counts ------------------------------------------------------------------------

def _count(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, params or {})
    assert r.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["county", "village", "bureau"])
def test_list_and_board_query_counts_are_constant(client, w, role):
    user = w.users[role]
    client.force_login(user)
    unit = w.bureau if role == "bureau" else w.villages[0]
    pages = [(url("commitment_list"), {}), (url("commitment_list"), {"overdue": "on"}),
             (url("commitment_list"), {"unit": unit.pk, "status": "in_progress"}),
             (url("board", unit.pk), {})]
    w.commit(unit=unit, due_date=days(-1), status=CommitmentStatus.IN_PROGRESS)  # one row on every page
    few = [_count(client, p, q) for p, q in pages]
    bulk_commitments(w, w.villages[0], 80)
    bulk_commitments(w, w.bureau, 60, pairing=w.pairing)
    bulk_commitments(w, w.villages[1], 40)
    Commitment.objects.filter(unit=w.villages[0]).update(organization=make_org(w.villages[0]))
    many = [_count(client, p, q) for p, q in pages]
    assert few == many


def test_today_is_used_for_overdue(w):
    c = w.commit(due_date=today())
    assert not c.is_overdue


def test_superuser_sees_everything(client, w):
    w.commit(unit=w.villages[2], content="三村承诺")
    admin = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    r = client.get(url("commitment_list"))
    assert "三村承诺" in r.text
    assert client.get(url("commitment_create")).status_code == 200  # the unit picker
    assert client.get(url("commitment_create"), {"unit": w.villages[2].pk}).status_code == 200


def test_township_staff_of_another_township_gets_404(client, w):
    c = w.commit(unit=w.villages[2])
    client.force_login(make_user("t2", Role.TOWNSHIP_STAFF, w.townships[0]))
    assert client.get(url("commitment_detail", c.pk)).status_code == 404
    assert client.post(url("commitment_edit", c.pk), form_data(w, version=1)).status_code == 404


def test_a_double_submitted_commitment_form_makes_one_commitment(client, w):
    from organizations.submissions import DUPLICATE_MESSAGE

    client.force_login(w.users["village"])
    token = client.get(url("commitment_create")).context["form"].submit_token
    first = client.post(url("commitment_create"), form_data(w, submit_token=token))
    c = Commitment.objects.get()
    again = client.post(url("commitment_create"), form_data(w, submit_token=token), follow=True)
    assert first.url == url("commitment_detail", c.pk)
    assert again.redirect_chain == [(url("commitment_detail", c.pk), 302)] and DUPLICATE_MESSAGE in again.text
    assert Commitment.objects.count() == 1
