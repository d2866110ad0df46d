"""Import declarations of the organisation tree: ``units`` and ``organizations`` (CONTRACT.md §3).

Found by ``cobuild.importing`` like every app's ``importers.py``.
"""

from __future__ import annotations

from cobuild.importing import (
    Column,
    Context,
    ImportKind,
    Ref,
    Row,
    parse_choice,
    parse_code,
    parse_date,
    parse_int,
    parse_text,
    register,
)

from .models import ALLOWED_PARENT_KINDS, PARTY_KINDS, Organization, OrgKind, Unit, UnitKind
from .services import organization_save, unit_save


def _kind_label(choices, value) -> str:
    return str(dict(choices.choices).get(value, value))


@register
class UnitImport(ImportKind):
    name = "units"
    label = "单位"
    description = ("单位表:省、市、县、乡镇、村(社区)、机关事业单位、企业等。上级单位可以是系统里已有的单位,"
                   "也可以是本文件中排在前面的单位。")
    model = Unit
    select_related = ("parent",)
    columns = [
        Column("code", "单位编码", required=True, parse=parse_code,
               help="单位的唯一编码(如行政区划代码)。再次导入相同编码会更新该单位。", example="230781001"),
        Column("name", "单位名称", required=True, parse=parse_text(100), example="铁力镇"),
        Column("kind", "单位类型", required=True,
               parse=parse_choice(UnitKind, {"窗口单位": UnitKind.BUREAU, "街道办事处": UnitKind.TOWNSHIP}),
               help="填英文代码或中文名称均可。", example="township"),
        Column("parent_code", "上级单位编码", parse=parse_code,
               ref=Ref(Unit, label="上级单位", in_file=True),
               help="上级单位的编码;只有顶级单位(如省)才留空。上级单位须在系统中已有,或在本文件中排在本行之前。",
               example="230781"),
    ]
    field_columns = {"parent": "parent_code"}

    def check(self, row: Row, ctx: Context) -> None:
        existing, kind = row.existing, row.get("kind")
        if existing is not None and not ctx.can_manage(existing):
            row.error("code", "您没有权限修改该单位。")
        if row.has("parent_code"):
            parent_code = row.get("parent_code")
        else:  # column left out: an update keeps the parent
            parent_code = existing.parent.code if existing is not None and existing.parent else None
        if not parent_code:
            if ctx.restricted:
                row.error("parent_code", "只有系统管理员可以导入顶级单位,请填写上级单位编码。")
            elif kind and None not in ALLOWED_PARENT_KINDS.get(kind, set()):
                row.error("parent_code", f"“{_kind_label(UnitKind, kind)}”必须填写上级单位编码。")
            return
        parent = ctx.ref(row, "parent_code") if row.has("parent_code") else existing.parent
        if parent is None:
            return
        if isinstance(parent, Row):  # defined above in this file
            parent_kind = parent.get("kind")
        else:
            parent_kind = parent.kind
            if not ctx.can_manage(parent):
                row.error("parent_code", f"您没有权限在“{parent.name}”下建立或修改单位。")
            if existing is not None and parent.path.startswith(existing.path):
                row.error("parent_code", "不能把单位移到它自己或其下级单位之下。")
        if kind and parent_kind and parent_kind not in ALLOWED_PARENT_KINDS.get(kind, set()):
            row.error("parent_code", f"“{_kind_label(UnitKind, parent_kind)}”下不能设立"
                                     f"“{_kind_label(UnitKind, kind)}”。")

    def is_unchanged(self, row: Row, existing: Unit) -> bool:
        same_parent = (not row.has("parent_code")
                       or (existing.parent.code if existing.parent else None) == row.get("parent_code"))
        return existing.name == row.get("name") and existing.kind == row.get("kind") and same_parent

    def save(self, row: Row, ctx: Context):
        code = row.get("code")
        if row.has("parent_code"):
            parent = ctx.current(Unit, row.get("parent_code"))
        else:
            before = ctx.current(Unit, code) if row.existing is not None else None
            parent = ctx.current(Unit, before.parent.code) if before and before.parent else None
        old_path = row.existing.path if row.existing is not None else None
        unit, created = unit_save(actor=ctx.actor, code=code, name=row.get("name"), kind=row.get("kind"),
                                  parent=parent, reason="导入单位")
        if old_path is not None and unit.path != old_path:
            ctx.forget(Unit)  # the subtree moved: cached paths are stale
        return unit, created


@register
class OrganizationImport(ImportKind):
    name = "organizations"
    label = "组织"
    description = ("党组织和群团组织(工会、共青团、妇联)。所属单位须在系统中已有;领导党组织可以是已有的党组织,"
                   "也可以是本文件中排在前面的党组织。")
    model = Organization
    select_related = ("unit", "led_by__unit")
    columns = [
        Column("code", "组织编码", required=True, parse=parse_code,
               help="组织的唯一编码。再次导入相同编码会更新该组织。", example="230781001-DZB"),
        Column("name", "组织名称", required=True, parse=parse_text(100), example="铁力镇某某村党支部"),
        Column("kind", "组织类型", required=True, parse=parse_choice(OrgKind, {"妇女联合会": OrgKind.WOMEN_FEDERATION}),
               help="填英文代码或中文名称均可。", example="party_branch"),
        Column("unit_code", "所属单位编码", required=True, parse=parse_code, ref=Ref(Unit, label="所属单位"),
               help="组织所在单位的编码,单位须已在系统中。", example="230781001"),
        Column("led_by_code", "领导党组织编码", parse=parse_code,
               ref=Ref(Organization, label="领导党组织", in_file=True, select_related=("unit",)),
               help="群团组织由哪个党组织领导(党建带群建);须是本单位或上级单位的党委、党总支或党支部。",
               example=""),
        Column("members", "成员数", parse=parse_int, help="党员数、会员数或团员数;留空按0计。", example="35"),
        Column("women_members", "其中女性", parse=parse_int, help="女性成员数,不能大于成员数;留空按0计。",
               example="12"),
        Column("established", "成立日期", parse=parse_date, example="2004-07-01"),
    ]
    field_columns = {"unit": "unit_code", "led_by": "led_by_code", "women_members": "women_members",
                     "members": "members", "established": "established"}

    def _number(self, row: Row, key: str) -> int:
        if row.has(key):
            return row.get(key) or 0
        return getattr(row.existing, key) if row.existing is not None else 0

    def check(self, row: Row, ctx: Context) -> None:
        existing = row.existing
        if existing is not None and not ctx.can_manage(existing.unit):
            row.error("code", "您没有权限修改该组织。")
        unit = ctx.ref(row, "unit_code")
        if unit is not None and not ctx.can_manage(unit):
            row.error("unit_code", f"您没有权限管理“{unit.name}”的组织。")
        if row.has("led_by_code"):
            leader = ctx.ref(row, "led_by_code")
        else:
            leader = existing.led_by if existing is not None else None
        if leader is not None:
            if isinstance(leader, Row):
                leader_kind, leader_unit = leader.get("kind"), ctx.lookup(Unit, leader.get("unit_code"))
            else:
                leader_kind, leader_unit = leader.kind, leader.unit
            if leader_kind and leader_kind not in PARTY_KINDS:
                row.error("led_by_code", "领导组织必须是党组织(党委、党总支或党支部)。")
            elif unit is not None and leader_unit is not None and not unit.path.startswith(leader_unit.path):
                row.error("led_by_code", "领导党组织必须属于本单位或其上级单位。")
        members, women = self._number(row, "members"), self._number(row, "women_members")
        if women > members:
            row.error("women_members" if row.has("women_members") else "members",
                      f"女性成员数({women})不能大于成员数({members})。")

    def is_unchanged(self, row: Row, existing: Organization) -> bool:
        current = {
            "name": existing.name, "kind": existing.kind, "unit_code": existing.unit.code,
            "led_by_code": existing.led_by.code if existing.led_by else None,
            "members": existing.members, "women_members": existing.women_members,
            "established": existing.established,
        }
        wanted = {key: (self._number(row, key) if key in ("members", "women_members") else row.get(key))
                  for key in current if row.has(key)}
        return all(current[key] == value for key, value in wanted.items())

    def save(self, row: Row, ctx: Context):
        existing = row.existing
        if row.has("led_by_code"):
            led_by = ctx.current(Organization, row.get("led_by_code"))
        else:
            led_by = ctx.current(Organization, existing.led_by.code) if existing and existing.led_by else None
        if row.has("established"):
            established = row.get("established")
        else:
            established = existing.established if existing is not None else None
        return organization_save(
            actor=ctx.actor, code=row.get("code"), name=row.get("name"), kind=row.get("kind"),
            unit=ctx.current(Unit, row.get("unit_code")), led_by=led_by,
            members=self._number(row, "members"), women_members=self._number(row, "women_members"),
            established=established, reason="导入组织",
        )
