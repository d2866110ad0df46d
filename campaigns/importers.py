"""Import declaration of ``campaigns`` (CONTRACT.md §3): slug*, name*, owner_unit_code*, start_date*,
end_date. Found by ``organizations.importing`` like every app's ``importers.py``."""

from __future__ import annotations

import re

from organizations.importing import (
    Column,
    Context,
    ImportKind,
    Ref,
    Row,
    parse_code,
    parse_date,
    parse_text,
    register,
)
from organizations.models import Role, Unit
from organizations.scoping import has_role_at

from .models import Campaign
from .services import campaign_save


def parse_slug(value: str) -> str:
    if len(value) > 64:
        raise ValueError("代码不能超过64个字符")
    if not re.fullmatch(r"[-a-zA-Z0-9_]+", value):
        raise ValueError("代码只能由英文字母、数字、短横线和下划线组成,如bjlbc-2024")
    return value


def _is_county_admin(ctx: Context, unit) -> bool:
    return not ctx.restricted or has_role_at(ctx.actor, unit, (Role.COUNTY_ADMIN,))


@register
class CampaignImport(ImportKind):
    name = "campaigns"
    label = "共建活动批次"
    description = ("专项活动(如“百局联百村”):代码是活动的唯一标识,导入结对、活动、承诺、督查时用它指明所属活动。"
                   "主办单位须在系统中已有,一般是县(市)。")
    model = Campaign
    code_column = "slug"
    code_field = "slug"
    select_related = ("owner_unit",)
    columns = [
        Column("slug", "活动代码", required=True, parse=parse_slug,
               help="活动的唯一代码(英文字母、数字、短横线)。再次导入相同代码会更新该活动。",
               allowed="英文字母、数字、短横线、下划线,不超过64个字符", example="bjlbc-2024"),
        Column("name", "活动名称", required=True, parse=parse_text(100), example="百局联百村结对共建"),
        Column("owner_unit_code", "主办单位编码", required=True, parse=parse_code,
               ref=Ref(Unit, label="主办单位"), help="主办单位(一般是县、市)的编码。", example="230781"),
        Column("start_date", "开始日期", required=True, parse=parse_date, example="2024-01-01"),
        Column("end_date", "结束日期", parse=parse_date, help="留空表示长期。", example="2024-12-31"),
        Column("theme", "主题", parse=parse_text(200), help="选填。", example="党群共建 城乡共进"),
    ]
    field_columns = {"owner_unit": "owner_unit_code", "start_date": "start_date", "end_date": "end_date",
                     "name": "name", "slug": "slug"}

    def check(self, row: Row, ctx: Context) -> None:
        existing = row.existing
        if existing is not None and not _is_county_admin(ctx, existing.owner_unit):
            row.error("slug", "只有县级组织部管理员可以修改该活动。")
        owner = ctx.ref(row, "owner_unit_code")
        if owner is not None and not _is_county_admin(ctx, owner):
            row.error("owner_unit_code", f"只有县级组织部管理员可以在“{owner.name}”设立活动。")
        start, end = row.get("start_date"), row.get("end_date")
        if start and end and end < start:
            row.error("end_date", "结束日期不能早于开始日期。")

    def is_unchanged(self, row: Row, existing: Campaign) -> bool:
        same = (existing.name == row.get("name") and existing.owner_unit.code == row.get("owner_unit_code")
                and existing.start_date == row.get("start_date"))
        if row.has("end_date"):
            same = same and existing.end_date == row.get("end_date")
        if row.has("theme"):
            same = same and existing.theme == (row.get("theme") or "")
        return same

    def save(self, row: Row, ctx: Context):
        existing = row.existing
        end_date = row.get("end_date") if row.has("end_date") else (existing.end_date if existing else None)
        return campaign_save(
            actor=ctx.actor, slug=row.get("slug"), name=row.get("name"),
            owner_unit=ctx.current(Unit, row.get("owner_unit_code")),
            start_date=row.get("start_date"), end_date=end_date,
            theme=(row.get("theme") or "") if row.has("theme") else None, reason="导入活动",
        )
