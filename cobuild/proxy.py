"""The client's address behind the reverse proxy (README, "部署"), for the login lockout.

With ``BEHIND_PROXY`` every request reaches gunicorn from nginx, so ``REMOTE_ADDR`` is nginx's
address on every server. nginx appends the address it saw to ``X-Forwarded-For``
(``proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for``): the right-most entry is the
one our proxy wrote; entries to its left come from the client and are not trusted. Imports no app.
"""


def client_ip(request) -> str | None:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    last = forwarded.split(",")[-1].strip()
    return last or request.META.get("REMOTE_ADDR")
