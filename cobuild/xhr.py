"""Forms sent by script (XMLHttpRequest, for an upload progress bar) follow redirects silently:
the page they redirect to would be fetched inside the request, its one-time messages consumed and
then lost when the browser navigates. ``redirect_as_json`` answers such a request's redirect with
``{"redirect": url}`` instead, which the script navigates to; a plain form post is unchanged."""

from __future__ import annotations

from functools import wraps

from django.http import JsonResponse

XHR_HEADER = "XMLHttpRequest"


def is_xhr(request) -> bool:
    return request.headers.get("X-Requested-With") == XHR_HEADER


def redirect_as_json(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "POST" and is_xhr(request) and response.status_code in (301, 302, 303):
            return JsonResponse({"redirect": response["Location"]})
        return response

    return wrapper
