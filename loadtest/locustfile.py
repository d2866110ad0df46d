"""The load run's users (README, "负载测试 (load)"): a realistic mix against a running portal.

Started by ``manage.py load_run`` (``make load``), which prepares the accounts, writes the plan
(a JSON file named by the environment variable ``LOAD_PLAN``), starts gunicorn and runs
``locust -f loadtest/locustfile.py --headless ...``. Three kinds of people, each logging in through
the real login page (CSRF cookie and token) and using the pages as a browser would:

- **village secretaries** open the activity form, fill it (a unique title per submission, a
  category, participants, sometimes an outcome value, keeping what the page preselected: their
  village, its pairing, the campaign, today, the organisers) and submit it with one to three
  JPEG photos generated in memory (a few hundred KB each), then look at the stored activity;
- **staff** (province, county and township) open dashboards of units in their scope, the activity
  list (plain, of a unit, filtered) and the pairing matrix;
- **reviewers** (township staff, one township each, so two reviewers never race for a record)
  open the review queue, sometimes an activity's page, and verify it (now and then return it
  with a comment) from the queue.

Every confirmed submission and review is written to the plan's ``results`` file when locust
quits; the runner compares them with the database (every submission stored exactly once). This
file imports no part of the portal: it talks HTTP only.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task
from locust.stats import StatsEntry

PLAN: dict = {}
if os.environ.get("LOAD_PLAN"):
    with open(os.environ["LOAD_PLAN"], encoding="utf-8") as fh:
        PLAN = json.load(fh)

SUBMITTED: list[list] = []       # [title, photos sent] the server confirmed (302 to the new activity)
REVIEWED: list[dict] = []        # {"pk", "decision", "username"} the server confirmed
_counters = {kind: itertools.count() for kind in ("secretaries", "staff", "reviewers")}


# --- photos: generated once, in memory -------------------------------------------------------------

def make_photo(width: int, height: int, seed: int) -> bytes:
    """A JPEG of a few hundred KB: noise over a gradient (photographs do not compress to nothing)."""
    from PIL import Image

    rng = random.Random(seed)
    noise = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    buf = BytesIO()
    Image.blend(noise, gradient, 0.6).save(buf, "JPEG", quality=80)
    return buf.getvalue()


_PHOTOS: list[bytes] = []


def photos() -> list[bytes]:
    if not _PHOTOS:
        _PHOTOS.extend(make_photo(w, h, i) for i, (w, h) in enumerate([(800, 600), (960, 720), (720, 960),
                                                                          (1024, 768)]))
    return _PHOTOS


# --- forms as a browser submits them -----------------------------------------------------------------

class Form:
    def __init__(self, attrs: dict):
        self.attrs = attrs
        self.fields: list[list[str]] = []            # [name, value] in page order
        self.options: dict[str, list[str]] = {}      # select name -> option values

    def get(self, name: str, default=None):
        return next((v for n, v in self.fields if n == name), default)

    def set(self, name: str, value) -> None:
        for pair in self.fields:
            if pair[0] == name:
                pair[1] = str(value)
                return
        self.fields.append([name, str(value)])

    def data(self) -> list[tuple[str, str]]:
        return [(n, v) for n, v in self.fields]


class FormParser(HTMLParser):
    """Every ``<form>`` of a page with the values a browser would send (inputs, checked boxes,
    selected options or the first one, textareas); nothing inside ``<template>``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._template = 0
        self._select: list | None = None      # [name, selected value, first value]
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "template":
            self._template += 1
        if self._template:
            return
        if tag == "form":
            self._form = Form(a)
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.fields.append([a["name"], a.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "select" and a.get("name"):
            self._select = [a["name"], None, None]
            self._form.options[a["name"]] = []
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._form.options[self._select[0]].append(value)
            if self._select[2] is None:
                self._select[2] = value
            if "selected" in a:
                self._select[1] = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "template":
            self._template = max(0, self._template - 1)
            return
        if self._template or self._form is None:
            return
        if tag == "select" and self._select is not None:
            name, selected, first = self._select
            if selected is not None or first is not None:
                self._form.fields.append([name, selected if selected is not None else first])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.fields.append(self._textarea)
            self._textarea = None
        elif tag == "form":
            self._form = None


def page_forms(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def path_of(location: str) -> str:
    return urlsplit(location).path


# --- the people ----------------------------------------------------------------------------------

class Person(HttpUser):
    abstract = True
    kind = ""
    wait_time = between(1, 3)

    def on_start(self):
        accounts = PLAN[self.kind]
        self.index = next(_counters[self.kind])
        self.account = accounts[self.index % len(accounts)]
        self.login()

    def login(self):
        self.client.get("/accounts/login/", name="login page")
        token = self.client.cookies.get("csrftoken", "")
        with self.client.post("/accounts/login/", name="login", allow_redirects=False, catch_response=True,
                              data={"username": self.account["username"], "password": PLAN["password"],
                                    "csrfmiddlewaretoken": token}) as r:
            if r.status_code != 302:
                r.failure(f"login of {self.account['username']} refused ({r.status_code})")


class Secretary(Person):
    """A village secretary logging activities with photos from a phone."""

    kind = "secretaries"
    weight = 8

    def on_start(self):
        super().on_start()
        self.seq = 0

    @task(6)
    def submit_activity(self):
        with self.client.get("/campaigns/activities/new/", name="activity form", catch_response=True) as r:
            form = next((f for f in page_forms(r.text or "") if f.attrs.get("id") == "activity-form"), None)
            if form is None:
                r.failure(f"no activity form on the page ({r.status_code})")
                return
        self.seq += 1
        title = f"{PLAN['title_prefix']}{self.account['username']}-{self.seq:04d}"
        form.set("title", title)
        form.set("category", random.choice([v for v in form.options.get("category", []) if v] or ["other"]))
        if form.get("pairing"):
            form.set("link_area", random.choice([v for v in form.options.get("link_area", []) if v] or [""]))
        form.set("participants", random.randint(8, 60))
        form.set("description", "负载测试:现场开展,群众参与。")
        outcomes = [n for n, _ in form.fields if n.startswith(PLAN["outcome_prefix"])]
        if outcomes and random.random() < 0.4:
            form.set(random.choice(outcomes), random.randint(1, 3))
        pictures = random.sample(photos(), random.randint(1, PLAN["max_photos"]))
        files = [("photos", (f"现场{i + 1}.jpg", content, "image/jpeg")) for i, content in enumerate(pictures)]
        with self.client.post("/campaigns/activities/new/", data=form.data(), files=files, allow_redirects=False,
                              name="activity submit (photos)", catch_response=True) as resp:
            location = path_of(resp.headers.get("Location", ""))
            if resp.status_code == 302 and re.fullmatch(r"/campaigns/activities/\d+/", location):
                resp.success()
                SUBMITTED.append([title, len(pictures)])
            else:
                errors = re.findall(r'class="invalid-feedback[^"]*"[^>]*>([^<]+)<', resp.text or "")
                resp.failure(f"activity not stored ({resp.status_code}): {'; '.join(errors)[:300]}")
                return
        self.client.get(location, name="activity detail")

    @task(1)
    def my_activities(self):
        self.client.get("/campaigns/activities/mine/", name="my activities")


class Staff(Person):
    """Province, county and township staff looking at figures, lists and the matrix."""

    kind = "staff"
    weight = 5

    @task(4)
    def dashboard(self):
        level, unit_id = random.choice(self.account["dashboards"])
        self.client.get(f"/metrics/dashboard/?unit={unit_id}", name=f"dashboard ({level})")

    @task(2)
    def activity_list(self):
        self.client.get("/campaigns/activities/", name="activity list")

    @task(1)
    def activity_list_filtered(self):
        level, unit_id = random.choice(self.account["dashboards"])
        status = random.choice(["submitted", "verified", ""])
        self.client.get(f"/campaigns/activities/?unit={unit_id}&status={status}", name="activity list (unit, status)")

    @task(2)
    def matrix(self):
        self.client.get("/pairings/matrix/", name="pairing matrix")


class Reviewer(Person):
    """Township staff working through their review queue."""

    kind = "reviewers"
    weight = 3

    @task
    def review(self):
        r = self.client.get("/campaigns/review/", name="review queue")
        queue = [f for f in page_forms(r.text)
                 if re.fullmatch(r"/campaigns/activities/\d+/review/", f.attrs.get("action", ""))]
        if not queue:
            return
        form = random.choice(queue[:5])
        pk = int(form.attrs["action"].split("/")[3])
        if random.random() < 0.3:
            self.client.get(f"/campaigns/activities/{pk}/", name="activity detail")
        decision = "verify" if random.random() < 0.9 else "return"
        form.set("decision", decision)
        if decision == "return":
            form.set("comment", "负载测试:请补充活动照片说明。")
        with self.client.post(form.attrs["action"], data=form.data(), allow_redirects=False,
                              name=f"review ({decision})", catch_response=True) as resp:
            location = path_of(resp.headers.get("Location", ""))
            if resp.status_code == 302 and location == "/campaigns/review/":
                resp.success()
                REVIEWED.append({"pk": pk, "decision": decision, "username": self.account["username"]})
            else:
                resp.failure(f"review of {pk} not taken ({resp.status_code} → {location})")


def _stat(entry, name: str) -> dict:
    return {"name": name, "requests": entry.num_requests, "failures": entry.num_failures, "rps": entry.total_rps,
            "p50": entry.get_response_time_percentile(0.5) if entry.num_requests else 0,
            "p95": entry.get_response_time_percentile(0.95) if entry.num_requests else 0}


@events.quitting.add_listener
def _write_results(environment, **_kwargs):
    """At the very end (after the users stopped gracefully, unlike ``--csv``'s last write): the
    confirmed writes and the final statistics per request type."""
    if PLAN.get("results"):
        stats = environment.stats
        rows = [_stat(e, e.name) for e in sorted(stats.entries.values(), key=lambda e: e.name)]
        pages = StatsEntry(stats, "all but login", "")   # the pages, without the login storm of the start
        for e in stats.entries.values():
            if not e.name.startswith("login"):
                pages.extend(e)
        rows.append(_stat(pages, pages.name))
        with open(PLAN["results"], "w", encoding="utf-8") as fh:
            json.dump({"submitted": SUBMITTED, "reviewed": REVIEWED,
                       "stats": [*rows, _stat(stats.total, "Aggregated")],
                       "errors": [f"{e.method} {e.name}: {e.error} ×{e.occurrences}" for e in stats.errors.values()]},
                      fh, ensure_ascii=False)
