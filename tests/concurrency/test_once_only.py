"""The same activity form submitted from 8 threads at once (8 clicks, or a phone retrying while
the first request still runs) creates exactly one activity: the form token's claim is a unique
row written in the record's own transaction, so the others wait for it and then go to the first
record. PostgreSQL only (tests/concurrency/conftest.py)."""

from __future__ import annotations

import threading

from django.db import connection
from django.test import Client
from django.urls import reverse

from campaigns.models import Activity, ActivityPhoto
from organizations.models import Submission
from tests.campaigns.activity_world import World, media, upload  # noqa: F401
from tests.campaigns.test_activities import form_data

THREADS = 8


def test_eight_threads_with_one_token_create_one_activity(media):  # noqa: F811
    w = World()
    user = w.users["village"]
    token = "ab" * 16
    start = threading.Barrier(THREADS)
    answers, errors, lock = [], [], threading.Lock()

    def submit():
        try:
            client = Client()
            client.force_login(user)
            data = form_data(w, submit_token=token, photos=[upload()])
            start.wait(30)
            r = client.post(reverse("campaigns:activity_create"), data)
            with lock:
                answers.append((r.status_code, r.get("Location")))
        except Exception as exc:  # noqa: BLE001 - every failure is what this test reports
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    assert errors == []
    activity = Activity.objects.get()
    detail = reverse("campaigns:activity_detail", args=[activity.pk])
    assert answers == [(302, detail)] * THREADS  # every submit lands on the one record
    assert ActivityPhoto.objects.filter(activity=activity).count() == 1
    assert Submission.objects.get().record_id == activity.pk
