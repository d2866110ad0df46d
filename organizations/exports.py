"""The organisation coverage workbook (覆盖情况汇总, 空白点清单); sheet helpers in
``cobuild.spreadsheets``. Registered as the workbook "coverage": the coverage page downloads it
directly for a small scope, a background job builds it for a big one (``organizations.jobs``)."""

from openpyxl import Workbook

from cobuild.spreadsheets import new_workbook, write_sheet

from . import selectors
from .jobs import JobError, register_workbook, ticker
from .models import COVERAGE_AREAS, COVERAGE_LABELS, Unit


def _rate(v):
    return v["rate"] if v["rate"] is not None else ""


@register_workbook("coverage")
def coverage_build(user, params, progress):
    """The workbook of ``params["unit"]`` as ``user`` may see it (scoped again in the worker)."""
    unit = Unit.objects.for_user(user).filter(pk=params["unit"]).first()
    if unit is None:
        raise JobError("单位不存在或不在您的范围内。")
    rows, total = selectors.coverage_rows(unit, user)
    spots = selectors.blank_spots(unit, user)
    return coverage_workbook(unit, rows, total, spots, progress), f"党群组织覆盖情况-{unit.name}.xlsx"


def coverage_workbook(unit, rows, total, spots, progress=None) -> Workbook:
    wb = new_workbook()
    ws = wb.create_sheet("覆盖情况汇总")
    keys = list(COVERAGE_AREAS)
    headers = ["区域", "行政村/社区数", *[f"有{COVERAGE_LABELS[k]}组织" for k in keys], "四类齐全", "覆盖率(%)",
               "企业数", *[f"企业有{COVERAGE_LABELS[k]}组织" for k in keys], "企业四类齐全", "企业覆盖率(%)"]

    def line(name, r):
        v, e = r.villages, r.enterprises
        return [name, v["total"], *[v[k] for k in keys], v["complete"], _rate(v),
                e["total"], *[e[k] for k in keys], e["complete"], _rate(e)]

    body = [line(f"{r.unit.name}(本级直属)" if r.is_direct else r.unit.name, r) for r in rows]
    body.append(line("合计", total))
    write_sheet(ws, [str(h) for h in headers], body, {1: 24})
    ws2 = wb.create_sheet("空白点清单")
    tick = ticker(progress, spots.count(), "空白点清单") if progress else None
    write_sheet(
        ws2,
        ["单位编码", "单位名称", "类型", "上级单位", *[f"缺{COVERAGE_LABELS[k]}" for k in keys]],
        (
            [s.code, s.name, s.get_kind_display(), s.parent.name if s.parent else "",
             *["缺" if not getattr(s, f"has_{k}") else "" for k in keys]]
            for s in spots.iterator()
        ),
        {2: 24, 4: 18}, progress=tick,
    )
    return wb
