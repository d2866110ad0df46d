import datetime as dt

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from campaigns.models import Campaign
from cobuild import streaming
from organizations.models import Unit

from . import exports, figures


def _date(value):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404("日期格式应为 YYYY-MM-DD") from None


def verified_asked(data) -> bool:
    """The verified-only switch (仅统计已审核): ``?verified=1`` (a checkbox sends ``on``)."""
    return str(data.get("verified", "")).lower() in ("1", "on", "true")


@require_GET
def summary_csv(request):
    """CONTRACT.md §5: the export_metrics CSV for a unit inside the user's scope (else 404);
    ``verified=1``: verified records only (the same columns)."""
    code = request.GET.get("unit")
    if not code:
        raise Http404
    unit = get_object_or_404(Unit.objects.for_user(request.user), code=code)
    campaign = None
    if request.GET.get("campaign"):
        campaign = get_object_or_404(Campaign.objects.for_user(request.user), slug=request.GET["campaign"])
    figs = figures.figures(unit, campaign, _date(request.GET.get("from")), _date(request.GET.get("to")),
                           verified_only=verified_asked(request.GET))
    return streaming.csv_response(exports.rows(figs), f"summary-{unit.code}.csv", header=exports.COLUMNS,
                                  disposition="inline")
