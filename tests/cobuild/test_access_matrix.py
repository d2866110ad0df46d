"""Issue 10, Build 8: the access matrix — every URL pattern × role × a record in scope and one
out of scope, GET and POST, generated from the URL resolver.

- Anonymous: every page but the public ones redirects to the login page.
- Out of scope (a record of another county; another user's job or import): 404 for every role,
  whatever the method — "not yours" and "does not exist" look the same.
- In scope: the status each role gets is pinned in ``ACCESS`` below (200/302 where the role may,
  403 or 404 where it may not, 405 where the method is not offered). A pattern without a row
  fails ``test_every_pattern_has_an_access_row`` (both databases, no data needed), naming it.

To see the observed matrix (e.g. after adding a page): ``ACCESS_MATRIX_PRINT=1 pytest -s
tests/cobuild/test_access_matrix.py``; review each line before pasting it into ``ACCESS``.
"""

from __future__ import annotations

import os
import time

import pytest
from django.db import transaction
from django.urls import reverse

from tests.cobuild.urlwalk import PATH_OBJECTS, app_patterns, path_kwargs

ROLES = ("county", "township", "village", "bureau", "inspector", "viewer")
# login_code: the login's second step; board_public: a 公示 board at its unguessable token
# (anonymous 200 while active, 404 once withdrawn: test_public_board_answers_anyone below)
PUBLIC = {"healthz", "login", "logout", "login_code", "board_public"}
SKIP_POST = {"logout"}  # ends the session (its own tests cover it)

# Pattern → in-scope statuses, GET then POST (an empty form), one per role in ROLES' order:
# county admin, township staff (the record's township), village secretary (the record's
# village), bureau liaison (the record's pairing's bureau), county inspector, county viewer.
ACCESS: dict[str, str] = {
    # name: GET county township village bureau inspector viewer | POST (same order)
    "two_factor": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "two_factor_codes": "302 302 302 302 302 302 | 302 302 302 302 302 302",
    "home": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "organizations:unit_list": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "organizations:unit_lookup": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "organizations:unit_detail": "200 200 200 404 200 200 | 200 200 200 404 200 200",
    "organizations:coverage": "200 200 200 404 200 200 | 200 200 200 404 200 200",
    "organizations:leader_create": "200 200 200 404 403 403 | 200 200 200 404 403 403",
    "organizations:leader_edit": "200 200 200 404 403 403 | 200 200 200 404 403 403",
    "organizations:leader_delete": "200 200 200 404 403 403 | 302 302 302 404 403 403",
    "organizations:job_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "organizations:job_detail": "302 302 302 302 302 302 | 405 405 405 405 405 405",
    "organizations:job_status": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "organizations:job_download": "404 404 404 404 404 404 | 405 405 405 405 405 405",
    "organizations:import": "200 200 403 403 403 403 | 405 405 405 405 405 405",
    "organizations:import_preview": "200 200 403 403 403 403 | 405 405 405 405 405 405",
    "organizations:import_confirm": "405 405 405 405 405 405 | 302 302 403 403 403 403",
    "organizations:import_upload": "200 200 403 403 403 403 | 200 200 403 403 403 403",
    "organizations:import_template": "200 200 403 403 403 403 | 405 405 405 405 405 405",
    "pairings:register": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "pairings:pairing_lookup": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "pairings:detail": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "pairings:ledger_xlsx": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "pairings:matrix": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "pairings:silent_xlsx": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "pairings:contactpoint_list": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "pairings:contactpoint_create": "200 403 403 403 403 403 | 200 403 403 403 403 403",
    "pairings:contactpoint_detail": "200 200 200 404 200 200 | 200 200 200 404 200 200",
    "pairings:contactpoint_edit": "200 403 403 404 403 403 | 200 403 403 404 403 403",
    "pairings:contactpoint_visit": "200 403 403 404 200 403 | 200 403 403 404 200 403",
    "pairings:inspection_list": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "pairings:inspection_create": "200 403 403 403 200 403 | 200 403 403 403 200 403",
    "pairings:inspection_detail": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "pairings:inspection_edit": "200 403 403 403 200 403 | 200 403 403 403 200 403",
    "pairings:inspection_correct": "200 403 403 403 403 403 | 200 403 403 403 403 403",
    "pairings:rectification_create": "200 403 403 403 200 403 | 200 403 403 403 200 403",
    "pairings:rectification_list": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "pairings:rectification_overdue": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "pairings:rectification_mine": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "pairings:rectification_detail": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "pairings:rectification_update": "200 200 200 403 200 403 | 200 200 200 403 200 403",
    "pairings:rectification_close": "200 200 200 403 200 403 | 200 200 200 403 200 403",
    "pairings:helppair_list": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "pairings:helppair_create": "200 200 200 200 403 403 | 200 200 200 200 403 403",
    "pairings:helppair_edit": "200 200 200 403 403 403 | 200 200 200 403 403 403",
    "pairings:helppair_status": "405 405 405 405 405 405 | 302 302 302 403 403 403",
    "campaigns:activity_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "campaigns:activity_mine": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "campaigns:activity_create": "200 200 200 200 403 403 | 200 200 200 200 403 403",
    "campaigns:activity_detail": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "campaigns:activity_edit": "200 200 403 403 403 403 | 200 200 403 403 403 403",
    "campaigns:activity_review": "405 405 405 405 405 405 | 302 302 403 403 403 403",
    "campaigns:activity_correct": "200 403 403 403 403 403 | 200 403 403 403 403 403",
    "campaigns:activity_photo_delete": "405 405 405 405 405 405 | 302 302 403 403 403 403",
    "campaigns:photo": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "campaigns:photo_thumb": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    # the phone form's photo staging: an empty POST is refused (400); a staged photo is its uploader's
    "campaigns:photo_stage": "405 405 405 405 405 405 | 400 400 400 400 403 403",
    "campaigns:staged_photo": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "campaigns:review_queue": "200 200 403 403 403 403 | 405 405 405 405 405 405",
    "campaigns:campaign_list": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "campaigns:campaign_create": "200 403 403 403 403 403 | 200 403 403 403 403 403",
    "campaigns:campaign_detail": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "campaigns:campaign_edit": "200 403 403 403 403 403 | 200 403 403 403 403 403",
    "campaigns:campaign_phase": "405 405 405 405 405 405 | 302 403 403 403 403 403",
    "campaigns:commitment_list": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "campaigns:commitment_create": "200 200 200 200 403 403 | 200 200 200 200 403 403",
    "campaigns:commitment_detail": "200 200 200 404 200 200 | 200 200 200 404 200 200",
    "campaigns:commitment_edit": "200 200 200 404 403 403 | 200 200 200 404 403 403",
    "campaigns:commitment_status": "200 200 200 404 403 403 | 200 200 200 404 403 403",
    "campaigns:commitment_correct": "200 403 403 404 403 403 | 200 403 403 404 403 403",
    "campaigns:board": "200 200 200 404 200 200 | 200 200 200 404 200 200",
    "campaigns:meeting_list": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "campaigns:meeting_create": "200 200 200 200 403 403 | 200 200 200 200 403 403",
    "campaigns:meeting_detail": "200 200 200 404 200 200 | 200 200 200 404 200 200",
    "campaigns:meeting_edit": "200 200 200 404 403 403 | 200 200 200 404 403 403",
    "campaigns:meeting_correct": "200 403 403 404 403 403 | 200 403 403 404 403 403",
    "campaigns:meeting_decision_add": "405 405 405 405 405 405 | 200 200 200 404 403 403",
    "campaigns:decision_list": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "campaigns:decision_edit": "200 200 200 404 403 403 | 200 200 200 404 403 403",
    "campaigns:decision_correct": "200 403 403 404 403 403 | 200 403 403 404 403 403",
    "campaigns:survey_correct": "200 403 403 404 403 403 | 200 403 403 404 403 403",
    # annual plans: the pair's two sides and the levels above edit; inspectors and viewers read
    "campaigns:plan_edit": "200 200 200 200 403 403 | 200 200 200 200 403 403",
    "campaigns:plan_behind": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "campaigns:plan_behind_xlsx": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    # public boards (a board of the village: the paired bureau does not see it)
    "campaigns:board_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "campaigns:board_create": "200 200 200 200 403 403 | 200 200 200 200 403 403",
    "campaigns:board_detail": "200 200 200 404 200 200 | 405 405 405 405 405 405",
    "campaigns:board_withdraw": "200 200 200 404 403 403 | 302 302 302 404 403 403",
    "metrics:summary_csv": "404 404 404 404 404 404 | 405 405 405 405 405 405",
    "metrics:completeness": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "metrics:bulletin": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "metrics:dashboard_xlsx": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "metrics:survey_list": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "metrics:survey_create": "200 200 403 403 403 403 | 200 200 403 403 403 403",
    "metrics:survey_edit": "200 200 403 404 403 403 | 200 200 403 404 403 403",
    "metrics:assessment": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "metrics:dashboard": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    "metrics:targets": "200 200 200 200 200 200 | 200 200 403 403 403 403",
    "metrics:target_delete": "405 405 405 405 405 405 | 302 403 404 404 403 403",
    "metrics:rebuild": "200 403 403 403 403 403 | 302 403 403 403 403 403",
    "metrics:survey_compare": "200 200 200 200 200 200 | 200 200 200 200 200 200",
    # the walk's scheme is published: every role reads it (its own rows); only the county admin writes
    "metrics:scheme_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "metrics:scheme_create": "200 403 403 403 403 403 | 200 403 403 403 403 403",
    "metrics:scheme_detail": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "metrics:scheme_item": "405 405 405 405 405 405 | 302 403 403 403 403 403",
    "metrics:scheme_rule": "405 405 405 405 405 405 | 302 403 403 403 403 403",
    "metrics:scheme_adjust": "405 405 405 405 405 405 | 302 403 403 403 403 403",
    "metrics:scheme_step": "405 405 405 405 405 405 | 302 403 403 403 403 403",
    "metrics:scheme_xlsx": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "people:person_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "people:person_export": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "people:person_create": "200 200 200 200 403 403 | 200 200 200 200 403 403",
    "people:person_detail": "200 200 200 404 200 200 | 200 200 200 404 200 200",
    "people:person_edit": "200 200 200 404 403 403 | 200 200 200 404 403 403",
    "people:step_add": "200 200 200 404 403 403 | 200 200 200 404 403 403",
    "people:board": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "people:priorities": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    # notices: a county task to the village. Sending is the county's and township's; the village,
    # and the township staff above it, acknowledge and reply, the sender does not; only the
    # sender reminds; the bureau is no recipient (404)
    "notices:notice_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "notices:inbox": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "notices:notice_create": "200 200 403 403 403 403 | 200 200 403 403 403 403",
    "notices:briefing_create": "200 200 200 200 403 403 | 200 200 200 200 403 403",
    "notices:notice_detail": "200 200 200 404 200 200 | 200 200 200 404 200 200",
    "notices:notice_remind": "405 405 405 405 405 405 | 302 403 403 404 403 403",
    "notices:receipt_acknowledge": "405 405 405 405 405 405 | 403 302 302 404 403 403",
    "notices:receipt_reply": "403 200 200 404 403 403 | 403 200 200 404 403 403",
    "notices:attachment": "200 200 200 404 200 200 | 405 405 405 405 405 405",
    "people:rich_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "people:rich_add": "200 200 200 404 403 403 | 200 200 200 404 403 403",
    "people:team_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "people:team_detail": "200 200 200 404 200 200 | 405 405 405 405 405 405",
    "people:service_add": "200 200 200 404 403 403 | 200 200 200 404 403 403",
    "people:volunteer_hours": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "people:volunteer_hours_export": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "people:migrant_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "people:contact_add": "200 200 200 404 403 403 | 200 200 200 404 403 403",
    # evaluations (评选): the county's cycle is seen by everyone below it; a village nomination
    # awaiting township review — the village and the township change it, only the township reviews
    # it, the bureau does not see it (404), nobody scores (no reviewer assigned); the county runs
    # reviewers, 公示, objections and awards; inspectors and viewers read
    "evaluations:cycle_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "evaluations:cycle_create": "200 403 403 403 403 403 | 200 403 403 403 403 403",
    "evaluations:scheme_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "evaluations:cycle_detail": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "evaluations:nominate": "200 200 200 200 403 403 | 200 200 200 200 403 403",
    "evaluations:cycle_reviewers": "200 403 403 403 403 403 | 200 403 403 403 403 403",
    "evaluations:cycle_publicity": "200 403 403 403 403 403 | 200 403 403 403 403 403",
    "evaluations:cycle_close": "200 403 403 403 403 403 | 302 403 403 403 403 403",
    "evaluations:cycle_award": "200 403 403 403 403 403 | 200 403 403 403 403 403",
    "evaluations:nomination_detail": "200 200 200 404 200 200 | 405 405 405 405 405 405",
    "evaluations:nomination_edit": "200 200 200 404 403 403 | 200 200 200 404 403 403",
    "evaluations:nomination_review": "403 200 403 404 403 403 | 403 200 403 404 403 403",
    "evaluations:nomination_score": "403 403 403 404 403 403 | 403 403 403 404 403 403",
    "evaluations:objection_add": "200 403 403 404 403 403 | 200 403 403 404 403 403",
    "evaluations:objection_answer": "200 403 403 404 403 403 | 200 403 403 404 403 403",
    "evaluations:evidence_file": "200 200 200 404 200 200 | 405 405 405 405 405 405",
    # creation (三级联创): the village's entry, declared. Goals are the county admin's; the village
    # secretary declares (302 back to the entry: it is declared already); the township and the county
    # inspect, name (302: not yet passed) and return; everyone in the county reads the goals.
    "creation:goal_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "creation:goal_create": "200 403 403 403 403 403 | 200 403 403 403 403 403",
    "creation:goal_detail": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "creation:goal_edit": "200 403 403 403 403 403 | 200 403 403 403 403 403",
    "creation:entry_list": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "creation:entry_export": "200 200 200 200 200 200 | 405 405 405 405 405 405",
    "creation:entry_detail": "200 200 200 404 200 200 | 405 405 405 405 405 405",
    "creation:entry_declare": "403 403 302 404 403 403 | 403 403 302 404 403 403",
    "creation:entry_inspect": "200 200 403 404 403 403 | 200 200 403 404 403 403",
    "creation:entry_name": "302 302 403 404 403 403 | 302 302 403 404 403 403",
    "creation:entry_return": "200 200 403 404 403 403 | 200 200 403 404 403 403",
    "creation:evidence": "200 200 200 404 200 200 | 405 405 405 405 405 405",
}


def _status(client, method, url):
    with transaction.atomic():  # each request's writes are undone: every role meets the same world
        response = client.get(url) if method == "GET" else client.post(url, {})
        transaction.set_rollback(True)
    return response.status_code



def test_every_pattern_has_an_access_row():
    """A new URL pattern must say who may use it: no row in ACCESS (or PATH_OBJECTS) fails here."""
    names = [name for _, name, _ in app_patterns()]
    missing = sorted({n or "(unnamed)" for n in names} - set(ACCESS) - PUBLIC)
    assert missing == [], f"URL patterns without a row in ACCESS (tests/cobuild/test_access_matrix.py): {missing}"
    missing_objects = sorted({n or "(unnamed)" for n in names} - set(PATH_OBJECTS))
    assert missing_objects == [], f"URL patterns without a row in tests/cobuild/urlwalk.py PATH_OBJECTS: {missing_objects}"
    for name, row in ACCESS.items():
        get, post = row.split("|")
        assert len(get.split()) == len(post.split()) == len(ROLES), name


def test_public_board_answers_anyone(world, client, quiet):
    """The one public page: anonymous (and any role) reads an active board; it only answers GET;
    another county's board is public too (its token is the key, not a scope); unknown → 404."""
    url = reverse("board_public", kwargs=path_kwargs("board_public", world.inside))
    assert client.get(url).status_code == 200
    assert client.post(url, {}).status_code == 405
    other = reverse("board_public", kwargs=path_kwargs("board_public", world.outside))
    assert client.get(other).status_code == 200
    assert client.get(reverse("board_public", kwargs={"token": "x" * 32})).status_code == 404
    for role in ROLES:
        client.force_login(world.users[role])
        assert client.get(url).status_code == 200, role
        client.logout()


#: what each role met, by pattern (ACCESS_MATRIX_PRINT prints the rows once every role has run)
_OBSERVED: dict[str, dict[str, list[int]]] = {}


@pytest.mark.parametrize("role", ("anonymous",) + ROLES)
def test_access_matrix(world, client, quiet, role):
    """One role's column of the matrix (one test per role, so that parallel runs share them out)."""
    start = time.monotonic()
    checked, wrong = 0, []
    patterns = [(route, name) for route, name, _ in app_patterns() if name]
    if role == "anonymous":
        for _route, name in patterns:
            url = reverse(name, kwargs=path_kwargs(name, world.inside, world.users["county"]))
            for method in ("GET", "POST"):
                if name in PUBLIC:
                    continue
                code = _status(client, method, url)
                checked += 1
                if code != 302:
                    wrong.append(f"anonymous {method} {name}: {code}, expected 302 to the login page")
    else:
        user = world.users[role]
        client.force_login(user)
        for _route, name in patterns:
            if name in PUBLIC:
                continue
            key = PATH_OBJECTS[name]
            inside = reverse(name, kwargs=path_kwargs(name, world.inside, user))
            # out of scope: the other county's record, or another user's job/import
            if key is not None and key != "kind":
                other = (path_kwargs(name, world.outside, None) if key not in ("job", "import", "staged")
                         else {"pk": world.outside[f"{key}:outsider"].pk})
                outside = reverse(name, kwargs=other)
                for i, method in enumerate(("GET", "POST")):
                    code = _status(client, method, outside)
                    checked += 1
                    # 405: the method is refused before any lookup; 403 only where the role is
                    # refused the page even in scope (it may not use it at all: nothing leaks)
                    refused = name in ACCESS and ACCESS[name].split("|")[i].split()[ROLES.index(role)] == "403"
                    if code not in (404, 405) and not (code == 403 and refused):
                        wrong.append(f"{role} {method} {name} out of scope: {code}, expected 404")
            codes = []
            for method in ("GET", "POST"):
                codes.append(_status(client, method, inside) if not (method == "POST" and name in SKIP_POST) else 0)
                checked += 1
            _OBSERVED.setdefault(name, {})[role] = codes
            if name in ACCESS:
                get, post = ACCESS[name].split("|")
                expected = [get.split()[ROLES.index(role)], post.split()[ROLES.index(role)]]
                if expected != [str(c) for c in codes]:
                    wrong.append(f"{name}: expected {ACCESS[name]!r}, got {' | '.join(map(str, codes))!r} "
                                 f"for {role} (GET | POST)")
            if 500 in codes:
                wrong.append(f"{role} {name}: server error")
        client.logout()
    if os.environ.get("ACCESS_MATRIX_PRINT") and all(len(by_role) == len(ROLES) for by_role in _OBSERVED.values()):
        for name, by_role in _OBSERVED.items():
            got = " ".join(str(by_role[r][0]) for r in ROLES) + " | " + " ".join(str(by_role[r][1]) for r in ROLES)
            print(f'    "{name}": "{got}",')
    print(f"\naccess matrix, {role}: {checked} combinations ({len(patterns)} URL patterns × in/out of scope × "
          f"GET/POST) in {time.monotonic() - start:.1f} s")
    assert wrong == [], "\n".join(wrong)
