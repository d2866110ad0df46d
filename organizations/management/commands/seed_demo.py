"""``manage.py seed_demo``: load the demo county (铁力市) and the demo accounts.

Everything goes through the services (``unit_save``, ``organization_save``, ``leader_save``,
``role_grant``) with ``actor=None``. Idempotent: records are matched by code (leaders by
unit, position and name) and a service is called only when something differs, so a second run
writes nothing, not even history.
"""

from __future__ import annotations

import time
import unicodedata

from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Sum

from organizations import demo_data, services
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


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers, rows) -> str:
    """A plain-text table that lines up Chinese (double-width) characters too."""
    rows = [[str(c) for c in row] for row in rows]
    headers = [str(h) for h in headers]
    widths = [max(_width(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


class Command(BaseCommand):
    help = "载入演示数据:铁力市“百局联百村”(76个行政村、76个市直单位)及演示账号。可重复运行。"

    def handle(self, *args, **options):
        started = time.perf_counter()
        self.stats = {}
        with transaction.atomic():
            units = self._load_units()
            orgs = self._load_organizations(units)
            self._load_leaders(units, orgs)
            group = self._staff_group()
            self._load_accounts(units, group)
        elapsed = time.perf_counter() - started
        self._report(elapsed)

    # --- tree ---------------------------------------------------------------------------------

    def _count(self, kind: str, outcome: str) -> None:
        bucket = self.stats.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})
        bucket[outcome] += 1

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

    # --- accounts -----------------------------------------------------------------------------

    def _staff_group(self) -> Group:
        wanted = set(demo_data.STAFF_GROUP_PERMISSIONS)
        perms = list(Permission.objects.filter(content_type__app_label="organizations",
                                               codename__in=wanted))
        if len(perms) != len(wanted):  # permissions are made after migrate; make sure they exist
            from django.apps import apps

            create_permissions(apps.get_app_config("organizations"), verbosity=0)
            perms = list(Permission.objects.filter(content_type__app_label="organizations",
                                                   codename__in=wanted))
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
                    user.set_password(password)
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

    def _report(self, elapsed: float) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS(f"演示数据已就绪(用时 {elapsed:.1f} 秒)。"))
        out.write(format_table(
            ["数据", "新建", "更新", "未变"],
            [[{"units": "单位", "organizations": "组织", "leaders": "负责人", "accounts": "账号"}[k],
              v["created"], v["updated"], v["unchanged"]] for k, v in self.stats.items()],
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
        labels = dict(Role.choices)
        rows = []
        for acc in demo_data.ACCOUNTS:
            unit = Unit.objects.get(code=acc["unit_code"]).name if acc["unit_code"] else "(全部)"
            role = f"{acc['role']} {labels[acc['role']]}" if acc["role"] else "superuser 系统管理员"
            rows.append([acc["username"], role, unit, demo_data.DEMO_PASSWORD])
        out.write("演示账号:")
        out.write(format_table(["用户名", "角色", "单位", "密码"], rows))
