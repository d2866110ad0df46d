"""Import declaration of ``activities`` (CONTRACT.md §3).

Columns: ``code``*, ``campaign``*, ``date``*, ``unit_code``*, ``pairing_code``, ``category``*,
``title``*, ``participants`` and one column per active *outcome* indicator, named by its code
(``get_columns`` reads them from the catalogue, so an indicator added in the admin is a new
column at once). Rows are written through ``activity_submit``; an import by the system or by a
reviewer of the unit records verified figures.

Registered when imported: ``campaigns/importers.py`` imports this module.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cobuild.importing import (
    LOOKUP_CHUNK,
    Column,
    Context,
    ImportKind,
    Ref,
    Row,
    RowWriteError,
    parse_choice,
    parse_code,
    parse_date,
    parse_decimal,
    parse_int,
    parse_text,
    register,
)
from organizations.models import Unit
from pairings.importers import report_refusals
from pairings.models import Pairing

from .activity_selectors import outcome_indicators
from .models import Activity, ActivityOutcome, Campaign, Category, ReviewStatus
from .policy import activity_refusals, can_record_verified
from .services import activity_create_many, activity_submit, validate_outcomes

CATEGORY_ALIASES = {
    "组织生活": Category.ORG_LIFE, "党组织活动": Category.ORG_LIFE, "主题党日": Category.ORG_LIFE,
    "党课": Category.PARTY_LECTURE, "专题讲座": Category.PARTY_LECTURE,
    "送科技": Category.TECH_TO_COUNTRYSIDE, "技术下乡": Category.TECH_TO_COUNTRYSIDE,
    "送技术下乡": Category.TECH_TO_COUNTRYSIDE, "送科技下乡": Category.TECH_TO_COUNTRYSIDE,
    "送政策": Category.POLICY_LAW_TO_COUNTRYSIDE, "送法律": Category.POLICY_LAW_TO_COUNTRYSIDE,
    "送文化下乡": Category.CULTURE_TO_COUNTRYSIDE, "送卫生下乡": Category.HEALTH_TO_COUNTRYSIDE,
    "党工青妇联席会议": Category.JOINT_MEETING,
}

BASE_COLUMNS = [
    Column("code", "活动编码", required=True, parse=parse_code,
           help="活动的唯一编码。再次导入相同编码会更新该活动。", example="TL-ACT-0001"),
    Column("campaign", "所属活动代码", required=True, parse=parse_code,
           ref=Ref(Campaign, label="活动", field="slug"),
           help="专项活动的代码(slug),如百局联百村。", example="bjlbc-2010"),
    Column("date", "活动日期", required=True, parse=parse_date, example="2010-07-01"),
    Column("unit_code", "开展单位编码", required=True, parse=parse_code, ref=Ref(Unit, label="单位"),
           help="活动在哪里开展、是哪个单位的活动。", example="230781101201"),
    Column("pairing_code", "结对编码", parse=parse_code,
           ref=Ref(Pairing, label="结对", select_related=("village", "bureau")),
           help="属于结对共建的活动填结对编码;开展单位须是该结对的村(社区)或帮建单位。", example="TL-P-001"),
    Column("category", "活动类别", required=True, parse=parse_choice(Category, CATEGORY_ALIASES),
           help="填英文代码或中文名称均可。", example="org_life"),
    Column("title", "活动名称", required=True, parse=parse_text(120), example="七一主题党日活动"),
    Column("participants", "参加人数", parse=parse_int, help="留空按0计。", example="35"),
]


@register
class ActivityImport(ImportKind):
    name = "activities"
    label = "共建活动"
    description = ("共建活动及其成效数据。成效列以指标代码为列名(也可用“指标名称(单位)”),每列填不小于0的数;"
                   "没有的成效留空。由县、乡审核人员导入的活动直接记为已审核。")
    model = Activity
    select_related = ("unit", "pairing__village", "pairing__bureau", "campaign")
    field_columns = {"campaign": "campaign", "date": "date", "unit": "unit_code", "pairing": "pairing_code",
                     "category": "category", "title": "title", "participants": "participants"}

    _last_indicators: list = []

    def get_columns(self) -> list[Column]:
        indicators = outcome_indicators()
        self._last_indicators = indicators
        return [*BASE_COLUMNS, *(
            Column(ind.code, f"{ind.name}({ind.unit})", parse=parse_decimal,
                   help=f"成效指标:{ind.name},单位{ind.unit}" + (
                       f";单次活动不超过{ind.max_per_activity.normalize():f}"
                       if ind.max_per_activity is not None else ""),
                   allowed="不小于0的数" if ind.is_money else "不小于0的整数")
            for ind in indicators
        )]

    def preview(self, row: Row) -> list[str]:
        # The columns were just read by the engine; no query per previewed row.
        keys = [c.key for c in BASE_COLUMNS] + [i.code for i in self._last_indicators]
        return [row.raw.get(k, "") for k in keys if row.has(k)]

    # -- validation --------------------------------------------------------------------------

    def _prepare(self, ctx: Context) -> None:
        """Once per file: the outcome indicators, and the stored outcomes of every activity the
        file names (one query per chunk of codes), so rows are compared without more queries."""
        if getattr(ctx, "_activities_ready", False):
            return
        ctx._activities_ready = True
        ctx._indicators = {i.code: i for i in outcome_indicators()}
        codes = sorted({r.get("code") for r in ctx.rows if r.get("code")})
        stored: dict[str, dict[str, object]] = {}
        for start in range(0, len(codes), LOOKUP_CHUNK):
            for code, ind_code, value in ActivityOutcome.objects.filter(
                    activity__code__in=codes[start:start + LOOKUP_CHUNK]).values_list(
                    "activity__code", "indicator__code", "value"):
                stored.setdefault(code, {})[ind_code] = value
        ctx._stored_outcomes = stored

    def check(self, row: Row, ctx: Context) -> None:
        self._prepare(ctx)
        campaign = ctx.ref(row, "campaign")
        unit = ctx.ref(row, "unit_code")
        pairing = ctx.ref(row, "pairing_code") if row.has("pairing_code") else (
            row.existing.pairing if row.existing is not None else None)
        date = row.get("date")
        if date is not None:
            if date > timezone.localdate():
                row.error("date", "活动日期不能晚于今天。")
            elif campaign is not None and date < campaign.start_date:
                row.error("date", f"活动日期早于“{campaign.name}”的开始日期{campaign.start_date}。")
        if unit is not None and pairing is not None and unit.pk not in (pairing.village_id, pairing.bureau_id):
            row.error("pairing_code", "开展单位必须是该结对的村(社区)或帮建单位。")
        actor = ctx.actor
        # An import by the system or a reviewer of the unit records reviewed (verified) figures.
        row._verified = actor is None or (unit is not None and can_record_verified(actor, unit))
        existing = row.existing
        self._check_outcomes(row, ctx)
        if existing is not None:
            stored = ctx._stored_outcomes.get(existing.code, {})
            active_stored = {code: v for code, v in stored.items() if code in ctx._indicators}
            row._outcomes_unchanged = self._outcomes(row, ctx) == active_stored
            if row.ok and self.is_unchanged(row, existing):
                return  # nothing would be written: a re-imported file passes, locked records too
        if unit is None:
            return
        # The service's own rules (``activity_refusals``): a verified record is locked (only a
        # 更正 changes it); verifying somebody's stored record is reviewing it, never one's own.
        refusals = activity_refusals(actor, activity=existing, unit=unit, pairing=pairing, verified=row._verified)
        report_refusals(row, refusals, self.field_columns)
        if ctx.restricted and not refusals and not row._verified:
            row.error("unit_code", f"只有县、乡审核人员可以导入“{unit.name}”的活动。")

    def _check_outcomes(self, row: Row, ctx: Context) -> None:
        """The service's own rules (bounds, whole numbers), each error on its column."""
        values = {code: row.get(code) for code in ctx._indicators if row.get(code) is not None}
        try:
            validate_outcomes(values, indicators=ctx._indicators)
        except ValidationError as e:
            for code, messages in e.message_dict.items():
                for message in messages:
                    row.error(code, message)

    def _outcomes(self, row: Row, ctx: Context) -> dict:
        """The outcome values after this row: file columns replace, absent columns keep."""
        stored = dict(ctx._stored_outcomes.get(row.get("code"), {})) if row.existing is not None else {}
        values = {code: v for code, v in stored.items() if code in ctx._indicators}
        for code in ctx._indicators:
            if row.has(code):
                if row.get(code) is None:
                    values.pop(code, None)
                else:
                    values[code] = row.get(code)
        return values

    def is_unchanged(self, row: Row, existing: Activity) -> bool:
        wanted_status = ReviewStatus.VERIFIED if row._verified else ReviewStatus.SUBMITTED
        same = (
            existing.campaign.slug == row.get("campaign")
            and existing.date == row.get("date")
            and existing.unit.code == row.get("unit_code")
            and existing.category == row.get("category")
            and existing.title == row.get("title")
            and existing.status == wanted_status
        )
        if row.has("pairing_code"):
            same = same and (existing.pairing.code if existing.pairing else None) == row.get("pairing_code")
        if row.has("participants"):
            same = same and existing.participants == (row.get("participants") or 0)
        return same and getattr(row, "_outcomes_unchanged", False)

    # -- writing -------------------------------------------------------------------------------

    def save_many(self, rows: list[Row], ctx: Context) -> list[tuple]:
        """New rows in bulk through ``activity_create_many``; changed ones one by one."""
        new_rows = [row for row in rows if row.existing is None]
        changed = [row for row in rows if row.existing is not None]
        out = {id(row): saved for row, saved in zip(changed, super().save_many(changed, ctx), strict=True)}
        if not new_rows:
            return [out[id(row)] for row in rows]
        items = [self._item(row, ctx) for row in new_rows]
        try:
            created = activity_create_many(actor=ctx.actor, items=items, indicators=ctx._indicators)
        except (ValidationError, PermissionDenied) as exc:
            raise RowWriteError(new_rows[getattr(exc, "item_index", 0)], exc) from exc
        for row, activity in zip(new_rows, created, strict=True):
            out[id(row)] = (activity, True)
        return [out[id(row)] for row in rows]

    def _item(self, row: Row, ctx: Context) -> dict:
        return {"code": row.get("code"), "campaign": ctx.current(Campaign, row.get("campaign"), "slug"),
                "date": row.get("date"), "unit": ctx.current(Unit, row.get("unit_code")),
                "pairing": ctx.current(Pairing, row.get("pairing_code")) if row.has("pairing_code") else None,
                "category": row.get("category"), "title": row.get("title"),
                "participants": row.get("participants") or 0, "outcomes": self._outcomes(row, ctx),
                "verified": row._verified}

    def save(self, row: Row, ctx: Context):
        existing = row.existing
        if row.has("pairing_code"):
            pairing = ctx.current(Pairing, row.get("pairing_code"))
        else:
            pairing = existing.pairing if existing is not None else None
        if row.has("participants"):
            participants = row.get("participants") or 0
        else:
            participants = existing.participants if existing is not None else 0
        return activity_submit(
            actor=ctx.actor, code=row.get("code"),
            campaign=ctx.current(Campaign, row.get("campaign"), "slug"),
            date=row.get("date"), unit=ctx.current(Unit, row.get("unit_code")), pairing=pairing,
            category=row.get("category"), title=row.get("title"), participants=participants,
            link_area=existing.link_area if existing is not None else "",
            description=existing.description if existing is not None else "",
            outcomes=self._outcomes(row, ctx),
            verified=row._verified, reason="导入活动",
        )

