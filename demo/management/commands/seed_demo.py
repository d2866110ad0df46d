"""``manage.py seed_demo``: load the demo county (铁力市), its 百局联百村 campaign and the demo
accounts.

Everything goes through the services (``unit_save``, ``organization_save``, ``leader_save``,
``role_grant``, ``campaign_save``, ``pairing_save``, ``contact_point_save``, ``inspection_save``,
``rectification_*``, ``help_pair_save``) with ``actor=None``. Idempotent: records are matched by
code (leaders by unit, position and name; contact points by leader and place; rectification
items by inspection and text) and a service is called only when something differs, so a second
run writes nothing, not even history.

The campaign's records are dated relative to the demo's "today": on the first run that is the
real today; later runs keep the first run's dates (today = the campaign's start + one year), so
re-running writes nothing. ``--redate`` moves every date so that today is today again (closed
rectification items keep their closing dates: the service never reopens a closed item).
"""

from __future__ import annotations

import datetime as dt
import time

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from campaigns.models import Activity, AppraisalSubject, Campaign
from campaigns.services import activity_correct, appraisal_subject_save, campaign_save
from cobuild.batching import batch
from cobuild.console import format_table
from cobuild.importing import run_import
from demo import data as demo_data
from demo.assessment import load_demo_assessments
from demo.creation import load_demo_creation
from demo.evaluations import load_demo_evaluations
from demo.notices import load_demo_notices
from demo.people import load_demo_people
from demo.plans import load_demo_boards, load_demo_plans
from demo.targets import load_demo_targets
from demo.year import EXTRA_SUBJECT, extra_subject_surveys, to_csv, year_rows
from organizations import services
from organizations.models import (
    PARTY_KINDS,
    Leader,
    Organization,
    Role,
    RoleGrant,
    Unit,
    UnitKind,
    User,
)
from pairings import services as pairing_services
from pairings.models import (
    ContactPoint,
    HelpPair,
    Inspection,
    InspectionKind,
    Pairing,
    RectificationItem,
    RectificationStatus,
)

LABELS = {"units": "单位", "organizations": "组织", "leaders": "负责人", "accounts": "账号",
          "campaigns": "专项活动", "pairings": "结对共建", "contact_points": "领导联系点",
          "inspections": "督查走访", "rectifications": "整改事项", "help_pairs": "帮扶对子",
          "activities": "共建活动", "commitments": "公开承诺", "surveys": "民主测评",
          "plans": "共建计划", "boards": "公示栏",
          "people": "人员名册", "pipeline_steps": "推优发展环节",
          "notices": "通知任务", "creation": "三级联创(目标与环节)", "evaluations": "评选",
          "assessments": "考核方案"}


def _differs(obj: models.Model, **wanted) -> bool:
    """Whether any of ``wanted`` (field name -> value, related objects by instance) differs."""
    for name, value in wanted.items():
        field = obj._meta.get_field(name)
        if field.is_relation:
            current, value = getattr(obj, field.attname), (value.pk if value is not None else None)
        else:
            current = getattr(obj, name)
        if current != value:
            return True
    return False


class Command(BaseCommand):
    help = "载入演示数据:铁力市“百局联百村”(76个行政村、76个市直单位、结对共建及其台帐)及演示账号。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("--redate", action="store_true",
                            help="把“百局联百村”演示记录的日期整体移到以今天为准(默认保留首次载入时的日期)")

    def handle(self, *args, **options):
        started = time.perf_counter()
        self.stats = {}
        with transaction.atomic():
            with batch():
                units = self._load_units()
                orgs = self._load_organizations(units)
                self._load_leaders(units, orgs)
                group = self._staff_group()
                self._load_accounts(units, group)
                campaign = self._load_campaign_records(units, redate=options.get("redate", False))
            # 考核 after the batch: its figures are brought up to date when the batch ends
            load_demo_assessments(campaign, self._today, self._count)
        # 评选先优 (one full cycle per scheme) after the batch: nominations link evidence the
        # nominator sees, which needs the records' scopes written
        with transaction.atomic():
            self._count_many("evaluations", load_demo_evaluations(self._demo_today(False)))
        elapsed = time.perf_counter() - started
        self._report(elapsed, campaign)

    # --- tree ---------------------------------------------------------------------------------

    def _count(self, kind: str, outcome: str) -> None:
        bucket = self.stats.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})
        bucket[outcome] += 1

    def _count_many(self, kind: str, created: int) -> None:
        bucket = self.stats.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})
        bucket["created"] += created

    def _load_units(self) -> dict[str, Unit]:
        codes = [u["code"] for u in demo_data.UNITS]
        units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
        for row in demo_data.UNITS:
            parent = units[row["parent_code"]] if row["parent_code"] else None
            current = units.get(row["code"])
            if current is not None and (
                current.name, current.kind, current.parent_id, current.sort_order
            ) == (row["name"], row["kind"], parent.pk if parent else None, row["sort_order"]):
                self._count("units", "unchanged")
                continue
            unit, created = services.unit_save(
                actor=None, code=row["code"], name=row["name"], kind=row["kind"], parent=parent,
                sort_order=row["sort_order"], reason="演示数据",
            )
            units[unit.code] = unit
            self._count("units", "created" if created else "updated")
        return units

    def _load_organizations(self, units: dict[str, Unit]) -> dict[str, Organization]:
        codes = [o["code"] for o in demo_data.ORGANIZATIONS]
        orgs = {o.code: o for o in Organization.objects.filter(code__in=codes)}
        for row in demo_data.ORGANIZATIONS:
            unit = units[row["unit_code"]]
            led_by = orgs[row["led_by_code"]] if row["led_by_code"] else None
            current = orgs.get(row["code"])
            wanted = (row["name"], row["kind"], unit.pk, led_by.pk if led_by else None,
                      row["members"], row["women_members"], None)
            if current is not None and (
                current.name, current.kind, current.unit_id, current.led_by_id, current.members,
                current.women_members, current.established,
            ) == wanted:
                self._count("organizations", "unchanged")
                continue
            org, created = services.organization_save(
                actor=None, code=row["code"], name=row["name"], kind=row["kind"], unit=unit,
                led_by=led_by, members=row["members"], women_members=row["women_members"],
                reason="演示数据",
            )
            orgs[org.code] = org
            self._count("organizations", "created" if created else "updated")
        return orgs

    def _load_leaders(self, units: dict[str, Unit], orgs: dict[str, Organization]) -> None:
        existing = {
            (x.unit_id, x.position, x.name): x
            for x in Leader.objects.filter(unit__in=list(units.values()))
        }
        for row in demo_data.LEADERS:
            unit = units[row["unit_code"]]
            org = orgs[row["organization_code"]] if row["organization_code"] else None
            current = existing.get((unit.pk, row["position"], row["name"]))
            fields = {"organization": org, "gender": row["gender"], "phone": row["phone"],
                      "is_party_member": True, "notes": row["notes"]}
            if current is not None and (
                current.organization_id, current.gender, current.phone, current.is_party_member,
                current.notes,
            ) == (org.pk if org else None, row["gender"], row["phone"], True, row["notes"]):
                self._count("leaders", "unchanged")
                continue
            leader = services.leader_save(
                actor=None, leader=current, name=row["name"], position=row["position"], unit=unit,
                reason="演示数据", **fields,
            )
            existing[(unit.pk, leader.position, leader.name)] = leader
            self._count("leaders", "updated" if current else "created")

    # --- 百局联百村 ------------------------------------------------------------------------------

    def _demo_today(self, redate: bool) -> dt.date:
        """The day the demo's dates count back from (see the module docstring)."""
        today = timezone.localdate()
        campaign = Campaign.objects.filter(slug=demo_data.CAMPAIGN_SLUG).first()
        if campaign is None or redate:
            return today
        return min(today, campaign.start_date + dt.timedelta(days=demo_data.CAMPAIGN_DAYS_BEFORE))

    def _load_campaign_records(self, units: dict[str, Unit], redate: bool) -> Campaign:
        today = self._today = self._demo_today(redate)
        data = demo_data.pairing_demo(today)
        campaign = self._load_campaign(units, data["campaign"])
        pairings = self._load_pairings(units, campaign, data["pairings"])
        points = self._load_contact_points(units, campaign, data["contact_points"])
        inspections = self._load_inspections(units, campaign, pairings, points,
                                             data["visits"] + data["inspections"])
        self._load_rectifications(units, inspections, data["rectifications"])
        self._load_help_pairs(units, pairings, data["help_pairs"])
        self._load_year(today)
        load_demo_targets(campaign, today)  # metrics' 目标任务
        load_demo_plans(campaign, today, self._count)  # 共建计划, after the records they follow
        load_demo_boards(units, campaign, self._count)  # 公示栏
        people = load_demo_people(today)  # the person register and its 推优/发展 pipelines
        self.stats["people"] = {"created": people["created"], "updated": 0, "unchanged": people["unchanged"]}
        self.stats["pipeline_steps"] = {"created": people["steps"], "updated": 0, "unchanged": 0}
        self._count_many("notices", load_demo_notices(today))  # 通知任务、信息通报
        self._count_many("creation", load_demo_creation(today))  # 三级联创
        return campaign

    def _load_year(self, today: dt.date) -> None:
        """Seed 004's activities, commitments and appraisal, through the importer (as a county
        would load them with ``import_data``)."""
        rows_by_kind = year_rows(today)
        self._load_extra_subject()
        rows_by_kind["surveys"] = rows_by_kind["surveys"] + extra_subject_surveys(today)
        for kind, rows in rows_by_kind.items():
            if kind == "activities":
                self._redate_verified(rows)
            result = run_import(kind, to_csv(rows), f"{kind}.csv", actor=None)
            if result.errors:
                raise CommandError("\n".join(str(e) for e in result.errors[:20]))
            bucket = self.stats.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})
            bucket["created"] += result.created
            bucket["updated"] += result.updated
            bucket["unchanged"] += result.unchanged

    def _load_extra_subject(self) -> None:
        """The demo's third 测评对象 (``year.EXTRA_SUBJECT``), through its service, once."""
        code, name = EXTRA_SUBJECT
        found = AppraisalSubject.objects.filter(code=code).first()
        if found is None or found.name != name or not found.active:
            appraisal_subject_save(actor=None, subject=found, code=code, name=name, order=3, active=True,
                                   reason="演示数据:测评对象")

    def _redate_verified(self, rows) -> None:
        """Verified activities are locked against imports: ``--redate`` moves their dates through
        the correction service (with the reason in their history) before the import runs."""
        dates = {row["code"]: row["date"] for row in rows}
        for activity in Activity.objects.filter(code__in=list(dates), status="verified").select_related("unit"):
            new = dates[activity.code]
            new = new if isinstance(new, dt.date) else dt.date.fromisoformat(str(new))
            if activity.date != new:
                activity_correct(actor=None, activity=activity, reason="演示数据整体改期", date=new)

    def _load_campaign(self, units, row) -> Campaign:
        fields = {"name": row["name"], "owner_unit": units[row["owner_unit_code"]],
                  "start_date": row["start_date"], "end_date": row["end_date"], "theme": row["theme"],
                  "phase": row["phase"], "description": row["description"]}
        current = Campaign.objects.filter(slug=row["slug"]).first()
        if current is not None and not _differs(current, **fields):
            self._count("campaigns", "unchanged")
            return current
        campaign, created = campaign_save(actor=None, slug=row["slug"], reason="演示数据", **fields)
        self._count("campaigns", "created" if created else "updated")
        return campaign

    def _load_pairings(self, units, campaign, rows) -> dict[str, Pairing]:
        existing = {p.code: p for p in Pairing.objects.filter(code__in=[r["code"] for r in rows])}
        for row in rows:
            fields = {"campaign": campaign, "bureau": units[row["bureau_code"]],
                      "village": units[row["village_code"]], "start_date": row["start_date"],
                      "end_date": row["end_date"], "agreement_signed_on": row["agreement_signed_on"],
                      **{k: row[k] for k in ("bureau_contact", "bureau_phone", "village_contact",
                                             "village_phone", "agreement", "goals")}}
            current = existing.get(row["code"])
            if current is not None and not _differs(current, **fields):
                self._count("pairings", "unchanged")
                continue
            pairing, created = pairing_services.pairing_save(actor=None, code=row["code"], reason="演示数据",
                                                             **fields)
            existing[pairing.code] = pairing
            self._count("pairings", "created" if created else "updated")
        return existing

    def _load_contact_points(self, units, campaign, rows) -> dict[tuple[str, str], ContactPoint]:
        unit_codes = {r["unit_code"] for r in rows}
        existing = {(cp.leader_name, cp.unit.code): cp for cp in
                    ContactPoint.objects.filter(unit__code__in=unit_codes).select_related("unit")}
        for row in rows:
            key = (row["leader_name"], row["unit_code"])
            fields = {"leader_title": row["leader_title"], "user": None, "campaign": campaign,
                      "since": row["since"], "notes": row["notes"]}
            current = existing.get(key)
            if current is not None and not _differs(current, **fields):
                self._count("contact_points", "unchanged")
                continue
            existing[key] = pairing_services.contact_point_save(
                actor=None, contact_point=current, leader_name=row["leader_name"], unit=units[row["unit_code"]],
                **fields)
            self._count("contact_points", "updated" if current else "created")
        return existing

    def _load_inspections(self, units, campaign, pairings, points, rows) -> dict[str, Inspection]:
        existing = {i.code: i for i in Inspection.objects.filter(code__in=[r["code"] for r in rows])}
        for row in rows:
            fields = {"campaign": campaign, "unit": units[row["unit_code"]],
                      "pairing": pairings[row["pairing_code"]] if row["pairing_code"] else None,
                      "contact_point": points[row["contact_point"]] if row["contact_point"] else None,
                      "held_on": row["held_on"], "kind": row["kind"], "method": row["method"],
                      "visitors": row["visitors"], "inspector": row["inspector"], "findings": row["findings"]}
            current = existing.get(row["code"])
            if current is not None and not _differs(current, **fields):
                self._count("inspections", "unchanged")
                continue
            inspection, created = pairing_services.inspection_save(
                actor=None, inspection=current, code=row["code"], reason="演示数据", **fields)
            existing[inspection.code] = inspection
            self._count("inspections", "created" if created else "updated")
        return existing

    def _load_rectifications(self, units, inspections, rows) -> None:
        """Items have no code: matched by their inspection and text. Closed items stay closed."""
        existing = {(r.inspection_id, r.description): r for r in RectificationItem.objects.filter(
            inspection__in=[inspections[row["inspection_code"]] for row in rows]).select_related("inspection")}
        closed = RectificationStatus.CLOSED
        for row in rows:
            inspection = inspections[row["inspection_code"]]
            item = existing.get((inspection.pk, row["description"]))
            outcome = "unchanged"
            if item is None:
                item = pairing_services.rectification_create(
                    actor=None, inspection=inspection, description=row["description"],
                    responsible_unit=units[row["responsible_code"]], deadline=row["deadline"])
                outcome = "created"
            if item.status != closed:
                status = RectificationStatus.IN_PROGRESS if row["status"] == closed else row["status"]
                if (item.progress, item.status, item.deadline) != (row["progress"], status, row["deadline"]):
                    item = pairing_services.rectification_update(
                        actor=None, item=item, progress=row["progress"], status=status, deadline=row["deadline"])
                    outcome = outcome if outcome == "created" else "updated"
                if row["status"] == closed:
                    item = pairing_services.rectification_close(
                        actor=None, item=item, closed_on=row["closed_on"], evidence=row["evidence"])
                    outcome = outcome if outcome == "created" else "updated"
            self._count("rectifications", outcome)

    def _load_help_pairs(self, units, pairings, rows) -> None:
        existing = {h.code: h for h in HelpPair.objects.filter(code__in=[r["code"] for r in rows])}
        for row in rows:
            fields = {"village": units[row["village_code"]], "pairing": pairings[row["pairing_code"]],
                      "member_name": row["member_name"], "member_unit": units[row["member_unit_code"]],
                      "household_name": row["household_name"], "household_kind": row["household_kind"],
                      "started_on": row["started_on"], "measures": row["measures"], "status": row["status"]}
            current = existing.get(row["code"])
            if current is not None and not _differs(current, **fields):
                self._count("help_pairs", "unchanged")
                continue
            _hp, created = pairing_services.help_pair_save(actor=None, help_pair=current, code=row["code"],
                                                           **fields)
            self._count("help_pairs", "created" if created else "updated")

    # --- accounts -----------------------------------------------------------------------------

    def _staff_group(self) -> Group:
        wanted = {tuple(p.split(".", 1)) for p in demo_data.STAFF_GROUP_PERMISSIONS}
        apps_needed = {app for app, _ in wanted}

        def lookup():
            q = Q(pk__in=[])
            for app, codename in wanted:
                q |= Q(content_type__app_label=app, codename=codename)
            return list(Permission.objects.filter(q))

        perms = lookup()
        if len(perms) != len(wanted):  # permissions are made after migrate; make sure they exist
            from django.apps import apps

            for app in sorted(apps_needed):
                create_permissions(apps.get_app_config(app), verbosity=0)
            perms = lookup()
        group, _ = Group.objects.get_or_create(name=demo_data.STAFF_GROUP)
        if set(group.permissions.values_list("pk", flat=True)) != {p.pk for p in perms}:
            group.permissions.set(perms)
        return group

    def _load_accounts(self, units: dict[str, Unit], group: Group) -> None:
        password = demo_data.DEMO_PASSWORD
        for acc in demo_data.ACCOUNTS:
            user = User.objects.filter(username=acc["username"]).first()
            is_new = user is None
            password_ok = not is_new and user.check_password(password)
            changed = not password_ok
            if acc["role"]:
                unit = units[acc["unit_code"]]
                has_grant = user is not None and RoleGrant.objects.filter(
                    user=user, role=acc["role"], unit=unit).exists()
                if not has_grant or not password_ok:
                    user, _grant, _created = services.role_grant(
                        actor=None, username=acc["username"], role=acc["role"], unit=unit,
                        password=None if password_ok else password,
                    )
                    changed = True
            else:
                if user is None:
                    user = User(username=acc["username"])
                if not password_ok:
                    services.user_set_password(user=user, password=password)
                    user.save()
            # Flags and names: plain attributes of the log-in, outside the organisation tree.
            surname, given = (acc["name"][:1], acc["name"][1:]) if acc["role"] else ("", acc["name"])
            attrs = {"is_staff": acc["is_staff"], "is_superuser": acc["is_superuser"],
                     "is_active": True, "last_name": surname, "first_name": given, "phone": acc["phone"]}
            dirty = [k for k, v in attrs.items() if getattr(user, k) != v]
            if dirty:
                for k in dirty:
                    setattr(user, k, attrs[k])
                user.save(update_fields=dirty)
                changed = True
            if acc["groups"]:
                if not user.groups.filter(name=group.name).exists():
                    user.groups.add(group)
                    changed = True
            self._count("accounts", "created" if is_new else "updated" if changed else "unchanged")

    # --- report -------------------------------------------------------------------------------

    def _report(self, elapsed: float, campaign: Campaign) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS(f"演示数据已就绪(用时 {elapsed:.1f} 秒)。"))
        out.write(format_table(
            ["数据", "新建", "更新", "未变"],
            [[LABELS[k], v["created"], v["updated"], v["unchanged"]] for k, v in self.stats.items()],
        ))
        county = Unit.objects.get(code=demo_data.COUNTY_CODE)
        sub = Unit.objects.subtree(county)
        orgs = Organization.objects.filter(unit__path__startswith=county.path)
        village_party = orgs.filter(unit__kind=UnitKind.VILLAGE, kind__in=PARTY_KINDS).aggregate(
            members=Sum("members"), women=Sum("women_members"))
        out.write("")
        out.write(format_table(["铁力市", "数量"], [
            ["单位(含本级)", sub.count()],
            ["  乡镇", sub.filter(kind=UnitKind.TOWNSHIP).count()],
            ["  行政村", sub.filter(kind=UnitKind.VILLAGE).count()],
            ["  社区", sub.filter(kind=UnitKind.COMMUNITY).count()],
            ["  市直机关和窗口单位", sub.filter(kind=UnitKind.BUREAU).count()],
            ["  企业/学校/社会组织", sub.filter(kind__in=[UnitKind.ENTERPRISE, UnitKind.SCHOOL,
                                                   UnitKind.SOCIAL_ORG]).count()],
            ["组织", orgs.count()],
            ["负责人", Leader.objects.filter(unit__path__startswith=county.path).count()],
            ["农村党员(行政村)", village_party["members"] or 0],
            ["  其中女党员", village_party["women"] or 0],
        ]))
        out.write("")
        self._report_campaign(campaign)
        out.write("")
        labels = dict(Role.choices)
        rows = []
        for acc in demo_data.ACCOUNTS:
            unit = Unit.objects.get(code=acc["unit_code"]).name if acc["unit_code"] else "(全部)"
            role = f"{acc['role']} {labels[acc['role']]}" if acc["role"] else "superuser 系统管理员"
            rows.append([acc["username"], role, unit, demo_data.DEMO_PASSWORD])
        out.write("演示账号:")
        out.write(format_table(["用户名", "角色", "单位", "密码"], rows))

    def _report_campaign(self, campaign: Campaign) -> None:
        today = timezone.localdate()
        pairings = Pairing.objects.filter(campaign=campaign)
        marks = {"green": 0, "amber": 0, "red": 0}
        for last in pairings.values_list("last_logged_on", flat=True):
            marks[Pairing(last_logged_on=last).silence(today)] += 1
        records = Inspection.objects.filter(campaign=campaign)
        visits = records.filter(kind=InspectionKind.LEADER_VISIT).aggregate(n=Count("pk"), people=Sum("visitors"))
        items = RectificationItem.objects.filter(inspection__campaign=campaign)
        closed = items.filter(status=RectificationStatus.CLOSED).count()
        overdue = items.overdue(today).count()
        self.stdout.write(format_table([f"{campaign.name}({campaign.slug})", "数量"], [
            ["活动期间", f"{campaign.start_date} 至 {campaign.end_date or '—'}"],
            ["结对共建", pairings.count()],
            ["  绿:30天内有共建活动", marks["green"]],
            ["  黄:31–60天无共建活动", marks["amber"]],
            ["  红:60天以上或从无共建活动", marks["red"]],
            ["领导联系点", ContactPoint.objects.filter(campaign=campaign).count()],
            ["领导深入联系点(次/人次)", f"{visits['n']}/{visits['people'] or 0}"],
            ["督查指导(次)", records.filter(kind=InspectionKind.INSPECTION).count()],
            ["整改事项(已销号/逾期)", f"{items.count()}({closed}/{overdue})"],
            ["帮扶对子", HelpPair.objects.filter(pairing__campaign=campaign).count()],
        ]))
