"""Requests whose body did not arrive whole save nothing.

A phone that loses its connection mid-upload sends fewer bytes than its ``Content-Length``
says. Django does not notice: the WSGI server hands it the bytes that came (gunicorn stops at
end of input), and the multipart parser returns the fields and the files that arrived complete,
dropping the rest — so without a check the activity is saved with half its photos, the phone
sees a failure and sends it again. A server that raises on the broken read gives
``UnreadablePostError`` instead. ``require_whole_body`` answers both with 400 and a Chinese
message before the view runs, so nothing is saved.
"""

from __future__ import annotations

import functools
import logging

from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

logger = logging.getLogger(__name__)

INCOMPLETE_MESSAGE = "网络中断,提交的内容(照片)没有完整送达,本次没有保存任何内容。请在网络稳定时重新提交。"


def body_incomplete(request) -> bool:
    """Whether a POST's body ended before its Content-Length (or could not be read at all)."""
    if request.method != "POST":
        return False
    try:
        request.POST  # noqa: B018 - parses the body (the CSRF check usually has already)
        request.FILES  # noqa: B018
    except (UnreadablePostError, MultiPartParserError):
        return True
    except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, BadRequest):
        raise  # Django's own 400s for oversized requests
    # WSGIRequest reads through a LimitedStream that counts the bytes it handed out; after a
    # complete parse it has read all Content-Length bytes (the parser drains the stream).
    stream = getattr(request, "_stream", None)
    read, limit = getattr(stream, "_pos", None), getattr(stream, "limit", None)
    return isinstance(read, int) and isinstance(limit, int) and read < limit


def incomplete_response(request):
    """The 400 page of a body that did not arrive whole (also cobuild.params.BadInputMiddleware's,
    when reading the body to check it fails)."""
    logger.warning("Incomplete request body on %s (client disconnected mid-upload?)", request.path)
    return render(request, "cobuild/upload_incomplete.html", {"message": INCOMPLETE_MESSAGE}, status=400)


def require_whole_body(view):
    """A view decorator: a POST whose body arrived short gets 400 and runs nothing."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if body_incomplete(request):
            return incomplete_response(request)
        return view(request, *args, **kwargs)

    return wrapper
