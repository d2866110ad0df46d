"""The client's address behind the reverse proxy (README, "部署"), for the login lockout.

With ``BEHIND_PROXY`` every request reaches gunicorn from nginx, so ``REMOTE_ADDR`` is nginx's
address on every server. Each trusted proxy appends the address it saw to the forwarding header
(nginx: ``proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for``). With
``TRUSTED_PROXIES`` = N proxies in front of the portal, the client is the N-th entry from the
right; entries further left come from the client and are not trusted. The header is
``CLIENT_IP_HEADER`` (``X-Forwarded-For`` by default; ``X-Real-IP`` works the same with one
proxy). Without a trusted proxy (N = 0) the address is ``REMOTE_ADDR``. Imports no app.
"""

from django.conf import settings


def _meta_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


def client_ip(request) -> str | None:
    trusted = getattr(settings, "TRUSTED_PROXIES", 1)
    remote = request.META.get("REMOTE_ADDR")
    if trusted <= 0:
        return remote
    header = getattr(settings, "CLIENT_IP_HEADER", "X-Forwarded-For")
    entries = [e.strip() for e in request.META.get(_meta_key(header), "").split(",") if e.strip()]
    if not entries:
        return remote
    # Fewer entries than trusted proxies: the left-most one is still written by a proxy of ours.
    return entries[max(len(entries) - trusted, 0)]
