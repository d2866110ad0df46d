"""Shared set-up of the register, ledger, matrix and import tests (not a test module)."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.services import activity_submit, commitment_save, meeting_save
from organizations.models import Unit, UnitKind
from pairings import services
from tests.clock import today
from tests.factories import County, _seq, make_campaign, make_pairing, make_unit


def days_ago(n):
    return today() - dt.timedelta(days=n)


def build_world():
    """A county with two townships of two villages, two bureaus and two pairs:
    P-A (县农业局 — 第1镇1村) and P-B (县水务局 — 第2镇1村)."""
    c = County(full=False)
    c.campaign = make_campaign(c.county, slug="bjlbc", name="百局联百村")
    c.bureau_b = make_unit(UnitKind.BUREAU, c.county, name="县水务局")
    c.pa = make_pairing(c.campaign, c.bureau, c.villages[0], code="P-A", bureau_contact="王联络",
                        bureau_phone="13800001111", village_contact="李书记", village_phone="13900002222",
                        goals="建成村集体合作社", agreement="每季度开展一次联合主题党日。")
    c.pb = make_pairing(c.campaign, c.bureau_b, c.villages[2], code="P-B", village_contact="赵书记")
    return c


def log_everything(c, p, ago=5, n=1):
    """``n`` records of every built-in ledger source for pair ``p``, ``ago`` days ago."""
    d = days_ago(ago)
    for i in range(n):
        activity_submit(actor=None, campaign=c.campaign, date=d, unit=p.village, category="org_life",
                        title=f"联合主题党日{i}", pairing=p, participants=30,
                        outcomes={"households_visited": 4})
        commitment_save(actor=None, campaign=c.campaign, unit=p.bureau, pairing=p, content=f"修建文化广场{i}",
                        made_on=d)
        meeting_save(actor=None, campaign=c.campaign, held_on=d, host_unit=p.village, title=f"党工青妇联席会议{i}",
                     pairing=p)
        services.inspection_save(actor=None, campaign=c.campaign, unit=p.village, pairing=p, kind="leader_visit",
                                 held_on=d, visitors=3, inspector="王常委")
        ins, _ = services.inspection_save(actor=None, campaign=c.campaign, unit=p.village, pairing=p,
                                          kind="inspection", method="tour", held_on=d, findings=f"台帐不全{i}")
        services.rectification_create(actor=None, inspection=ins, description=f"补齐台帐{i}",
                                      responsible_unit=p.village, deadline=d + dt.timedelta(days=30))
        services.help_pair_save(actor=None, village=p.village, pairing=p, member_name=f"李党员{i}",
                                household_name=f"赵大户{i}", household_kind="poor", started_on=d)


def visit(c, p, ago, visitors=1):
    """One leader visit (a ledger record without date limits) ``ago`` days ago."""
    return services.inspection_save(actor=None, campaign=c.campaign, unit=p.village, pairing=p,
                                    kind="leader_visit", held_on=days_ago(ago), visitors=visitors)[0]


def bulk_units(parent, kind, n, prefix):
    """Many units at once (bulk insert with correct paths), for volume tests."""
    start = next(_seq) * 10000
    units = Unit.objects.bulk_create([
        Unit(code=f"{prefix}{start + i}", name=f"{prefix}{start + i}", kind=kind, parent=parent, path="/",
             depth=parent.depth + 1)
        for i in range(n)
    ])
    if units and units[0].pk is None:  # backends without RETURNING
        units = list(Unit.objects.filter(code__startswith=prefix, path="/", parent=parent))
    for u in units:
        u.path = f"{parent.path}{u.pk}/"
    Unit.objects.bulk_update(units, ["path"], batch_size=500)
    return units


def many_pairs(c, n, township=None):
    """``n`` more pairs (through the service), each with a fresh bureau and village."""
    villages = bulk_units(township or c.townships[0], UnitKind.VILLAGE, n, "MV")
    bureaus = bulk_units(c.county, UnitKind.BUREAU, n, "MB")
    return [make_pairing(c.campaign, b, v, village_contact=f"书记{i}", village_phone=f"1390000{i:04d}")
            for i, (b, v) in enumerate(zip(bureaus, villages, strict=True))]


def count_queries(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(path, params or {})
    assert r.status_code == 200, r.status_code
    return len(ctx.captured_queries)
