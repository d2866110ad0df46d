"""三级联创 rules: goals, every transition allowed and refused, who may take each step at each
level, dates, validation of statements, links and files, and the history of who did what."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from creation import selectors as sel
from creation import services
from creation.models import CreationEntry, CreationStep, EntryStatus
from creation.policy import TRANSITIONS
from organizations.models import UnitKind
from tests.clock import today
from tests.creation.conftest import entry_of
from tests.factories import (
    CREATION_PATHS,
    bring_entry_to,
    creation_step,
    make_award,
    make_creation_goal,
    make_unit,
    notice_file,
)

pytestmark = pytest.mark.django_db


# --- goals ------------------------------------------------------------------------------------

def test_a_goal_lists_every_unit_of_its_level_as_not_declared(w):
    assert sorted(e.unit.name for e in w.goals["village"].entries.all()) == sorted(v.name for v in w.villages)
    assert [e.unit for e in w.goals["township"].entries.all()] == w.townships
    assert [e.unit for e in w.goals["county"].entries.all()] == [w.county]
    assert set(CreationEntry.objects.values_list("status", flat=True)) == {EntryStatus.NOT_DECLARED}
    # the entries carry their history, recorded as the county admin's
    h = entry_of(w, w.villages[0]).history.get()
    assert h.history_user == w.users["county"] and h.history_change_reason == "列入创建名单"


def test_saving_a_goal_again_adds_the_new_units(w):
    new = make_unit(UnitKind.COMMUNITY, w.townships[1], name="新区社区")
    goal = w.goals["village"]
    services.goal_save(actor=w.users["county"], goal=goal, county=w.county, year=goal.year, level="village",
                       title=goal.title, standards=goal.standards, target_percent=60)
    assert goal.entries.count() == 5 and goal.entries.filter(unit=new).exists()
    goal.refresh_from_db()
    assert goal.target_percent == 60 and goal.history.count() == 2


@pytest.mark.parametrize("role", ["township", "village", "bureau", "inspector", "viewer"])
def test_only_the_county_sets_goals(w, role):
    with pytest.raises(PermissionDenied, match="县委组织部"):
        make_creation_goal(w.county, "village", year=today().year + 1, actor=w.users[role])


def test_goal_validation(w):
    county = w.users["county"]
    with pytest.raises(ValidationError, match="至少一项"):
        services.goal_save(actor=county, county=w.county, year=2030, level="village", title="五好", standards="x")
    with pytest.raises(ValidationError, match="1%到100%"):
        make_creation_goal(w.county, "village", year=2030, actor=county, target_percent=120)
    with pytest.raises(ValidationError, match="不是县"):
        services.goal_save(actor=None, county=w.townships[0], year=2030, level="village", title="五好",
                           standards="x", target_count=3)
    with pytest.raises(ValidationError):   # one goal per county, year and level
        make_creation_goal(w.county, "village", actor=county)


def test_a_goal_with_declarations_keeps_its_level(w):
    goal = w.goals["village"]
    creation_step(entry_of(w, w.villages[0]), "declare")
    with pytest.raises(ValidationError, match="已有单位申报"):
        services.goal_save(actor=None, goal=goal, county=w.county, year=goal.year + 1, level="village",
                           title=goal.title, standards="x", target_count=2)


# --- the state machine ------------------------------------------------------------------------

STEP_ACTOR = {"declare": "village", "pass": "township", "fail": "township", "name": "township",
              "return": "township"}


@pytest.mark.parametrize("status", list(CREATION_PATHS))
@pytest.mark.parametrize("action", ["declare", "pass", "fail", "name", "return"])
def test_every_transition_allowed_or_refused(w, status, action):
    entry = bring_entry_to(entry_of(w, w.villages[0]), status)
    steps = entry.steps.count()
    starts, to = TRANSITIONS[action]
    if status in starts:
        creation_step(entry, action, actor=w.users[STEP_ACTOR[action]])
        entry.refresh_from_db()
        assert entry.status == to and entry.steps.count() == steps + 1
        last = entry.steps.last()
        assert (last.action, last.from_status, last.to_status) == (action, status, to)
        assert last.recorded_by == w.users[STEP_ACTOR[action]]
    else:
        with pytest.raises(ValidationError, match="不能"):
            creation_step(entry, action, actor=w.users[STEP_ACTOR[action]])
        entry.refresh_from_db()
        assert entry.status == status and entry.steps.count() == steps


def test_the_full_path_with_a_failed_inspection_and_a_return(w):
    e = entry_of(w, w.villages[0])
    day = dt.date(today().year, 1, 1)
    creation_step(e, "declare", actor=w.users["village"], date=day)
    creation_step(e, "fail", actor=w.users["township"], date=day)
    creation_step(e, "declare", actor=w.users["village"], date=day, statement="整改后重新申报")
    creation_step(e, "pass", actor=w.users["county"], date=day)
    creation_step(e, "return", actor=w.users["township"], date=day, reason="缺少测评结果")
    creation_step(e, "declare", actor=w.users["village"], date=day)
    creation_step(e, "pass", actor=w.users["township"], date=day)
    creation_step(e, "name", actor=w.users["county"], date=day, doc_number="铁党发〔2026〕3号")
    e.refresh_from_db()
    assert e.status == EntryStatus.NAMED and e.doc_number == "铁党发〔2026〕3号" and e.named_on == day
    assert [s.to_status for s in e.steps.all()] == ["declared", "failed", "declared", "accepted", "returned",
                                                    "declared", "accepted", "named"]
    # named is final
    for action in ("declare", "pass", "return", "name"):
        with pytest.raises(ValidationError, match="已命名"):
            creation_step(e, action, actor=w.users["county" if action != "declare" else "village"])


# --- who, per level ---------------------------------------------------------------------------

# (level, unit, action) → the roles allowed; every other user is refused
WHO = [
    ("village", "v0", "declare", {"village"}),
    ("village", "v0", "pass", {"township", "county"}),
    ("village", "v0", "name", {"township", "county"}),
    ("village", "v0", "return", {"township", "county"}),
    ("township", "t0", "declare", {"township"}),
    ("township", "t0", "pass", {"county"}),
    ("township", "t0", "name", {"county"}),
    ("county", "county", "declare", {"county"}),
    ("county", "county", "pass", {"county"}),
]
USERS = ["county", "township", "township2", "village", "village2", "bureau", "inspector", "viewer"]


@pytest.mark.parametrize("level,unit,action,allowed", WHO)
def test_who_may_take_each_step(w, level, unit, action, allowed):
    target = {"v0": w.villages[0], "t0": w.townships[0], "county": w.county}[unit]
    status = {"declare": "not_declared", "pass": "declared", "name": "accepted", "return": "declared"}[action]
    entry = bring_entry_to(entry_of(w, target, level), status)
    for name in USERS:
        if name in allowed:
            continue
        with pytest.raises(PermissionDenied, match="只能由"):
            creation_step(entry, action, actor=w.users[name])
    for name in sorted(allowed):
        entry = bring_entry_to(entry_of(w, target, level), status) if entry.status != status else entry
        creation_step(entry, action, actor=w.users[name])
        entry.refresh_from_db()
        assert entry.status == TRANSITIONS[action][1]
        CreationStep.objects.filter(entry=entry).delete()
        CreationEntry.objects.filter(pk=entry.pk).update(status="not_declared")
        entry.refresh_from_db()


# --- dates and validation ---------------------------------------------------------------------

def test_dates_follow_the_steps(w):
    e = entry_of(w, w.villages[0])
    with pytest.raises(ValidationError, match="不能晚于今天"):
        creation_step(e, "declare", actor=w.users["village"], date=today() + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="不能早于创建年度"):
        creation_step(e, "declare", actor=w.users["village"], date=dt.date(today().year - 1, 12, 31))
    creation_step(e, "declare", actor=w.users["village"], date=today())
    with pytest.raises(ValidationError, match="不能早于上一环节"):
        creation_step(e, "pass", actor=w.users["township"], date=today() - dt.timedelta(days=1))


def test_declaration_needs_a_statement_a_leader_and_sound_evidence(w):
    e = entry_of(w, w.villages[0])
    village = w.users["village"]
    with pytest.raises(ValidationError) as exc:
        creation_step(e, "declare", actor=village, statement=" ", leader_name="")
    assert set(exc.value.message_dict) == {"statement", "leader_name"}
    with pytest.raises(ValidationError, match="不是有效的网址"):
        creation_step(e, "declare", actor=village, links="javascript:alert(1)")
    fake = SimpleUploadedFile("材料.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="不符"):
        creation_step(e, "declare", actor=village, files=[fake])
    other = w.villages[1].leaders.first()
    with pytest.raises(ValidationError, match="不是"):
        creation_step(e, "declare", actor=village, leader=other, leader_name="")
    assert e.steps.count() == 0
    leader = w.villages[0].leaders.first()
    step = creation_step(e, "declare", actor=village, leader=leader, leader_name="", files=[notice_file()],
                         links="https://example.org/a\n\nhttp://example.org/b")
    e.refresh_from_db()
    assert (e.leader, e.leader_name, e.leader_post) == (leader, leader.name, "书记")
    assert step.link_list == ["https://example.org/a", "http://example.org/b"]
    assert [f.name for f in step.files.all()] == ["台帐模板.pdf"]


def test_a_failed_inspection_needs_reasons_and_naming_a_document(w):
    e = bring_entry_to(entry_of(w, w.villages[0]), "declared")
    with pytest.raises(ValidationError, match="写明原因"):
        creation_step(e, "fail", actor=w.users["township"], reasons="")
    with pytest.raises(ValidationError, match="验收人员"):
        creation_step(e, "pass", actor=w.users["township"], inspectors=" ")
    creation_step(e, "pass", actor=w.users["township"])
    with pytest.raises(ValidationError, match="文号"):
        creation_step(e, "name", actor=w.users["county"], doc_number="")
    with pytest.raises(ValidationError, match="退回理由"):
        creation_step(e, "return", actor=w.users["county"], reason=" ")


def test_naming_rests_on_the_units_own_award_and_the_page_links_it(client, w):
    """命名 may name the 评选 award the title rests on: only one the unit itself holds."""
    county, township = w.users["county"], w.users["township"]
    own = make_award(w.villages[0], w.county, county_actor=county, township_actor=township)
    other = make_award(w.villages[1], w.county, county_actor=county, township_actor=township)
    e = bring_entry_to(entry_of(w, w.villages[0]), "accepted")
    with pytest.raises(ValidationError, match="本单位"):
        creation_step(e, "name", actor=county, award=other)
    assert CreationEntry.objects.get(pk=e.pk).status == EntryStatus.ACCEPTED   # nothing written
    creation_step(e, "name", actor=county, award=own)
    e.refresh_from_db()
    assert e.status == EntryStatus.NAMED and e.award == own
    client.force_login(county)
    page = client.get(reverse("creation:entry_detail", args=[e.pk])).content.decode()
    assert str(own) in page and reverse("evaluations:nomination_detail", args=[own.nomination_id]) in page
    # the naming form offers the unit's own awards only
    e2 = bring_entry_to(entry_of(w, w.villages[1]), "accepted")
    form = client.get(reverse("creation:entry_name", args=[e2.pk])).content.decode()
    assert f'value="{other.pk}"' in form and f'value="{own.pk}"' not in form


# --- history and progress ---------------------------------------------------------------------

def test_history_shows_who_did_what(w):
    e = entry_of(w, w.villages[0])
    creation_step(e, "declare", actor=w.users["village"])
    creation_step(e, "pass", actor=w.users["township"])
    creation_step(e, "name", actor=w.users["county"])
    e.refresh_from_db()
    rows = list(e.history.order_by("history_id").values_list("history_user__username", "status",
                                                               "history_change_reason"))
    assert rows[0] == ("county", "not_declared", "列入创建名单")
    assert [(u, s) for u, s, _ in rows[1:]] == [("village", "declared"), ("township", "accepted"),
                                                 ("county", "named")]
    assert rows[-1][2] == "命名:铁党发〔2026〕12号"
    assert list(e.steps.values_list("recorded_by__username", flat=True)) == ["village", "township", "county"]


def test_progress_counts_the_records(w):
    goal = w.goals["village"]   # 50% of 4 villages → 2 to be named; per township 1 of 2
    v = w.villages
    bring_entry_to(entry_of(w, v[0]), "named")
    bring_entry_to(entry_of(w, v[1]), "failed")
    bring_entry_to(entry_of(w, v[2]), "accepted")
    bring_entry_to(entry_of(w, v[3]), "returned")
    p = sel.progress(w.users["county"], goal)
    assert (p["total"], p["declared"], p["accepted"], p["failed"], p["returned"], p["named"]) == (4, 3, 2, 1, 1, 1)
    assert (p["target"], p["percent"]) == (2, 50)
    rows = {r["unit"]["name"]: r for r in sel.progress_by_township(w.users["county"], goal)}
    assert [(r["declared"], r["accepted"], r["named"], r["target"]) for r in rows.values()] == [(2, 1, 1, 1),
                                                                                              (1, 1, 0, 1)]
    # the township's staff count their own township only
    assert sel.progress(w.users["township"], goal)["total"] == 2
    assert sel.progress(w.users["village"], goal)["named"] == 1
    assert sel.progress(w.users["village2"], goal)["named"] == 0
