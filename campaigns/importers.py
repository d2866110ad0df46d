"""Import declaration of ``campaigns`` (CONTRACT.md §3): slug*, name*, owner_unit_code*, start_date*,
end_date. Found by ``cobuild.importing`` like every app's ``importers.py``."""

from __future__ import annotations

import re

from django.utils import timezone

from cobuild.importing import (
    Column,
    Context,
    ImportKind,
    Ref,
    Row,
    parse_choice,
    parse_code,
    parse_date,
    parse_text,
    register,
)
from organizations.models import Unit
from pairings.importers import report_refusals
from pairings.models import Pairing

from .models import Campaign, Commitment, CommitmentStatus
from .policy import can_set_campaign, commitment_refusals
from .services import campaign_save, commitment_save


def parse_slug(value: str) -> str:
    if len(value) > 64:
        raise ValueError("代码不能超过64个字符")
    if not re.fullmatch(r"[-a-zA-Z0-9_]+", value):
        raise ValueError("代码只能由英文字母、数字、短横线和下划线组成,如bjlbc-2024")
    return value


def _is_county_admin(ctx: Context, unit) -> bool:
    return not ctx.restricted or can_set_campaign(ctx.actor, unit)


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


# --- commitments (公开承诺) ------------------------------------------------------------------------

COMMITMENT_STATUS_ALIASES = {
    "待开始": "pending", "未完成": "pending", "待办": "pending",
    "进行中": "in_progress", "正在推进": "in_progress", "落实中": "in_progress",
    "完成": "done", "已办结": "done", "已兑现": "done", "已落实": "done",
    "取消": "cancelled", "作废": "cancelled",
}


@register
class CommitmentImport(ImportKind):
    name = "commitments"
    label = "承诺事项"
    description = ("公开承诺(为民服务承诺):承诺单位、所属活动须在系统中已有;结对共建可选,填写时承诺单位必须是该结对的"
                   "村(社区)或帮建单位。状态为“已完成”时须填写完成日期。")
    model = Commitment
    select_related = ("unit", "organization", "campaign", "pairing__village", "pairing__bureau")
    columns = [
        Column("code", "承诺编码", required=True, parse=parse_code,
               help="承诺的唯一编码。再次导入相同编码会更新该承诺。", example="CMT-2024-001"),
        Column("campaign", "活动代码", required=True, parse=parse_code,
               ref=Ref(Campaign, label="活动", field="slug"), help="所属专项活动的代码。", example="bjlbc-2024"),
        Column("unit_code", "承诺单位编码", required=True, parse=parse_code, ref=Ref(Unit, label="承诺单位"),
               help="作出承诺的村(社区)或机关单位的编码。", example="230781001"),
        Column("pairing_code", "结对编码", parse=parse_code,
               ref=Ref(Pairing, label="结对共建", select_related=("village", "bureau")),
               help="承诺属于哪个结对共建(选填)。", example="P-001"),
        Column("content", "承诺内容", required=True, parse=parse_text(2000), example="帮助村里修建文化广场"),
        Column("made_on", "承诺日期", required=True, parse=parse_date, example="2024-03-01"),
        Column("due_date", "承诺时限", parse=parse_date, help="不能早于承诺日期;到期未完成的承诺会标红。",
               example="2024-10-31"),
        Column("status", "状态", required=True, parse=parse_choice(CommitmentStatus, COMMITMENT_STATUS_ALIASES),
               help="填英文代码或中文名称均可(未开始、推进中、已完成、已取消)。", example="done"),
        Column("completed_on", "完成日期", parse=parse_date, help="状态为“已完成”时必填。", example="2024-09-20"),
    ]
    field_columns = {"campaign": "campaign", "unit": "unit_code", "pairing": "pairing_code", "content": "content",
                     "made_on": "made_on", "due_date": "due_date", "status": "status",
                     "completed_on": "completed_on", "organization": "unit_code"}

    def _kept(self, row: Row, key: str, attr: str):
        """An optional column's value; when the file leaves the column out, the stored one."""
        if row.has(key):
            return row.get(key)
        return getattr(row.existing, attr) if row.existing is not None else None

    def check(self, row: Row, ctx: Context) -> None:
        existing = row.existing
        ctx.ref(row, "campaign")
        unit = ctx.ref(row, "unit_code")
        pairing = ctx.ref(row, "pairing_code") if row.has("pairing_code") else (
            existing.pairing if existing is not None else None)
        if unit is not None and pairing is not None and unit.pk not in (pairing.village_id, pairing.bureau_id):
            row.error("pairing_code", f"承诺单位“{unit.name}”不是该结对的村(社区)或帮建单位。")
        if unit is not None or existing is not None:
            # The service's rules: a commitment is its unit's (the other side of a pairing does
            # not record or change it).
            report_refusals(row, commitment_refusals(ctx.actor, commitment=existing, unit=unit or existing.unit),
                            self.field_columns)
        made_on, status = row.get("made_on"), row.get("status")
        due_date = self._kept(row, "due_date", "due_date")
        completed_on = self._kept(row, "completed_on", "completed_on")
        if made_on and due_date and due_date < made_on:
            row.error("due_date", "承诺时限不能早于承诺日期。")
        if status == CommitmentStatus.DONE and not completed_on:
            row.error("completed_on", "状态为“已完成”时必须填写完成日期。")
        if completed_on and made_on and completed_on < made_on:
            row.error("completed_on", "完成日期不能早于承诺日期。")
        if completed_on and completed_on > timezone.localdate():
            row.error("completed_on", "完成日期不能晚于今天。")

    def is_unchanged(self, row: Row, existing: Commitment) -> bool:
        completed_on = self._kept(row, "completed_on", "completed_on")
        current = (existing.campaign.slug, existing.unit.code, existing.content, existing.made_on,
                   existing.status, existing.completed_on)
        wanted = (row.get("campaign"), row.get("unit_code"), row.get("content"), row.get("made_on"),
                  row.get("status"), completed_on if row.get("status") == CommitmentStatus.DONE else None)
        if current != wanted:
            return False
        if row.has("due_date") and existing.due_date != row.get("due_date"):
            return False
        pairing_code = existing.pairing.code if existing.pairing_id else None
        return not row.has("pairing_code") or pairing_code == row.get("pairing_code")

    def save(self, row: Row, ctx: Context):
        existing = row.existing
        unit = ctx.current(Unit, row.get("unit_code"))
        if row.has("pairing_code"):
            pairing = ctx.current(Pairing, row.get("pairing_code"))
        else:
            pairing = existing.pairing if existing is not None else None
        # The file has no organisation column: keep the stored one while the unit stays the same.
        organization = existing.organization if existing is not None and existing.unit_id == unit.pk else None
        commitment, created = commitment_save(
            actor=ctx.actor, code=row.get("code"), campaign=ctx.current(Campaign, row.get("campaign"), "slug"),
            unit=unit, organization=organization, pairing=pairing, content=row.get("content"),
            made_on=row.get("made_on"), due_date=self._kept(row, "due_date", "due_date"),
            status=row.get("status"), completed_on=self._kept(row, "completed_on", "completed_on"),
        )
        return commitment, created


# The activities and surveys kinds live in their own modules; importing them registers them.
from . import importers_activities, importers_surveys  # noqa: E402, F401
