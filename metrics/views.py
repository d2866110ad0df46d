import datetime as dt

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from campaigns.models import Campaign
from organizations.models import Unit

from . import exports, figures


def _date(value):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404("日期格式应为 YYYY-MM-DD") from None


@require_GET
def summary_csv(request):
    """CONTRACT.md §5: the export_metrics CSV for a unit inside the user's scope (else 404)."""
    code = request.GET.get("unit")
    if not code:
        raise Http404
    unit = get_object_or_404(Unit.objects.for_user(request.user), code=code)
    campaign = None
    if request.GET.get("campaign"):
        campaign = get_object_or_404(Campaign.objects.for_user(request.user), slug=request.GET["campaign"])
    figs = figures.figures(unit, campaign, _date(request.GET.get("from")), _date(request.GET.get("to")))
    resp = HttpResponse(exports.to_csv(figs), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'inline; filename="summary-{unit.code}.csv"'
    return resp
