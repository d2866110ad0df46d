"""The unit picker's kind and its JSON endpoint (``cobuild.pickers``): units match by code
prefix or by name (contains; Chinese names have no word boundaries), names starting with the
term first, then in tree order; each option names its parent so that two villages called alike
in different townships can be told apart."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When
from django.views.decorators.http import require_GET

from cobuild import pickers

from .models import Unit

KIND = "units"


def _search(qs, term):
    starts = Case(When(name__startswith=term, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (qs.filter(Q(code__startswith=term) | Q(name__icontains=term))
            .annotate(_rank=starts).order_by("_rank", "depth", "path"))


def _text(unit) -> str:
    return f"{unit.name}({unit.parent.name})" if unit.parent_id else unit.name


pickers.register_kind(
    KIND, url_name="organizations:unit_lookup", search=_search, text=_text,
    detail=lambda unit: f"{unit.get_kind_display()} · {unit.code}", related=("parent",), order=("depth", "path"),
)

#: every unit in the user's scope
SCOPE = pickers.source(KIND, "scope", lambda user: Unit.objects.for_user(user))


@require_GET
def unit_lookup(request):
    return pickers.lookup(request, KIND)
