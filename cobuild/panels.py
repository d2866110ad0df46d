"""Sections that a higher app adds to a lower app's page, without the lower app importing it
(apps depend downward only, README "Layout").

An app registers, once at start-up, a function for a page: ``register("unit_detail", fn)``;
``fn(request, obj)`` returns ``(template_name, context)`` or None (nothing to show). The page's
template asks for them with ``{% load cobuild_panels %}{% panels "unit_detail" unit %}``. Each
function reads its rows through the user's scope like any view. Imports no app.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

PANELS: dict[str, list[Callable]] = defaultdict(list)


def register(page: str, fn: Callable) -> Callable:
    if fn not in PANELS[page]:
        PANELS[page].append(fn)
    return fn


def render_panels(page: str, request, obj) -> str:
    from django.template.loader import render_to_string

    out = []
    for fn in PANELS.get(page, ()):
        found = fn(request, obj)
        if found:
            template, context = found
            out.append(render_to_string(template, context, request=request))
    return "".join(out)
