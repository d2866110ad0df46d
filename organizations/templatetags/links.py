"""``{% load links %}{% if user|may_open:obj %}<a …>{% endif %}``: a link is shown only if the
user may open the page it leads to. It asks what the views ask: a record's page (and a unit's
board, coverage and reports) is found through its model's ``objects.for_user(user)`` (the record
scopes every view fetches with, ``get_object_or_404(Model.objects.for_user(user), pk=…)``; for a
unit the same rule, ``scoping.in_scope``, answered from the cached grants without a query); an
import job's page needs ``policy.can_import``. Answers are memoised per user object (one request).
"""

from __future__ import annotations

from django import template

from organizations.models import ImportJob, Job, Unit
from organizations.policy import can_import, can_rebuild_figures
from organizations.scoping import in_scope

register = template.Library()

def may_open(user, obj) -> bool:
    if obj is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    if isinstance(obj, Job):
        if obj.handler.startswith("import_"):  # its page is the import preview
            return can_import(user) and obj.user_id == user.pk
        if obj.handler == "rebuild":
            return can_rebuild_figures(user) and obj.user_id == user.pk
        return obj.user_id == user.pk
    if isinstance(obj, Unit):  # Unit.objects.for_user's rule (the user's subtrees), without a query
        return in_scope(user, obj)
    if isinstance(obj, ImportJob):
        return can_import(user) and obj.user_id == user.pk
    manager = getattr(type(obj), "objects", None)
    if manager is None or not hasattr(manager, "for_user"):
        return True
    cache = user.__dict__.setdefault("_may_open", {})
    key = (type(obj).__name__, obj.pk)
    if key not in cache:
        cache[key] = manager.for_user(user).filter(pk=obj.pk).exists()
    return cache[key]


register.filter("may_open", may_open)
