import pytest

from tests.campaigns.activity_world import World


@pytest.fixture
def w():
    """activity_world's county: one user per role (county, township, township2, village, village2,
    bureau, inspector, viewer) over the first township's first village and so on."""
    return World()
