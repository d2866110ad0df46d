"""The error pages' views: every error a user can meet is a Chinese page with the menu and a way
back (templates/400.html, 403.html, 403_csrf.html, 404.html, 500.html).

Django's own ``bad_request`` and ``server_error`` render their template without the request (no
menu, no user) and its CSRF failure page is English; these render with the request. The 500 page
tries the full page first and falls back to the context-free ``500.html`` when even that fails
(the database may be what is down). App-free (``cobuild/`` helpers import no app).
"""

from __future__ import annotations

import logging

from django.http import HttpResponseBadRequest, HttpResponseForbidden, HttpResponseServerError
from django.template import loader

log = logging.getLogger(__name__)


def _ours(message: str) -> bool:
    """Our own messages are Chinese; Django's (SuspiciousOperation, DisallowedHost …) are English
    and technical, and may echo the request: those are not shown."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in message)


def bad_request(request, exception=None, template_name="400.html"):
    reason = str(exception) if exception is not None else ""
    reason = reason if _ours(reason) else ""
    body = loader.render_to_string(template_name, {"reason": reason}, request)
    return HttpResponseBadRequest(body)


def csrf_failure(request, reason="", template_name="403_csrf.html"):
    body = loader.render_to_string(template_name, {"reason": reason}, request)
    return HttpResponseForbidden(body)


def server_error(request, template_name="500.html"):
    try:
        body = loader.render_to_string("500_page.html", {}, request)
    except Exception:  # the page with the menu needs the database and the session: plain page instead
        log.warning("the full 500 page could not be rendered; the plain one is sent", exc_info=True)
        body = loader.get_template(template_name).render()
    return HttpResponseServerError(body)
