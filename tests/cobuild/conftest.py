"""Fixtures of the URL walks (the access matrix and the malformed-input walk)."""

import logging

import pytest

from tests.campaigns.activity_world import media  # noqa: F401  (the world's photos go to a temporary MEDIA_ROOT)
from tests.cobuild.urlwalk import WalkWorld


@pytest.fixture
def world(db, media):  # noqa: F811
    """One record of every kind in scope plus another county's set (tests/cobuild/urlwalk.py)."""
    return WalkWorld()


@pytest.fixture
def quiet():
    """Thousands of refused requests log a warning each (django.request): not in the output."""
    logging.disable(logging.ERROR)
    yield
    logging.disable(logging.NOTSET)
