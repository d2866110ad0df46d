"""The pairing picker's kind and its JSON endpoint (``cobuild.pickers``): pairings match by
code prefix or by either side's name (contains)."""

from __future__ import annotations

from django.db.models import Q
from django.views.decorators.http import require_GET

from cobuild import pickers

from .models import Pairing

KIND = "pairings"


def _search(qs, term):
    return qs.filter(Q(code__startswith=term) | Q(bureau__name__icontains=term)
                     | Q(village__name__icontains=term)).order_by("code")


pickers.register_kind(
    KIND, url_name="pairings:pairing_lookup", search=_search,
    text=lambda p: f"{p.bureau.name} — {p.village.name}", detail=lambda p: p.code,
    related=("bureau", "village"), order=("code",),
)

#: every pairing in the user's scope
SCOPE = pickers.source(KIND, "scope", lambda user: Pairing.objects.for_user(user))


@require_GET
def pairing_lookup(request):
    return pickers.lookup(request, KIND)
