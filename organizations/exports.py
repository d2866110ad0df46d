"""The organisation coverage workbook (覆盖情况汇总, 空白点清单); sheet helpers in
``cobuild.spreadsheets``."""

from openpyxl import Workbook

from cobuild.spreadsheets import write_sheet

from .models import COVERAGE_AREAS, COVERAGE_LABELS


def _rate(v):
    return v["rate"] if v["rate"] is not None else ""


def coverage_workbook(unit, rows, total, spots) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "覆盖情况汇总"
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
    write_sheet(
        ws2,
        ["单位编码", "单位名称", "类型", "上级单位", *[f"缺{COVERAGE_LABELS[k]}" for k in keys]],
        (
            [s.code, s.name, s.get_kind_display(), s.parent.name if s.parent else "",
             *["缺" if not getattr(s, f"has_{k}") else "" for k in keys]]
            for s in spots.iterator()
        ),
        {2: 24, 4: 18},
    )
    return wb
