"""Import declaration of ``surveys`` (民主测评 tallies, CONTRACT.md §3): code*, campaign*,
unit_code*, subject*, held_on*, satisfied*, basically_satisfied*, dissatisfied*."""

from __future__ import annotations

from django.db.models import Q
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
    parse_int,
    register,
)
from organizations.models import Unit
from pairings.importers import report_refusals

from .models import AppraisalSubject, Campaign, Survey, SurveySubject, subject_choices
from .policy import survey_refusals
from .services import survey_save

SUBJECT_ALIASES = {"基层党组织": "party_org", "党组织": "party_org", "村党组织": "party_org",
                   "共建单位": "cobuild", "帮建单位": "cobuild"}
COUNTS = ("satisfied", "basically_satisfied", "dissatisfied")
_contract_subject = parse_choice(SurveySubject, SUBJECT_ALIASES)


def parse_subject(text: str) -> str:
    """A subject's code or name: the contract's two (with their aliases) without a query, any
    other active 测评对象 of the table by code or name."""
    try:
        return _contract_subject(text)
    except ValueError:
        found = (AppraisalSubject.objects.filter(active=True).filter(Q(code=text) | Q(name=text))
                 .values_list("code", flat=True).first())
        if found is None:
            raise ValueError(f"“{text}”不是可用的测评对象,可用:"
                             + ";".join(f"{c} {n}" for c, n in subject_choices())) from None
        return found


@register
class SurveyImport(ImportKind):
    name = "surveys"
    label = "民主测评"
    description = ("民主测评票数:每行是一次测评(某单位、某测评对象)的满意、基本满意、不满意票数。"
                   "满意率 =(满意+基本满意)÷ 总票数,由系统计算。")
    model = Survey
    select_related = ("unit", "campaign")
    columns = [
        Column("code", "测评编码", required=True, parse=parse_code, help="再次导入相同编码会更新该测评。",
               example="SRV-2024-001"),
        Column("campaign", "活动代码", required=True, parse=parse_code,
               ref=Ref(Campaign, label="活动", field="slug"), example="bjlbc-2024"),
        Column("unit_code", "测评单位编码", required=True, parse=parse_code, ref=Ref(Unit, label="测评单位"),
               help="组织测评的单位(村、乡镇或县)的编码。", example="230781001"),
        Column("subject", "测评对象", required=True, parse=parse_subject,
               allowed="party_org 对基层党组织;cobuild 对共建单位;以及“测评对象”中设置的其他编码",
               help="party_org 对基层党组织;cobuild 对共建单位;其他测评对象填其编码(中文名称亦可)。",
               example="party_org"),
        Column("held_on", "测评日期", required=True, parse=parse_date, example="2024-07-15"),
        Column("satisfied", "满意票数", required=True, parse=parse_int, example="120"),
        Column("basically_satisfied", "基本满意票数", required=True, parse=parse_int, example="15"),
        Column("dissatisfied", "不满意票数", required=True, parse=parse_int, example="2"),
    ]
    field_columns = {"campaign": "campaign", "unit": "unit_code", "subject": "subject", "held_on": "held_on",
                     "satisfied": "satisfied", "basically_satisfied": "basically_satisfied",
                     "dissatisfied": "dissatisfied"}

    def check(self, row: Row, ctx: Context) -> None:
        ctx.ref(row, "campaign")
        unit = ctx.ref(row, "unit_code")
        if unit is not None or row.existing is not None:
            report_refusals(row, survey_refusals(ctx.actor, survey=row.existing, unit=unit or row.existing.unit),
                            self.field_columns)
        counts = [row.get(k) for k in COUNTS]
        if all(c is not None for c in counts) and sum(counts) == 0:
            row.error("satisfied", "票数合计不能为0。")
        held_on = row.get("held_on")
        if held_on and held_on > timezone.localdate():
            row.error("held_on", "测评日期不能晚于今天。")

    def is_unchanged(self, row: Row, existing: Survey) -> bool:
        return (existing.campaign.slug, existing.unit.code, existing.subject, existing.held_on,
                existing.satisfied, existing.basically_satisfied, existing.dissatisfied) == (
            row.get("campaign"), row.get("unit_code"), row.get("subject"), row.get("held_on"),
            *[row.get(k) for k in COUNTS])

    def save(self, row: Row, ctx: Context):
        return survey_save(
            actor=ctx.actor, code=row.get("code"), campaign=ctx.current(Campaign, row.get("campaign"), "slug"),
            unit=ctx.current(Unit, row.get("unit_code")), subject=row.get("subject"), held_on=row.get("held_on"),
            **{k: row.get(k) for k in COUNTS},
        )
