"""Import declaration of ``people`` (CONTRACT.md §3): code*, name*, unit_code*, gender, birth_year,
education, occupation, phone, status*, status_since, branch_code, recommended_by_code, tags.
Found by ``cobuild.importing`` like every app's ``importers.py``; rows are written by
``people.services.person_save``, the web form's service."""

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
from organizations.models import MASS_KINDS, PARTY_KINDS, Gender, Organization, Unit
from pairings.importers import report_refusals

from .models import Education, Person, PersonStatus, Tag
from .policy import person_refusals, status_refusals
from .services import person_save

TAG_ALIASES = {str(label): value for value, label in Tag.choices}
STATUS_ALIASES = {"党员": "member", "共青团员": "league_member", "积极分子": "activist", "申请人": "applicant"}
EDUCATION_ALIASES = {"中专": "senior", "大学本科": "bachelor", "大学专科": "college", "硕士": "postgraduate",
                     "博士": "postgraduate"}


def parse_tags(value: str) -> frozenset[str]:
    out = set()
    for part in value.replace(";", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        tag = part if part in Tag.values else TAG_ALIASES.get(part)
        if tag is None:
            raise ValueError(f"“{part}”不是可用的标签,可用:"
                             + ";".join(f"{v} {label}" for v, label in Tag.choices))
        out.add(tag)
    return frozenset(out)


def parse_birth_year(value: str) -> int:
    year = parse_int(value)
    if not 1900 <= year <= timezone.localdate().year:
        raise ValueError(f"出生年份应在1900到{timezone.localdate().year}之间")
    return year


FIELD_COLUMNS = {"unit": "unit_code", "name": "name", "gender": "gender", "birth_year": "birth_year",
                 "education": "education", "occupation": "occupation", "phone": "phone", "status": "status",
                 "status_since": "status_since", "branch": "branch_code", "recommended_by": "recommended_by_code",
                 "code": "code"}
OPTIONAL = ("gender", "birth_year", "education", "occupation", "phone", "status_since")


@register
class PeopleImport(ImportKind):
    name = "people"
    label = "人员名册"
    description = ("人员名册(党员、团员、入党积极分子、发展对象、致富能手、志愿者、村干部等):编码是人员的唯一标识,"
                   "再次导入相同编码会更新该人员;所在单位、党组织、推优组织须在系统中已有。"
                   "手机号仅本单位书记(联络员)和县级管理员可见完整号码。已登记推优发展环节的人员,"
                   "政治面貌随环节变化,不能通过导入修改。")
    model = Person
    select_related = ("unit", "branch", "recommended_by")
    columns = [
        Column("code", "人员编码", required=True, parse=parse_code,
               help="人员的唯一编码。再次导入相同编码会更新该人员。", example="TL-P-0001"),
        Column("name", "姓名", required=True, parse=parse_text(50), example="王小梅"),
        Column("unit_code", "所在单位编码", required=True, parse=parse_code, ref=Ref(Unit, label="单位"),
               help="人员所在村(社区)、机关单位或乡镇的编码。", example="230781001"),
        Column("gender", "性别", parse=parse_choice(Gender), example="female"),
        Column("birth_year", "出生年份", parse=parse_birth_year, allowed="四位年份,如1990", example="1992"),
        Column("education", "学历", parse=parse_choice(Education, EDUCATION_ALIASES), example="college"),
        Column("occupation", "职业", parse=parse_text(100),
               help="自由填写;填 frontline 表示生产工作一线(四个优先之“一线”)。", example="frontline"),
        Column("phone", "联系电话", parse=parse_text(32), example="13812341234"),
        Column("status", "政治面貌", required=True, parse=parse_choice(PersonStatus, STATUS_ALIASES),
               help="英文代码或中文名称均可。", example="activist"),
        Column("status_since", "何时起", parse=parse_date, help="取得现政治面貌的日期。", example="2024-03-01"),
        Column("branch_code", "党组织编码", parse=parse_code, ref=Ref(Organization, label="党组织"),
               help="负责的党支部(党总支、党委)的编码。", example="230781001-DZB"),
        Column("recommended_by_code", "推优组织编码", parse=parse_code, ref=Ref(Organization, label="推优组织"),
               help="推荐其入党的工会、共青团或妇联的编码(推优)。", example="230781001-TZB"),
        Column("tags", "标签", parse=parse_tags, help="多个用英文分号“;”分隔。",
               allowed=";".join(f"{v} {label}" for v, label in Tag.choices), example="rich_leader;volunteer"),
    ]
    field_columns = FIELD_COLUMNS

    def _kept(self, row: Row, key: str, attr: str | None = None, empty=""):
        if row.has(key):
            value = row.get(key)
            return empty if value is None else value
        if row.existing is not None:
            return getattr(row.existing, attr or key)
        return empty

    def _org(self, row: Row, ctx: Context, key: str, attr: str):
        if row.has(key):
            return ctx.ref(row, key)
        return getattr(row.existing, attr) if row.existing is not None else None

    def check(self, row: Row, ctx: Context) -> None:
        existing = row.existing
        unit = ctx.ref(row, "unit_code")
        branch = self._org(row, ctx, "branch_code", "branch")
        recommended_by = self._org(row, ctx, "recommended_by_code", "recommended_by")
        if unit is not None or existing is not None:
            report_refusals(row, person_refusals(ctx.actor, person=existing, unit=unit or existing.unit),
                            FIELD_COLUMNS)
        if existing is not None and row.get("status"):
            report_refusals(row, status_refusals(existing, row.get("status")), FIELD_COLUMNS)
        if branch is not None and branch.kind not in PARTY_KINDS:
            row.error("branch_code", f"“{branch.name}”不是党组织,请填党支部(党总支、党委)的编码。")
        if recommended_by is not None and recommended_by.kind not in MASS_KINDS:
            row.error("recommended_by_code", f"“{recommended_by.name}”不是群团组织,推优组织应是工会、共青团或妇联。")
        since = row.get("status_since")
        if since and since > timezone.localdate():
            row.error("status_since", "“何时起”不能晚于今天。")

    def is_unchanged(self, row: Row, p: Person) -> bool:
        wanted = {
            "unit_id": row.get("unit_code") == p.unit.code, "name": row.get("name") == p.name,
            "status": row.get("status") == p.status,
        }
        if not all(wanted.values()):
            return False
        for key in OPTIONAL:
            if row.has(key) and (row.get(key) if row.get(key) is not None else
                                 (None if key in ("birth_year", "status_since") else "")) != getattr(p, key):
                return False
        if row.has("occupation") and (p.occupation.lower() == "frontline") != p.frontline:
            return False
        for key, attr in (("branch_code", "branch"), ("recommended_by_code", "recommended_by")):
            current = getattr(p, attr)
            if row.has(key) and (row.get(key) or None) != (current.code if current else None):
                return False
        return not row.has("tags") or set(row.get("tags") or ()) == set(p.tags)

    def save(self, row: Row, ctx: Context):
        existing = row.existing
        occupation = self._kept(row, "occupation")
        return person_save(
            actor=ctx.actor, code=row.get("code"), name=row.get("name"),
            unit=ctx.current(Unit, row.get("unit_code")), status=row.get("status"),
            gender=self._kept(row, "gender"), birth_year=self._kept(row, "birth_year", empty=None),
            education=self._kept(row, "education"), occupation=occupation,
            frontline=None if row.has("occupation") or existing is None else existing.frontline,
            phone=self._kept(row, "phone"), status_since=self._kept(row, "status_since", empty=None),
            branch=(ctx.current(Organization, row.get("branch_code")) if row.has("branch_code")
                    else (existing.branch if existing else None)),
            recommended_by=(ctx.current(Organization, row.get("recommended_by_code"))
                            if row.has("recommended_by_code") else (existing.recommended_by if existing else None)),
            tags=(row.get("tags") or ()) if row.has("tags") else None,
            reason="导入人员名册",
        )
