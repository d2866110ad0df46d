"""Pickers for big choice lists (units, pairings): a plain ``<select>`` while the user's choices
are few, search-as-you-type beyond that (a province has ~15,000 villages and as many pairings).

- ``PLAIN_SELECT_MAX`` is the one threshold: up to that many choices the widget renders every
  option (no JavaScript needed, best on a phone); above it the ``<select>`` holds only the empty
  option and the selected value (rendered on the server, so a form shown again after a validation
  error keeps it) and carries ``data-picker-url``; ``static/js/picker.js`` turns it into a
  keyboard-usable combobox that asks the JSON endpoint as the user types.
- The form field keeps its scoped queryset: a posted id outside it is an invalid choice, whatever
  the endpoint offered. The endpoint reads the same scoped queryset through a registered
  *source* (``source(kind, name, fn)``; ``fn(user)`` returns the queryset), so records the user
  may not see never appear, and returns at most ``RESULTS_MAX`` matches by code (prefix) or name
  (contains).
- Each kind (``register_kind``) says how to search, order and label its rows; the apps that own
  the models register them (``organizations.pickers``, ``pairings.pickers``) and route one URL
  per kind to :func:`lookup`.

Imports no app (README, "Layout").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.db.models import QuerySet
from django.http import Http404, JsonResponse
from django.urls import reverse

from cobuild.params import parse_id, parse_text

#: up to this many choices a plain <select>; more: search-as-you-type (the one place to tune it)
PLAIN_SELECT_MAX = 200
#: matches the endpoint returns at most
RESULTS_MAX = 20
#: longest search term read
TERM_MAX = 50


@dataclass(frozen=True)
class Kind:
    name: str
    url_name: str                                   # the endpoint's URL name (reverse())
    search: Callable[[QuerySet, str], QuerySet]     # rows matching a non-empty term, best first
    text: Callable[[object], str]                   # the option's label
    detail: Callable[[object], str] = lambda obj: ""  # a second line in the list (code, parent)
    related: tuple[str, ...] = ()
    order: tuple[str, ...] = ("pk",)


@dataclass(frozen=True)
class Source:
    kind: str
    name: str
    queryset: Callable[[object], QuerySet]          # user -> the rows the user may pick


KINDS: dict[str, Kind] = {}
SOURCES: dict[tuple[str, str], Source] = {}


def register_kind(name: str, *, url_name: str, search, text, detail=None, related=(), order=("pk",)) -> Kind:
    kind = Kind(name, url_name, search, text, detail or (lambda obj: ""), tuple(related), tuple(order))
    KINDS[name] = kind
    return kind


def source(kind: str, name: str, queryset: Callable[[object], QuerySet]) -> Source:
    """Register (once, at import) the rows a picker of ``kind`` offers under ``name``."""
    key = (kind, name)
    existing = SOURCES.get(key)
    if existing is not None and existing.queryset is not queryset:
        raise ValueError(f"picker source {kind}/{name} registered twice with different querysets")
    SOURCES[key] = Source(kind, name, queryset)
    return SOURCES[key]


def is_large(queryset: QuerySet) -> bool:
    """More choices than a plain select should hold (one bounded COUNT query)."""
    return queryset.order_by()[: PLAIN_SELECT_MAX + 1].count() > PLAIN_SELECT_MAX


def option(kind: Kind, obj) -> dict:
    return {"id": obj.pk, "text": kind.text(obj), "detail": kind.detail(obj)}


def matches(kind: Kind, queryset: QuerySet, term: str, limit: int = RESULTS_MAX) -> tuple[list[dict], bool]:
    """At most ``limit`` options of ``queryset`` matching ``term`` (all rows when empty), and
    whether there are more."""
    qs = queryset.select_related(*kind.related)
    qs = kind.search(qs, term) if term else qs.order_by(*kind.order)
    rows = list(qs[: limit + 1])
    return [option(kind, r) for r in rows[:limit]], len(rows) > limit


def lookup(request, kind_name: str):
    """The JSON endpoint of one kind: ``?source=NAME&q=TERM`` → ``{"results": [...], "more":
    bool}``; ``?source=NAME&id=PK`` → that one row, 404 when the user may not pick it."""
    kind = KINDS.get(kind_name)
    src = SOURCES.get((kind_name, request.GET.get("source", "scope")))
    if kind is None or src is None:
        raise Http404("没有这个选择列表。")
    queryset = src.queryset(request.user)
    raw_id = request.GET.get("id")
    if raw_id is not None:
        pk = parse_id(raw_id)
        obj = queryset.select_related(*kind.related).filter(pk=pk).first() if pk else None
        if obj is None:
            raise Http404("没有这个选项。")
        return JsonResponse({"results": [option(kind, obj)], "more": False})
    term = parse_text(request.GET.get("q"), TERM_MAX)
    results, more = matches(kind, queryset, term)
    response = JsonResponse({"results": results, "more": more})
    response["Cache-Control"] = "private, no-store"
    return response


class PickerSelect(forms.Select):
    """The select of a ``ModelChoiceField`` whose queryset may be big (see the module docstring).

    ``PickerSelect(src)`` with a registered :class:`Source`; the field's own queryset decides
    what is valid. Labels of the server-rendered selected option come from the kind, so they
    read the same as the endpoint's results.
    """

    def __init__(self, src: Source, attrs=None):
        super().__init__(attrs)
        self.source = src

    @property
    def kind(self) -> Kind:
        return KINDS[self.source.kind]

    def _queryset(self):
        return getattr(self.choices, "queryset", None)

    def use_required_attribute(self, initial):
        # Select's own check reads the first choice, i.e. runs the whole (big) queryset; a model
        # choice field's first choice is the empty one exactly when it has an empty label.
        field = getattr(self.choices, "field", None)
        if field is None:
            return super().use_required_attribute(initial)
        return not self.is_hidden and field.empty_label is not None

    def get_context(self, name, value, attrs):
        qs = self._queryset()
        self.large = qs is not None and is_large(qs)
        if self.large:
            attrs = {**(attrs or {}),
                     "data-picker-url": f"{reverse(self.kind.url_name)}?source={self.source.name}",
                     "data-picker-placeholder": "输入名称或编码查找"}
        return super().get_context(name, value, attrs)

    def optgroups(self, name, value, attrs=None):
        if not getattr(self, "large", False):
            return super().optgroups(name, value, attrs)
        field = self.choices.field
        wanted = [pk for pk in map(parse_id, value) if pk]
        chosen = list(self._queryset().select_related(*self.kind.related).filter(pk__in=wanted)) if wanted else []
        groups = []
        if field.empty_label is not None:
            groups.append((None, [self.create_option(name, "", field.empty_label, not chosen, 0)], 0))
        for i, obj in enumerate(chosen, start=len(groups)):
            groups.append((None, [self.create_option(name, str(obj.pk), self.kind.text(obj), True, i)], i))
        return groups
