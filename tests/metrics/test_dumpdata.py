"""``dumpdata``/``loaddata`` round-trip the records with their summary rows: loading a fixture
(``raw`` saves) skips the summary upkeep, whose rows the fixture carries as they were dumped —
before, loading the records re-derived the summary and the dumped ``Fact`` rows then collided
with it (a unique-constraint error)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from campaigns.models import Activity
from metrics import rollup
from metrics.models import Contribution, Fact
from organizations.models import RecordScope
from tests.campaigns.activity_world import World, days

pytestmark = pytest.mark.django_db


def test_loaddata_of_a_dump_restores_records_and_summary_exactly(tmp_path):
    w = World()
    for i in range(3):
        w.log(title=f"活动{i}", date=days(-i - 1), outcomes={"households_visited": i + 1})
    w.log(actor="village2", unit=w.villages[1], title="另一村")
    before = rollup.snapshot()
    counts = {m: m.objects.count() for m in (Activity, Fact, Contribution, RecordScope)}
    dump = tmp_path / "dump.json"
    call_command("dumpdata", "campaigns", "metrics", "organizations.recordscope", "-o", str(dump))
    assert any(row["model"] == "metrics.fact" for row in json.loads(dump.read_text()))

    Activity.objects.all().delete()  # the upkeep takes the figures away with them
    assert rollup.snapshot() != before
    call_command("loaddata", str(dump), verbosity=0)

    assert {m: m.objects.count() for m in counts} == counts
    assert rollup.snapshot() == before
    assert rollup.rebuild()["fixed"] == 0
