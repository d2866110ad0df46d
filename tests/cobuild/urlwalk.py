"""What the two URL walks share (test_malformed_input.py, test_access_matrix.py): every URL pattern
from the resolver, the object each path parameter names, and a world with one record of every
kind in scope and one out of scope.

``PATH_OBJECTS`` has a row for every named URL pattern outside the admin (the admin's per-model
URLs are generated from ``admin.site``): a pattern added without a row here fails both walks.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from campaigns.models import Indicator, OrganizerRole, StagedPhoto
from campaigns.services import activity_add_photos, board_create, campaign_save, plan_save
from cobuild.importing import get_kind
from metrics.services import target_save
from organizations.import_jobs import import_job_create
from organizations.models import Role
from pairings.services import contact_point_save, pairing_save
from tests.campaigns.activity_world import World, upload
from tests.factories import (
    County,
    PersonFactory,
    frozen_scheme,
    make_activity,
    make_commitment,
    make_decision,
    make_help_pair,
    make_inspection,
    make_meeting,
    make_notice,
    make_org,
    make_rectification,
    make_staff,
    make_survey,
    make_user,
    notice_file,
)

#: URL name → the record its path parameters name (``None``: no path parameters). ``job`` and
#: ``import`` are the requesting user's own (jobs are private to their owner).
PATH_OBJECTS: dict[str, str | None] = {
    "healthz": None, "login": None, "logout": None, "home": None,
    "login_code": None, "two_factor": None, "two_factor_codes": None,
    # organizations
    "organizations:unit_list": None, "organizations:unit_lookup": None,
    "organizations:unit_detail": "unit", "organizations:coverage": "unit", "organizations:leader_create": "unit",
    "organizations:leader_edit": "leader", "organizations:leader_delete": "leader",
    "organizations:job_list": None, "organizations:job_detail": "job", "organizations:job_status": "job",
    "organizations:job_download": "job", "organizations:import": None, "organizations:import_preview": "import",
    "organizations:import_confirm": "import", "organizations:import_upload": "kind",
    "organizations:import_template": "kind",
    # pairings
    "pairings:register": None, "pairings:pairing_lookup": None, "pairings:detail": "pairing",
    "pairings:ledger_xlsx": "pairing", "pairings:matrix": None, "pairings:silent_xlsx": None,
    "pairings:contactpoint_list": None, "pairings:contactpoint_create": None,
    "pairings:contactpoint_detail": "contact_point", "pairings:contactpoint_edit": "contact_point",
    "pairings:contactpoint_visit": "contact_point", "pairings:inspection_list": None,
    "pairings:inspection_create": None, "pairings:inspection_detail": "inspection",
    "pairings:inspection_edit": "inspection", "pairings:inspection_correct": "inspection",
    "pairings:rectification_create": "inspection", "pairings:rectification_list": None,
    "pairings:rectification_overdue": None, "pairings:rectification_mine": None,
    "pairings:rectification_detail": "rectification", "pairings:rectification_update": "rectification",
    "pairings:rectification_close": "rectification", "pairings:helppair_list": None,
    "pairings:helppair_create": None, "pairings:helppair_edit": "help_pair", "pairings:helppair_status": "help_pair",
    # campaigns
    "campaigns:activity_list": None, "campaigns:activity_mine": None, "campaigns:activity_create": None,
    "campaigns:activity_detail": "activity", "campaigns:activity_edit": "activity",
    "campaigns:activity_review": "activity", "campaigns:activity_correct": "activity",
    "campaigns:activity_photo_delete": "activity+photo", "campaigns:photo": "photo",
    "campaigns:photo_thumb": "photo", "campaigns:photo_stage": None, "campaigns:staged_photo": "staged",
    "campaigns:review_queue": None, "campaigns:campaign_list": None,
    "campaigns:campaign_create": None, "campaigns:campaign_detail": "campaign", "campaigns:campaign_edit": "campaign",
    "campaigns:campaign_phase": "campaign", "campaigns:commitment_list": None, "campaigns:commitment_create": None,
    "campaigns:commitment_detail": "commitment", "campaigns:commitment_edit": "commitment",
    "campaigns:commitment_status": "commitment", "campaigns:commitment_correct": "commitment",
    "campaigns:board": "unit", "campaigns:meeting_list": None, "campaigns:meeting_create": None,
    "campaigns:meeting_detail": "meeting", "campaigns:meeting_edit": "meeting", "campaigns:meeting_correct": "meeting",
    "campaigns:meeting_decision_add": "meeting", "campaigns:decision_list": None,
    "campaigns:decision_edit": "decision", "campaigns:decision_correct": "decision",
    "campaigns:survey_correct": "survey",
    "campaigns:plan_edit": "pairing", "campaigns:plan_behind": None, "campaigns:plan_behind_xlsx": None,
    "campaigns:board_list": None, "campaigns:board_create": None, "campaigns:board_detail": "board",
    "campaigns:board_withdraw": "board",
    # the one public page (no login): a board's token
    "board_public": "board_token",
    # metrics
    "metrics:summary_csv": None, "metrics:completeness": None, "metrics:bulletin": None,
    "metrics:dashboard_xlsx": None, "metrics:survey_list": None, "metrics:survey_create": None,
    "metrics:survey_edit": "survey", "metrics:assessment": None, "metrics:dashboard": None,
    "metrics:targets": None, "metrics:target_delete": "target", "metrics:rebuild": None,
    "metrics:survey_compare": None, "metrics:scheme_list": None, "metrics:scheme_create": None,
    "metrics:scheme_detail": "scheme", "metrics:scheme_item": "scheme", "metrics:scheme_rule": "scheme",
    "metrics:scheme_adjust": "scheme", "metrics:scheme_step": "scheme", "metrics:scheme_xlsx": "scheme",
    # people
    "people:person_list": None, "people:person_export": None, "people:person_create": None,
    "people:person_detail": "person", "people:person_edit": "person", "people:step_add": "person",
    "people:board": None, "people:priorities": None,
    # notices
    "notices:notice_list": None, "notices:inbox": None, "notices:notice_create": None,
    "notices:briefing_create": None, "notices:notice_detail": "notice", "notices:notice_remind": "notice",
    "notices:receipt_acknowledge": "receipt", "notices:receipt_reply": "receipt",
    "notices:attachment": "notice_file",
    "people:rich_list": None, "people:rich_add": "person", "people:team_list": None,
    "people:team_detail": "volunteer_team", "people:service_add": "volunteer_team", "people:volunteer_hours": None,
    "people:volunteer_hours_export": None, "people:migrant_list": None, "people:contact_add": "migrant",
    # evaluations (评选): a cycle of the county with a nomination of the village awaiting township
    # review (with a file), and a second cycle under 公示 with an unanswered objection
    "evaluations:cycle_list": None, "evaluations:cycle_create": None, "evaluations:scheme_list": None,
    "evaluations:cycle_detail": "cycle", "evaluations:nominate": "cycle", "evaluations:cycle_reviewers": "cycle",
    "evaluations:cycle_publicity": "cycle", "evaluations:cycle_close": "publicity_cycle",
    "evaluations:cycle_award": "publicity_cycle", "evaluations:nomination_detail": "nomination",
    "evaluations:nomination_edit": "nomination", "evaluations:nomination_review": "nomination",
    "evaluations:nomination_score": "nomination", "evaluations:objection_add": "publicity_nomination",
    "evaluations:objection_answer": "objection", "evaluations:evidence_file": "evidence_file",
    # creation (三级联创): the village's entry, declared with a file
    "creation:goal_list": None, "creation:goal_create": None, "creation:goal_detail": "creation_goal",
    "creation:goal_edit": "creation_goal", "creation:entry_list": None, "creation:entry_export": None, "creation:entry_detail": "creation_entry",
    "creation:entry_declare": "creation_entry", "creation:entry_inspect": "creation_entry",
    "creation:entry_name": "creation_entry", "creation:entry_return": "creation_entry",
    "creation:evidence": "creation_file",
}

#: Query parameters the views read (every ``request.GET``/form field name in the apps); the
#: malformed-input walk sends each of them with every malformed value.
QUERY_PARAMS = (
    "q", "page", "spage", "unit", "kind", "campaign", "from", "to", "date_from", "date_to", "status",
    "category", "pairing", "order", "tab", "village", "bureau", "township", "ind", "rank", "window", "expand",
    "export", "background", "source", "id", "verified", "level", "next", "subject", "method", "silent",
    "overdue", "sort", "responsible", "year", "month", "phase", "owner", "measure", "tag", "branch", "stage",
    "box", "org", "meeting", "by", "days", "person",
)


def flat_patterns(resolver=None, prefix="", namespace=""):
    """(route, name, pattern) for every URL pattern, names with their namespace."""
    out = []
    for p in (resolver or get_resolver()).url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            out += flat_patterns(p, route, ns)
        elif isinstance(p, URLPattern):
            out.append((route, f"{namespace}{p.name}" if p.name else None, p))
    return out


def app_patterns():
    """The portal's own named patterns (the admin's are generated from ``admin.site``)."""
    return [(route, name, p) for route, name, p in flat_patterns() if not route.startswith("admin/")]


def unlisted_patterns() -> list[str]:
    """Patterns without a row in PATH_OBJECTS (a new URL must say what its parameters name)."""
    return sorted(f"{name or '(unnamed)'} ({route})" for route, name, _ in app_patterns() if name not in PATH_OBJECTS)


def path_kwargs(name: str, objs: dict, user=None) -> dict:
    key = PATH_OBJECTS[name]
    if key is None:
        return {}
    if key == "kind":
        return {"kind": "units"}
    if key == "activity+photo":
        return {"pk": objs["activity"].pk, "photo_pk": objs["photo"].pk}
    if key in ("job", "import", "staged"):
        return {"pk": objs[f"{key}:{user.username}"].pk if user is not None else objs[f"{key}:any"].pk}
    obj = objs["board" if key == "board_token" else key]
    if name == "campaigns:board":
        return {"unit_pk": obj.pk}
    if key == "board_token":
        return {"token": objs["board"].token}
    return {"pk": obj.pk}


def _records(campaign, village, bureau, pairing, township, tag):
    """One record of every kind at ``village`` (its pairing with ``bureau``)."""
    from organizations.models import OrgKind

    today = timezone.localdate()
    party = village.organizations.filter(kind=OrgKind.PARTY_BRANCH).first() or make_org(village)
    activity = make_activity(campaign, village, pairing=pairing, title=f"走查活动{tag}",
                             organizers=[(village, party, OrganizerRole.LEADS)])
    activity_add_photos(actor=None, activity=activity, uploads=[upload("walk.jpg")])
    inspection = make_inspection(campaign, village, pairing=pairing)
    meeting = make_meeting(campaign, village)
    activities = Indicator.objects.get(code="activities")
    plan_save(actor=None, pairing=pairing, year=today.year,
              items={("activities", "", q): 2 for q in (1, 2, 3, 4)} | {("project_funds", "", 2): 50000})
    # a task from the county to the village (with a file), answered by nobody yet
    task = make_notice(township.parent, [village], kind="task", title=f"走查任务{tag}", files=[notice_file()])
    return {
        "board": board_create(actor=None, unit=village, campaign=campaign),
        "notice": task, "receipt": task.receipts.get(), "notice_file": task.attachments.get(),
        "unit": village, "leader": village.leaders.first(), "pairing": pairing, "campaign": campaign,
        "activity": activity, "photo": activity.photos.first(),
        "commitment": make_commitment(campaign, village, due_date=today + dt.timedelta(days=30)),
        "meeting": meeting, "decision": make_decision(meeting),
        "inspection": inspection, "rectification": make_rectification(inspection),
        "help_pair": make_help_pair(village, pairing=pairing),
        "contact_point": contact_point_save(actor=None, leader_name=f"王常委{tag}", leader_title="县委常委",
                                            unit=village, campaign=campaign),
        "survey": make_survey(campaign, village),
        # a county's published assessment of its villages (the walk's village is assessed)
        "scheme": frozen_scheme(campaign, township.parent, publish=True, title=f"走查考核{tag}"),
        "target": target_save(actor=None, campaign=campaign, unit=township, indicator=activities, value=10)[0],
        "person": PersonFactory(unit=village, name=f"走查人员{tag}", branch=party, status="league_member"),
        **_people_b(village, tag),
        **_evaluations(village, township, tag),
        **_creation(township.parent, village),
    }


def _evaluations(village, township, tag):
    """A cycle with the village's nomination awaiting township review (with a file), and a cycle
    under 公示 with the village's nomination and an unanswered objection."""
    from evaluations.services import objection_record, publicity_open
    from tests.factories import advance_nomination, make_cycle, make_nomination, make_scheme

    county = township.parent
    cycle = make_cycle(make_scheme(name=f"五个好{tag}"), county)
    nomination = make_nomination(cycle, unit=village, files=[notice_file("事迹.pdf")])
    shown = make_cycle(make_scheme(name=f"示范点{tag}"), county)
    under = advance_nomination(make_nomination(shown, unit=village), "county_passed")
    shown = publicity_open(actor=None, cycle=shown, start=timezone.localdate() - dt.timedelta(days=5),
                           end=timezone.localdate() + dt.timedelta(days=2))
    objection = objection_record(actor=None, nomination=under, received_on=timezone.localdate(), content="有意见")
    return {"cycle": cycle, "nomination": nomination, "evidence_file": nomination.files.get(),
            "publicity_cycle": shown, "publicity_nomination": under, "objection": objection}



def _creation(county, village):
    """三级联创: the county's village goal, and the village's entry declared with a file."""
    from tests.factories import creation_step, make_creation_goal

    goal = make_creation_goal(county, "village")
    entry = goal.entries.select_related("unit", "goal").get(unit=village)
    step = creation_step(entry, "declare", files=[notice_file()])
    return {"creation_goal": goal, "creation_entry": entry, "creation_file": step.files.get()}


def _people_b(village, tag):
    """Part B of the register: a volunteer team and a member working away."""
    from people.services_service import migrant_save, team_save

    member = PersonFactory(unit=village, name=f"走查党员{tag}", status="member")
    return {
        "volunteer_team": team_save(actor=None, unit=village, name=f"走查服务队{tag}", leader=member),
        "migrant": migrant_save(actor=None, person=member, place="宁波", since=timezone.localdate()
                                - dt.timedelta(days=60), contact="13900001111"),
    }


def give_jobs(objs: dict, users) -> None:
    """An import (and its check job) owned by each user, so job pages have a record of theirs."""
    kind = get_kind("units")
    for user in users:
        imp = import_job_create(user=user, kind=kind, filename="walk.csv",
                                content=b"code,name,kind,parent_code\n")
        imp.refresh_from_db()
        objs[f"import:{user.username}"] = imp
        objs[f"job:{user.username}"] = imp.job or user.jobs.first()
        # a photo staged by the phone form (a file of the user's own; tests set up the row directly)
        staged = StagedPhoto(user=user)
        staged.image.save("walk.jpg", ContentFile(b"staged"), save=True)
        objs[f"staged:{user.username}"] = staged
    objs["import:any"] = objs[f"import:{users[0].username}"]
    objs["job:any"] = objs[f"job:{users[0].username}"]
    objs["staged:any"] = objs[f"staged:{users[0].username}"]


class WalkWorld(World):
    """activity_world's county and users plus: one record of every kind in the first village
    (``inside``) and another county with the same (``outside``, nobody's scope but the
    superuser's); admin accounts ``admin`` (superuser) and ``county_staff`` (county admin with
    admin permissions). Needs the ``media`` fixture."""

    def __init__(self):
        super().__init__()
        self.inside = _records(self.campaign, self.villages[0], self.bureau, self.pairing, self.townships[0], "甲")
        other = County(villages_per_township=1, townships=1)
        other_campaign, _ = campaign_save(actor=None, slug="other-walk", name="外县活动", owner_unit=other.county,
                                          start_date=timezone.localdate() - dt.timedelta(days=365))
        other_pairing, _ = pairing_save(actor=None, code="PW9", campaign=other_campaign, bureau=other.bureau,
                                        village=other.villages[0],
                                        start_date=timezone.localdate() - dt.timedelta(days=300))
        from tests.factories import make_leader

        if not other.villages[0].leaders.exists():
            make_leader(other.villages[0])
        self.other = other
        self.outside = _records(other_campaign, other.villages[0], other.bureau, other_pairing, other.townships[0],
                                "乙")
        superuser = make_user("admin")
        superuser.is_superuser = superuser.is_staff = True
        superuser.save()
        self.users["admin"] = superuser
        self.users["county_staff"] = make_staff("county_staff", Role.COUNTY_ADMIN, self.county)
        outsider = make_user("outsider", Role.COUNTY_ADMIN, other.county)
        give_jobs(self.inside, list(self.users.values()))
        give_jobs(self.outside, [outsider])

