"""The load run's data side (``manage.py load_run``, README "负载测试 (load)"): the accounts and the
plan the locust users read, and the checks made against the database afterwards.

The people are put on the synthetic province of ``seed_scale`` (county ``SC-001``) through the
services (``role_grant`` with no actor, as a command does), idempotently: ``load-sec-NN``
(village secretaries), ``load-rev-NN`` (township staff, one township each, who review) and
``load-staff-NN`` (township staff who look), beside ``scale`` and ``scale-county`` of seed_scale,
all with the password ``cobuild-demo``.
"""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files.storage import default_storage

from campaigns.forms_activities import OUTCOME_PREFIX
from campaigns.models import Activity, ActivityPhoto, ReviewStatus
from demo import scale
from metrics import rollup
from organizations import services as org_services
from organizations.models import Role, Unit, UnitKind
from pairings.models import Pairing

COUNTY_CODE = f"{scale.PROVINCE_CODE}-001"
PASSWORD = scale.PASSWORD
TITLE_PREFIX = "负载测试"
# Locust's user classes and their weights (loadtest/locustfile.py): 8 : 5 : 3 of every 16 users.
WEIGHTS = {"secretaries": 8, "staff": 5, "reviewers": 3}
MAX_PHOTOS = 3


def people(users: int) -> dict[str, int]:
    """How many locust users of each kind a run of ``users`` has (at least one of each)."""
    total = sum(WEIGHTS.values())
    return {kind: max(1, math.ceil(users * w / total)) for kind, w in WEIGHTS.items()}


def _grant(username: str, role: str, unit: Unit) -> None:
    """The account with the known password and the role over ``unit``; nothing written when it is
    already so (a fresh password hash is only made for a new account)."""
    from organizations.models import User

    exists = User.objects.filter(username=username).exists()
    org_services.role_grant(actor=None, username=username, role=role, unit=unit,
                            password=None if exists else PASSWORD, reason="负载测试账号")


def prepare(users: int, run_id: str, results: Path, seed: int = 1) -> dict:
    """Create the accounts and return the plan the locustfile reads (JSON-serialisable)."""
    county = Unit.objects.get(code=COUNTY_CODE)
    province = Unit.objects.get(code=scale.PROVINCE_CODE)
    towns = list(Unit.objects.filter(parent=county, kind=UnitKind.TOWNSHIP).order_by("code"))
    villages_of = {t.pk: list(Unit.objects.filter(parent=t).order_by("code")) for t in towns}
    paired = set(Pairing.objects.filter(village__parent__in=towns).values_list("village_id", flat=True))
    rng = random.Random(seed)  # a reproducible load plan, not secrets  # nosec B311
    n = people(users)

    # Reviewers: one township each, so no two reviewers ever race for one record.
    reviewer_towns = towns[:min(n["reviewers"], len(towns))]
    reviewers = []
    for i, town in enumerate(reviewer_towns, start=1):
        _grant(f"load-rev-{i:02d}", Role.TOWNSHIP_STAFF, town)
        reviewers.append({"username": f"load-rev-{i:02d}", "unit": town.pk})

    # Secretaries: villages (with a pairing first) of the reviewers' townships, taken in turn.
    queues = [[v for v in villages_of[t.pk] if v.pk in paired] + [v for v in villages_of[t.pk] if v.pk not in paired]
              for t in reviewer_towns]
    order = [q[k] for k in range(max(len(q) for q in queues)) for q in queues if k < len(q)]
    secretaries = []
    for i in range(n["secretaries"]):
        village = order[i % len(order)]
        name = f"load-sec-{i + 1:02d}"
        _grant(name, Role.VILLAGE_SECRETARY, village)
        secretaries.append({"username": name, "unit": village.pk})

    # Staff: the county admin, township staff and the province admin in turn, each looking at
    # dashboards of units in their own scope.
    def sample(units, k):
        return rng.sample(units, min(k, len(units)))

    all_villages = [v for t in towns for v in villages_of[t.pk]]
    counties = list(Unit.objects.filter(parent=province, kind=UnitKind.COUNTY).order_by("code")[:3])
    staff, own = [], 0
    for i in range(n["staff"]):
        turn = ("scale-county", "load-staff", "scale", "load-staff")[i % 4]
        if turn == "scale-county":
            dashboards = ([("county", county.pk)] + [("township", t.pk) for t in sample(towns, 3)]
                          + [("village", v.pk) for v in sample(all_villages, 3)])
            staff.append({"username": "scale-county", "dashboards": dashboards})
        elif turn == "scale":
            dashboards = [("province", province.pk)] + [("county", c.pk) for c in counties]
            staff.append({"username": "scale", "dashboards": dashboards})
        else:
            own += 1
            town = towns[(own - 1) % len(towns)]
            _grant(f"load-staff-{own:02d}", Role.TOWNSHIP_STAFF, town)
            dashboards = [("township", town.pk)] + [("village", v.pk) for v in sample(villages_of[town.pk], 3)]
            staff.append({"username": f"load-staff-{own:02d}", "dashboards": dashboards})

    return {
        "password": PASSWORD,
        "title_prefix": f"{TITLE_PREFIX} {run_id} ",
        "outcome_prefix": OUTCOME_PREFIX,
        "max_photos": MAX_PHOTOS,
        "results": str(results),
        "secretaries": secretaries,
        "staff": staff,
        "reviewers": reviewers,
    }


# --- after the run --------------------------------------------------------------------------------

@dataclass
class Stat:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float


def final_stats(results: dict) -> list[Stat]:
    """The statistics the locustfile wrote when locust quit: one per request type, ``Aggregated`` last."""
    return [Stat(s["name"], s["requests"], s["failures"], s["rps"], s["p50"], s["p95"])
            for s in results.get("stats", [])]


def read_stats(path: Path) -> list[Stat]:
    """Locust's ``<prefix>_stats.csv`` (written when the test stops, before the users have
    finished their last task): one row per request type and the ``Aggregated`` row last."""
    def num(row, key):
        value = row.get(key) or "0"
        return float(value) if value != "N/A" else 0.0

    with path.open(encoding="utf-8") as fh:
        return [Stat(row["Name"], int(row["Request Count"]), int(row["Failure Count"]),
                     num(row, "Requests/s"), num(row, "50%"), num(row, "95%")) for row in csv.DictReader(fh)]


@dataclass
class Writes:
    """Submissions confirmed to the locust users against the rows stored."""

    confirmed: int = 0
    stored: int = 0
    doubled: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)
    photos_expected: int = 0
    photos_stored: int = 0
    photo_problems: list[str] = field(default_factory=list)
    reviews: int = 0
    review_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.doubled or self.lost or self.unconfirmed)

    @property
    def photos_ok(self) -> bool:
        return not self.photo_problems and self.photos_expected == self.photos_stored

    @property
    def reviews_ok(self) -> bool:
        return not self.review_problems


def check_writes(plan: dict, results: dict) -> Writes:
    """Every submission the server confirmed is stored exactly once (with its photos, their files
    in storage) and nothing was stored that was not confirmed; every confirmed review holds."""
    w = Writes()
    submitted = {title: n for title, n in results.get("submitted", [])}
    w.confirmed = len(results.get("submitted", []))
    rows = list(Activity.objects.filter(title__startswith=plan["title_prefix"]).values_list("pk", "title"))
    stored = Counter(title for _pk, title in rows)
    w.stored = len(rows)
    w.doubled = sorted(t for t, c in stored.items() if c > 1)
    w.lost = sorted(t for t in submitted if t not in stored)
    w.unconfirmed = sorted(t for t in stored if t not in submitted)
    if w.confirmed != len(submitted):
        w.doubled += sorted(t for t, c in Counter(t for t, _n in results["submitted"]).items() if c > 1)
    title_of = dict(rows)
    photos = Counter()
    for photo in ActivityPhoto.objects.filter(activity_id__in=list(title_of)).only("activity_id", "image"):
        photos[photo.activity_id] += 1
        if not default_storage.exists(photo.image.name):
            w.photo_problems.append(f"missing file {photo.image.name}")
    w.photos_stored = sum(photos.values())
    w.photos_expected = sum(submitted.values())
    for pk, title in title_of.items():
        if title in submitted and photos[pk] != submitted[title]:
            w.photo_problems.append(f"{title}: {photos[pk]} photos stored, {submitted[title]} sent")
    reviewed = results.get("reviewed", [])
    w.reviews = len(reviewed)
    status_of = {pk: (status, who) for pk, status, who in Activity.objects.filter(
        pk__in=[r["pk"] for r in reviewed]).values_list("pk", "status", "reviewed_by__username")}
    for r in reviewed:
        want = ReviewStatus.VERIFIED if r["decision"] == "verify" else ReviewStatus.RETURNED
        got = status_of.get(r["pk"])
        if got != (want, r["username"]):
            w.review_problems.append(f"activity {r['pk']}: {got} instead of {(want, r['username'])}")
    if len({r["pk"] for r in reviewed}) != len(reviewed):
        w.review_problems.append("an activity was reviewed twice")
    return w


def summary_matches_rebuild() -> tuple[bool, int, int]:
    """The summary table as maintained vs. a rebuild: (equal, rows, rows the rebuild fixed)."""
    before = rollup.snapshot()
    result = rollup.rebuild()
    after = rollup.snapshot()
    return before == after and result["fixed"] == 0, len(before), result["fixed"]
