"""Real-browser journeys: Playwright driving Debian's chromium (installed by .ci/run with apt)."""

import os
import shutil
from pathlib import Path

import pytest

from tests.campaigns.activity_world import World, media  # noqa: F401
from tests.e2e.helpers import PASSWORD, PHONE

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium); .ci/run installs it")
    # Playwright's sync API runs an event loop in this thread; the live server has its own.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture
def desktop(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield ctx.new_page()
    ctx.close()


@pytest.fixture
def phone(browser):
    ctx = browser.new_context(**PHONE)
    yield ctx.new_page()
    ctx.close()


@pytest.fixture
def shot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """The journeys' accounts get their passwords in microseconds, not a quarter of a second each
    (PBKDF2): the live server runs in this process, with these settings."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _indicator_catalogue(transactional_db):
    """Browser journeys use transactional tests, which flush the catalogue: put it back."""
    from tests.conftest import restore_indicator_catalogue

    restore_indicator_catalogue()


@pytest.fixture
def w(media):  # noqa: F811
    """The activity world (tests.campaigns.activity_world) with passwords to log in with."""
    world = World()
    for user in world.users.values():
        user.set_password(PASSWORD)
        user.save()
    return world
