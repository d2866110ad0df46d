"""The unit's 三级联创 status on its page (``cobuild.panels``): its entries, newest year first."""

from cobuild import panels

from . import selectors


def _unit_panel(request, unit):
    rows = selectors.unit_entries(request.user, unit)
    if not rows:
        return None
    return "creation/unit_panel.html", {"creation_entries": rows}


panels.register("unit_detail", _unit_panel)
