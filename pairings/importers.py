"""Import declarations of ``pairings`` and ``inspections`` (CONTRACT.md §3).

Found by ``cobuild.importing`` like every app's ``importers.py``. References are looked up
in bulk and scoped to the actor (an out-of-scope code reads as "not found"); the rules the
services enforce are checked here too, so every problem of a file is listed in one pass.
"""

from __future__ import annotations

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
    parse_text,
    register,
)
from organizations.models import Unit, UnitKind

from .models import (
    PAIRING_BUREAU_KINDS,
    PAIRING_VILLAGE_KINDS,
    Inspection,
    InspectionKind,
    InspectionMethod,
    Pairing,
)
from .policy import RECORD, Refusal, can_manage_pairing, can_pair_at, inspection_refusals
from .services import inspection_save, pairing_save

CAMPAIGN_COLUMN_HELP = "所属活动的代码(活动须已导入),如bjlbc-2024。"
# The campaign model through the relation: campaigns sits above pairings (no import). Importers
# are found after the app registry is ready, so the relation is resolved here.
Campaign = Pairing.campaign.field.related_model


def _kinds_text(kinds) -> str:
    labels = dict(UnitKind.choices)
    return "、".join(str(labels[k]) for k in kinds)


def report_refusals(row: Row, refusals: list[Refusal], columns: dict[str, str], code_column: str = "code") -> None:
    """Put a service's refusals (``<kind>_refusals``) on the row: the stored record's on the
    code column, the others on the column of their field, so an import is refused exactly
    where and why the web form would be."""
    for r in refusals:
        row.error(code_column if r.field == RECORD else columns.get(r.field, code_column), r.message)


def _county_admin(ctx: Context, unit) -> bool:
    return not ctx.restricted or can_pair_at(ctx.actor, unit)


def _kept(row: Row, key: str, existing, attr: str | None = None, empty=""):
    """The row's value if the file has the column (an empty cell clears), else the current one."""
    if row.has(key):
        value = row.get(key)
        return empty if value is None else value
    if existing is not None:
        return getattr(existing, attr or key)
    return empty


# --- pairings ------------------------------------------------------------------------------------

PAIRING_TEXT_FIELDS = ("bureau_contact", "bureau_phone", "village_contact", "village_phone", "goals",
                       "agreement")


@register
class PairingImport(ImportKind):
    name = "pairings"
    label = "结对共建"
    description = ("结对名单(百局联百村):一个帮建单位(机关事业单位、企业、学校、社会组织)与一个行政村或社区结对。"
                   "活动、帮建单位和村须已在系统中;同一活动中同一对单位只能结对一次。")
    model = Pairing
    select_related = ("campaign", "bureau", "village")
    columns = [
        Column("code", "结对编码", required=True, parse=parse_code,
               help="结对的唯一编码。再次导入相同编码会更新该结对。", example="BJLBC-001"),
        Column("campaign", "活动代码", required=True, parse=parse_code,
               ref=Ref(Campaign, label="活动", field="slug"), help=CAMPAIGN_COLUMN_HELP, example="bjlbc-2024"),
        Column("bureau_code", "帮建单位编码", required=True, parse=parse_code, ref=Ref(Unit, label="帮建单位"),
               help=f"帮建单位的编码;须是{_kinds_text(PAIRING_BUREAU_KINDS)}。", example="230781-B01"),
        Column("village_code", "结对村编码", required=True, parse=parse_code, ref=Ref(Unit, label="结对村(社区)"),
               help="结对的行政村或社区的编码。", example="230781001001"),
        Column("start_date", "开始日期", required=True, parse=parse_date, example="2024-03-01"),
        Column("end_date", "结束日期", parse=parse_date, help="留空表示仍在结对;已到期的结对状态为“已结束”。",
               example=""),
        Column("bureau_contact", "单位联系人", parse=parse_text(50), help="选填。", example="王明"),
        Column("bureau_phone", "单位联系电话", parse=parse_text(32), help="选填。", example="13800000001"),
        Column("village_contact", "村联系人", parse=parse_text(50), help="选填。", example="李华"),
        Column("village_phone", "村联系电话", parse=parse_text(32), help="选填。", example="13900000001"),
        Column("goals", "共建目标", parse=parse_text(2000), help="选填。", example="帮助村里建成合作社"),
        Column("agreement", "共建协议", parse=parse_text(2000), help="选填:协议要点。", example=""),
        Column("agreement_signed_on", "协议签订日期", parse=parse_date, help="选填。", example="2024-03-01"),
    ]
    field_columns = {"campaign": "campaign", "bureau": "bureau_code", "village": "village_code",
                     "start_date": "start_date", "end_date": "end_date", "code": "code",
                     **{f: f for f in (*PAIRING_TEXT_FIELDS, "agreement_signed_on")}}

    def _pairs_taken(self, ctx: Context) -> dict:
        """(campaign slug, bureau code, village code) -> code of the pairing that holds it: the
        file's triples looked up in one query, the first time a row is checked."""
        taken = getattr(ctx, "_pairing_triples", None)
        if taken is None:
            rows = [r for r in ctx.rows if r.get("campaign") and r.get("bureau_code") and r.get("village_code")]
            taken = {}
            if rows:
                qs = Pairing.objects.filter(
                    campaign__slug__in={r.get("campaign") for r in rows},
                    bureau__code__in={r.get("bureau_code") for r in rows},
                    village__code__in={r.get("village_code") for r in rows},
                ).values_list("campaign__slug", "bureau__code", "village__code", "code")
                taken = {(c, b, v): code for c, b, v, code in qs}
            ctx._pairing_triples = taken
            ctx._pairing_triples_in_file = {}
        return taken

    def check(self, row: Row, ctx: Context) -> None:
        existing = row.existing
        if existing is not None and ctx.restricted and not can_manage_pairing(ctx.actor, existing):
            row.error("code", "只有县级组织部管理员可以修改该结对。")
        ctx.ref(row, "campaign")
        bureau, village = ctx.ref(row, "bureau_code"), ctx.ref(row, "village_code")
        for key, unit, kinds, what in (
            ("bureau_code", bureau, PAIRING_BUREAU_KINDS, "帮建单位"),
            ("village_code", village, PAIRING_VILLAGE_KINDS, "结对对象"),
        ):
            if unit is None:
                continue
            if unit.kind not in kinds:
                row.error(key, f"“{unit.name}”是{unit.get_kind_display()},{what}必须是{_kinds_text(kinds)}。")
            elif not _county_admin(ctx, unit):
                row.error(key, f"只有县级组织部管理员可以为“{unit.name}”建立结对。")
        start = row.get("start_date")
        end = _kept(row, "end_date", existing, empty=None)
        if start and end and end < start:
            row.error("end_date" if row.has("end_date") else "start_date", "结束日期不能早于开始日期。")
        triple = (row.get("campaign"), row.get("bureau_code"), row.get("village_code"))
        if bureau is not None and village is not None and all(triple):
            taken = self._pairs_taken(ctx).get(triple)
            if taken is not None and taken != row.get("code"):
                row.error("village_code", f"该活动中这两个单位已经结对(结对编码“{taken}”)。")
            in_file = ctx._pairing_triples_in_file
            if triple in in_file:
                row.error("village_code", f"与第{in_file[triple]}行是同一活动中的同一对单位。")
            else:
                in_file[triple] = row.number

    def is_unchanged(self, row: Row, existing: Pairing) -> bool:
        current = {
            "campaign": existing.campaign.slug, "bureau_code": existing.bureau.code,
            "village_code": existing.village.code, "start_date": existing.start_date,
            "end_date": existing.end_date, "agreement_signed_on": existing.agreement_signed_on,
            **{f: getattr(existing, f) for f in PAIRING_TEXT_FIELDS},
        }
        for key, value in current.items():
            if not row.has(key):
                continue
            wanted = row.get(key)
            if key in PAIRING_TEXT_FIELDS:
                wanted = wanted or ""
            elif key == "agreement_signed_on" and wanted is None:
                continue  # an empty cell keeps the date (the service cannot clear it)
            if wanted != value:
                return False
        return True

    def save(self, row: Row, ctx: Context):
        existing = row.existing
        texts = {f: (row.get(f) or "") if row.has(f) else None for f in PAIRING_TEXT_FIELDS}
        return pairing_save(
            actor=ctx.actor, code=row.get("code"),
            campaign=ctx.current(Campaign, row.get("campaign"), "slug"),
            bureau=ctx.current(Unit, row.get("bureau_code")),
            village=ctx.current(Unit, row.get("village_code")),
            start_date=row.get("start_date"), end_date=_kept(row, "end_date", existing, empty=None),
            agreement_signed_on=row.get("agreement_signed_on") if row.has("agreement_signed_on") else None,
            reason="导入结对", **texts,
        )


# --- inspections ---------------------------------------------------------------------------------

@register
class InspectionImport(ImportKind):
    name = "inspections"
    label = "督查走访"
    description = ("领导联系点走访和督查指导记录。走访/检查地点须在系统中;填了结对编码时,地点必须是该结对的村"
                   "或帮建单位,记录会进入该结对的共建工作台帐。")
    model = Inspection
    select_related = ("campaign", "unit", "pairing", "contact_point")
    columns = [
        Column("code", "督查编码", required=True, parse=parse_code,
               help="记录的唯一编码。再次导入相同编码会更新该记录。", example="DC-2024-001"),
        Column("campaign", "活动代码", required=True, parse=parse_code,
               ref=Ref(Campaign, label="活动", field="slug"), help=CAMPAIGN_COLUMN_HELP, example="bjlbc-2024"),
        Column("unit_code", "走访地点编码", required=True, parse=parse_code, ref=Ref(Unit, label="走访/检查地点"),
               help="被走访或检查的村(社区)、单位的编码。", example="230781001001"),
        Column("pairing_code", "结对编码", parse=parse_code, ref=Ref(Pairing, label="结对"),
               help="选填:属于哪个结对(地点须是该结对的村或帮建单位)。", example="BJLBC-001"),
        Column("held_on", "日期", required=True, parse=parse_date, example="2024-05-20"),
        Column("kind", "类型", required=True,
               parse=parse_choice(InspectionKind, {"领导走访": InspectionKind.LEADER_VISIT,
                                                   "联系点走访": InspectionKind.LEADER_VISIT,
                                                   "领导深入联系点": InspectionKind.LEADER_VISIT,
                                                   "督查": InspectionKind.INSPECTION,
                                                   "督导": InspectionKind.INSPECTION}),
               help="填英文代码或中文名称均可。", example="leader_visit"),
        Column("visitors", "人次", parse=parse_int, help="走访的人次,留空按1计。", example="2"),
        Column("inspector", "带队领导/检查人", parse=parse_text(100), example="王常委"),
        Column("findings", "发现问题/情况", parse=parse_text(2000), example="台帐资料不够完整"),
        Column("method", "督查方式", parse=parse_choice(InspectionMethod), help="选填。", example="tour"),
    ]
    field_columns = {"campaign": "campaign", "unit": "unit_code", "pairing": "pairing_code",
                     "held_on": "held_on", "kind": "kind", "visitors": "visitors", "inspector": "inspector",
                     "findings": "findings", "method": "method", "code": "code"}

    def check(self, row: Row, ctx: Context) -> None:
        existing = row.existing
        ctx.ref(row, "campaign")
        unit = ctx.ref(row, "unit_code")
        if unit is not None or existing is not None:
            report_refusals(row, inspection_refusals(ctx.actor, inspection=existing, unit=unit or existing.unit),
                            self.field_columns)
        pairing = ctx.ref(row, "pairing_code") if row.has("pairing_code") else (
            existing.pairing if existing is not None else None)
        if pairing is not None and unit is not None and unit.pk not in (pairing.village_id, pairing.bureau_id):
            row.error("pairing_code" if row.has("pairing_code") else "unit_code",
                      f"走访地点“{unit.name}”不是结对“{pairing.code}”的村或帮建单位。")
        if row.get("held_on") and row.get("held_on") > timezone.localdate():
            row.error("held_on", "日期不能晚于今天。")
        if row.get("visitors") is not None and row.get("visitors") < 1:
            row.error("visitors", "人次至少为1。")

    def _values(self, row: Row):
        existing = row.existing
        return {
            "visitors": _kept(row, "visitors", existing, empty=None) or 1,
            "inspector": _kept(row, "inspector", existing),
            "findings": _kept(row, "findings", existing),
            "method": _kept(row, "method", existing),
        }

    def is_unchanged(self, row: Row, existing: Inspection) -> bool:
        pairing_code = existing.pairing.code if existing.pairing_id else None
        return (existing.campaign.slug == row.get("campaign") and existing.unit.code == row.get("unit_code")
                and existing.held_on == row.get("held_on") and existing.kind == row.get("kind")
                and (not row.has("pairing_code") or pairing_code == row.get("pairing_code"))
                and all(getattr(existing, k) == v for k, v in self._values(row).items()))

    def save(self, row: Row, ctx: Context):
        existing = row.existing
        if row.has("pairing_code"):
            pairing = ctx.current(Pairing, row.get("pairing_code"))
        else:
            pairing = existing.pairing if existing is not None else None
        return inspection_save(
            actor=ctx.actor, code=row.get("code"),
            campaign=ctx.current(Campaign, row.get("campaign"), "slug"),
            unit=ctx.current(Unit, row.get("unit_code")), held_on=row.get("held_on"), kind=row.get("kind"),
            pairing=pairing, contact_point=existing.contact_point if existing is not None else None,
            reason="导入督查走访", **self._values(row),
        )
