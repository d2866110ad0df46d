import pytest

from tests.campaigns.activity_world import World, media  # noqa: F401
from tests.factories import make_creation_goal


@pytest.fixture
def w(media):  # noqa: F811
    """activity_world's county (2 townships × 2 villages; users county, township, township2,
    village, village2, bureau, inspector, viewer) with a 三级联创 goal at each level this year."""
    world = World()
    world.goals = {level: make_creation_goal(world.county, level, actor=world.users["county"])
                   for level in ("county", "township", "village")}
    return world


def entry_of(w, unit, level="village"):
    return w.goals[level].entries.select_related("unit", "goal").get(unit=unit)
