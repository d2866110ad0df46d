"""Background jobs of this app (``organizations.jobs``): the ledger workbook of a pair, the same
builder the ledger page downloads directly when the pair has few records."""

from __future__ import annotations

import datetime as dt

from organizations.jobs import JobError, register_workbook

from . import selectors


def _date(value):
    return dt.date.fromisoformat(value) if value else None


@register_workbook("ledger")
def ledger_build(user, params, progress):
    from . import ledger
    from .workbooks import ledger_workbook

    pairing = selectors.pairing_queryset(user).filter(pk=params["pairing"]).first()
    if pairing is None:
        raise JobError("结对不存在或不在您的范围内。")
    date_from, date_to = _date(params.get("from")), _date(params.get("to"))
    wb = ledger_workbook(pairing, date_from, date_to, ledger.totals(pairing, date_from, date_to),
                         selectors.ledger_sheets(pairing, date_from, date_to), progress)
    return wb, f"共建工作台帐-{pairing.village.name}-{pairing.bureau.name}.xlsx"
