"""Awards (荣誉表彰) on the unit's and the person's pages (``cobuild.panels``), and what a 评选公示
board shows to the public (``campaigns.boards.register_kind``)."""

from django.utils import timezone

from campaigns.boards import register_kind
from campaigns.models import BoardKind
from cobuild import panels

from . import selectors
from .models import Cycle


def _unit_panel(request, unit):
    rows = selectors.awards_of_unit(request.user, unit)
    if not rows:
        return None
    return "evaluations/award_panel.html", {"awards": rows, "title": "荣誉表彰"}


def _person_panel(request, person):
    rows = selectors.awards_of_person(request.user, person)
    if not rows:
        return None
    return "evaluations/award_panel.html", {"awards": rows, "title": "个人荣誉"}


def _public_page(board):
    """The 评选公示 page: the cycle whose board it is, its nominees under 公示 (no personal data)."""
    cycle = Cycle.objects.select_related("scheme", "organiser").filter(board=board).first()
    if cycle is None:
        return None
    return "evaluations/publicity_public.html", {
        "board": board, "cycle": cycle, "rows": selectors.publicity_rows(cycle), "today": timezone.localdate(),
    }


panels.register("unit_detail", _unit_panel)
panels.register("person_detail", _person_panel)
register_kind(BoardKind.AWARDS, _public_page)
