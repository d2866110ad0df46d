"""信息通报 on the unit's page and on the joint meeting's page (``cobuild.panels``)."""

from cobuild import panels

from . import policy, selectors


def _unit_panel(request, unit):
    rows = selectors.briefings_for(request.user, unit=unit, limit=10)
    return "notices/briefing_panel.html", {"briefings": rows, "can_brief": policy.can_brief_somewhere(request.user),
                                           "new_query": ""}


def _meeting_panel(request, meeting):
    rows = selectors.briefings_for(request.user, meeting=meeting, limit=10)
    return "notices/briefing_panel.html", {"briefings": rows, "can_brief": policy.can_brief_somewhere(request.user),
                                           "new_query": f"?meeting={meeting.pk}"}


panels.register("unit_detail", _unit_panel)
panels.register("meeting_detail", _meeting_panel)
