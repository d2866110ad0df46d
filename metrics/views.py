
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from campaigns.models import Campaign
from cobuild import streaming
from cobuild.params import code_or_404, date_or_404
from organizations.models import Unit

from . import exports, figures

_date = date_or_404  # a malformed or out-of-range date answers 404 with its Chinese message


def verified_asked(data) -> bool:
    """The verified-only switch (仅统计已审核): ``?verified=1`` (a checkbox sends ``on``)."""
    return str(data.get("verified", "")).lower() in ("1", "on", "true")


@require_GET
def summary_csv(request):
    """CONTRACT.md §5: the export_metrics CSV for a unit inside the user's scope (else 404);
    ``verified=1``: verified records only (the same columns)."""
    unit = get_object_or_404(Unit.objects.for_user(request.user),
                             code=code_or_404(request.GET.get("unit"), "没有这个单位。"))
    campaign = None
    if request.GET.get("campaign"):
        campaign = get_object_or_404(Campaign.objects.for_user(request.user), slug=code_or_404(request.GET["campaign"], "没有这个专项活动。"))
    figs = figures.figures(unit, campaign, _date(request.GET.get("from")), _date(request.GET.get("to")),
                           verified_only=verified_asked(request.GET))
    return streaming.csv_response(exports.rows(figs), f"summary-{unit.code}.csv", header=exports.COLUMNS,
                                  disposition="inline")
