"""Help pairs (帮扶对子): a Party member and a household, listed per village and per pairing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations import records
from pairings import policy, services
from pairings.models import HelpPair, HelpStatus
from tests.clock import today
from tests.factories import make_help_pair
from tests.pairings.test_supervision import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return World()


def url(name, *args):
    return reverse(f"pairings:{name}", args=args)


def form_data(village, pairing=None, **extra):
    return {"village": village.pk, "pairing": pairing.pk if pairing else "", "member_name": "李党员",
            "household_name": "赵大户", "household_kind": "poor", "measures": "养殖技术指导", "started_on": today(),
            "status": "active", **extra}


# --- service -----------------------------------------------------------------------------------------

def test_help_pair_save_permissions_and_validation(w):
    for user in (w["viewer"], w["inspector"], w.other_secretary):
        with pytest.raises(PermissionDenied):
            make_help_pair(w.village, actor=user)
    with pytest.raises(PermissionDenied):  # a liaison records only under its own pairing
        make_help_pair(w.village, actor=w["bureau_liaison"])
    with pytest.raises(PermissionDenied):
        make_help_pair(w.other_village, pairing=w.q, actor=w["bureau_liaison"])
    with pytest.raises(ValidationError) as e:
        make_help_pair(w.village, pairing=w.q, actor=w["county_admin"])
    assert "pairing" in e.value.message_dict
    with pytest.raises(PermissionDenied):  # the village's own help pair is not the bureau's to record
        make_help_pair(w.village, pairing=w.p, actor=w["bureau_liaison"])
    hp = make_help_pair(w.village, pairing=w.p, member_unit=w.bureau, actor=w["bureau_liaison"])
    assert hp.status == HelpStatus.ACTIVE
    with pytest.raises(PermissionDenied):
        services.help_pair_save(actor=w.other_secretary, help_pair=hp, village=w.other_village,
                                member_name="x", household_name="y", household_kind="poor", started_on=today())


def test_each_side_edits_its_own_help_pairs_only(w):
    """A help pair is the village's, or the bureau's when its member comes from the bureau: each
    side sees the pair's help pairs and edits its own, in both directions."""
    villages = make_help_pair(w.village, pairing=w.p, household_name="村里的户")
    bureaus = make_help_pair(w.village, pairing=w.p, member_unit=w.bureau, household_name="局里帮的户")
    liaison, secretary = w["bureau_liaison"], w["village_secretary"]
    assert policy.can_edit_help_pair(liaison, bureaus.village, bureaus.pairing, bureaus.member_unit)
    assert not policy.can_edit_help_pair(liaison, villages.village, villages.pairing, villages.member_unit)
    assert policy.can_edit_help_pair(secretary, villages.village, villages.pairing, villages.member_unit)
    assert not policy.can_edit_help_pair(secretary, bureaus.village, bureaus.pairing, bureaus.member_unit)
    for actor, theirs in ((liaison, villages), (secretary, bureaus)):
        with pytest.raises(PermissionDenied):
            services.help_pair_save(actor=actor, help_pair=theirs, village=theirs.village, pairing=theirs.pairing,
                                    member_unit=theirs.member_unit, member_name=theirs.member_name,
                                    household_name=theirs.household_name, household_kind="poor",
                                    started_on=today(), status=HelpStatus.ENDED)
        theirs.refresh_from_db()
        assert theirs.status == HelpStatus.ACTIVE
    # Township staff over the village edit the village's; the county edits both.
    assert policy.can_edit_help_pair(w["township_staff"], villages.village, villages.pairing)
    assert policy.can_edit_help_pair(w["county_admin"], bureaus.village, bureaus.pairing, bureaus.member_unit)


# --- pages -------------------------------------------------------------------------------------------

def test_village_secretary_records_a_help_pair_on_the_phone_form(client, w):
    client.force_login(w["village_secretary"])
    r = client.get(url("helppair_create"))
    assert r.status_code == 200
    assert f'value="{w.village.pk}" selected' in r.text  # their village, preselected
    assert f'value="{w.p.pk}" selected data-village="{w.village.pk}"' in r.text  # its only pairing
    assert 'type="date"' in r.text and "form-control-lg" in r.text and "btn-lg" in r.text
    r = client.post(url("helppair_create"), form_data(w.village, w.p))
    hp = HelpPair.objects.get()
    assert r.status_code == 302 and r.url == f"{url('helppair_list')}?village={w.village.pk}"
    assert (hp.village, hp.pairing, hp.household_kind) == (w.village, w.p, "poor")
    assert hp.history.get().history_user == w["village_secretary"]
    r = client.post(url("helppair_edit", hp.pk), form_data(w.village, None, household_kind="special_difficulty",
                                                           status="lifted"))
    hp.refresh_from_db()
    assert r.status_code == 302 and hp.pairing is None and hp.status == "lifted"
    assert hp.history.count() == 2 and hp.history.first().history_user == w["village_secretary"]


def test_foreign_ids_fail_validation(client, w):
    client.force_login(w["village_secretary"])
    r = client.post(url("helppair_create"), form_data(w.other_village))
    assert r.status_code == 200 and "不在您的工作范围内" in r.text
    r = client.post(url("helppair_create"), form_data(w.village, w.q))
    assert r.status_code == 200 and "不在您的工作范围内" in r.text
    client.force_login(w["county_admin"])
    r = client.post(url("helppair_create"), form_data(w.village, w.q))
    assert r.status_code == 200 and "所选结对不属于该村" in r.text
    client.force_login(w["bureau_liaison"])
    r = client.post(url("helppair_create"), form_data(w.village))
    assert r.status_code == 200 and "请选择本单位与该村的结对" in r.text
    r = client.post(url("helppair_create"), form_data(w.other_village, w.q))
    assert r.status_code == 200 and "不在您的工作范围内" in r.text
    r = client.post(url("helppair_create"), form_data(w.village, w.p, started_on="2025-13-40", member_name=""))
    assert "请按 年-月-日 填写日期" in r.text and "请填写帮扶党员姓名" in r.text
    assert not HelpPair.objects.exists()
    r = client.post(url("helppair_create"), form_data(w.village, w.p))
    assert r.status_code == 302 and HelpPair.objects.get().pairing == w.p


@pytest.mark.parametrize("role", ["viewer", "inspector"])
def test_readers_and_inspectors_cannot_write_help_pairs(client, w, role):
    hp = make_help_pair(w.village, pairing=w.p)
    client.force_login(w[role])
    r = client.get(url("helppair_list"))
    assert r.status_code == 200 and "赵大户" in r.text and "登记帮扶对子" not in r.text and "更改状态" not in r.text
    assert client.get(url("helppair_create")).status_code == 403
    assert client.get(url("helppair_edit", hp.pk)).status_code == 403
    assert client.post(url("helppair_status", hp.pk), {"status": "ended"}).status_code == 403
    hp.refresh_from_db()
    assert hp.status == "active"


def test_other_villages_help_pairs_are_404(client, w):
    theirs = make_help_pair(w.other_village, household_name="别村户")
    for role in ("village_secretary", "bureau_liaison", "township_staff"):
        client.force_login(w[role])
        assert "别村户" not in client.get(url("helppair_list")).text
        assert client.get(url("helppair_edit", theirs.pk)).status_code == 404
        assert client.post(url("helppair_status", theirs.pk), {"status": "ended"}).status_code == 404
    client.force_login(w["village_secretary"])
    assert client.get(url("helppair_list"), {"village": w.other_village.pk}).context["page"].paginator.count == 0


def test_help_pairs_are_listed_per_village_and_per_pairing(client, w):
    make_help_pair(w.village, "甲党员", "甲户", pairing=w.p)
    make_help_pair(w.village, "乙党员", "乙户", household_kind="member_in_difficulty")
    make_help_pair(w.other_village, "丙党员", "丙户", pairing=w.q, status="lifted")
    client.force_login(w["county_admin"])

    def names(**params):
        r = client.get(url("helppair_list"), params)
        assert r.status_code == 200
        return {hp.household_name for hp in r.context["page"].object_list}

    assert names() == {"甲户", "乙户", "丙户"}
    assert names(village=w.village.pk) == {"甲户", "乙户"}
    assert names(pairing=w.p.pk) == {"甲户"}
    assert names(pairing=w.q.pk) == {"丙户"}
    assert names(household_kind="member_in_difficulty") == {"乙户"}
    assert names(status="lifted") == {"丙户"}
    assert names(q="甲") == {"甲户"}
    r = client.get(url("helppair_list"), {"village": w.village.pk})
    assert f"{w.village.name}的帮扶对子" in r.text and "共 2 对" in r.text and "帮扶中 2" in r.text
    r = client.get(url("helppair_list"), {"pairing": w.p.pk})
    assert f"{w.bureau.name} — {w.village.name}的帮扶对子" in r.text
    # The bureau liaison sees the help pairs under its pairing only.
    client.force_login(w["bureau_liaison"])
    assert names() == {"甲户"}
    r = client.get(url("helppair_list"), {"q": "没有这个人"})
    assert "没有符合筛选条件的帮扶对子" in r.text


def test_status_change_from_the_list(client, w):
    hp = make_help_pair(w.village, pairing=w.p, member_unit=w.bureau)  # the bureau's member helps
    client.force_login(w["bureau_liaison"])
    back = f"{url('helppair_list')}?pairing={w.p.pk}"
    r = client.post(url("helppair_status", hp.pk), {"status": "lifted", "next": back})
    assert r.status_code == 302 and r.url == back
    hp.refresh_from_db()
    assert hp.status == "lifted" and hp.history.first().history_user == w["bureau_liaison"]
    assert hp.measures == "" and hp.pairing == w.p  # nothing else changed
    r = client.post(url("helppair_status", hp.pk), {"status": "bogus", "next": "https://evil.example/"})
    assert r.status_code == 302 and r.url == f"{url('helppair_list')}?village={w.village.pk}"
    assert client.get(url("helppair_status", hp.pk)).status_code == 405


def test_empty_help_pair_list_says_what_to_do(client, w):
    client.force_login(w["village_secretary"])
    assert "请点右上角“登记帮扶对子”" in client.get(url("helppair_list")).text
    client.force_login(w["viewer"])
    assert "村(社区)和结对单位登记后会列在这里" in client.get(url("helppair_list")).text


def _count(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url("helppair_list"), params or {})
    assert r.status_code == 200
    return len(ctx.captured_queries)


def _bulk(w, n):
    start = HelpPair.objects.count()
    made = HelpPair.objects.bulk_create([
        HelpPair(code=f"BHP{start + k}", village=(w.village, w.other_village)[k % 2],
                 pairing=(w.p, w.q)[k % 2] if k % 3 else None, member_name=f"党员{k}", household_name=f"户{k}",
                 household_kind="poor", started_on=today(), member_unit=w.bureau if k % 2 else None)
        for k in range(n)])
    records.bulk_created(made)


@pytest.mark.parametrize("role", ["county_admin", "village_secretary", "bureau_liaison"])
def test_help_pair_list_keeps_a_constant_query_count(client, w, role):
    client.force_login(w[role])
    _bulk(w, 3)
    few = [_count(client), _count(client, {"village": w.village.pk, "status": "active", "q": "户"})]
    _bulk(w, 90)
    many = [_count(client), _count(client, {"village": w.village.pk, "status": "active", "q": "户"})]
    assert few == many


def test_a_double_submitted_help_pair_form_makes_one_help_pair(client, w):
    from organizations.submissions import DUPLICATE_MESSAGE

    client.force_login(w["village_secretary"])
    token = client.get(url("helppair_create")).context["form"].submit_token
    for _ in range(2):
        r = client.post(url("helppair_create"), {**form_data(w.village, w.p), "submit_token": token}, follow=True)
    assert DUPLICATE_MESSAGE in r.text and HelpPair.objects.count() == 1
