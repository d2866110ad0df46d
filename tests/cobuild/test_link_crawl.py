"""Issue 11, Build 3 (must show): a crawl of every link on every page each demo role can reach
finds no link answering 403, 404 or 500.

Each role (admin, county, township, village, bureau, inspector, as in the demo) logs in, starts
at the landing page and follows every same-site ``<a href>`` breadth-first (GET only; never the
logout link, never a form), deduplicated by path plus the query keys that pick a different record
(``page`` and the like are noise), up to ``CAP`` pages per role. Any link answering 403/404/5xx
fails the test, naming the page that offered it. ``-s`` prints the pages visited per role.
"""

from __future__ import annotations

import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.campaigns.activity_world import media  # noqa: F401
from tests.cobuild.urlwalk import WalkWorld

pytestmark = pytest.mark.walk  # slow: CI runs it once, on PostgreSQL

ROLES = ("admin", "county", "township", "village", "bureau", "inspector")
CAP = 400
#: Query keys that only page, sort or re-window a list: one visit per path is enough for them.
NOISE = {"page", "spage", "sort", "order", "tab", "expand", "next", "window"}
#: Links never followed: they end the session, write, or download large files.
NEVER = re.compile(r"^/(logout|admin/logout|static/|media/)|/delete/?$")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _key(url: str) -> str | None:
    """The crawl key of a same-site link, or None for links not to follow."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    if not parts.path.startswith("/") or NEVER.search(parts.path):
        return None
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if k not in NOISE)
    return parts.path + ("?" + urlencode(query) if query else "")


def crawl(client: Client, start: str) -> tuple[list[str], list[str]]:
    """(pages visited, broken links as 'status url (from page)')."""
    seen = {start}
    queue = deque([(start, "(start)")])
    visited, broken = [], []
    while queue and len(visited) < CAP:
        url, source = queue.popleft()
        response = client.get(url, follow=True)
        visited.append(url)
        if response.status_code >= 400:
            broken.append(f"{response.status_code} {url} (from {source})")
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        here = response.request["PATH_INFO"]
        parser = _Links()
        parser.feed(response.content.decode())
        for href in parser.hrefs:
            key = _key(urljoin(here, href))
            if key and key not in seen:
                seen.add(key)
                queue.append((key, url))
    return visited, broken


@pytest.mark.django_db
def test_no_link_any_role_can_reach_answers_403_or_404(media, capsys):  # noqa: F811
    world = WalkWorld()
    problems = []
    for role in ROLES:
        client = Client()
        client.force_login(world.users[role])
        visited, broken = crawl(client, reverse("home"))
        with capsys.disabled():
            print(f"\n{role}: {len(visited)} pages visited, {len(broken)} broken links")
        problems += [f"{role}: {b}" for b in broken]
        assert len(visited) > 5, f"{role} reached almost nothing"
    assert not problems, "\n".join(problems)
