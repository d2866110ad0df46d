"""The person register's model and write path: scope, tags, history."""

import pytest

from organizations.models import Role
from people.models import Person
from tests.factories import County, PersonFactory, make_user

pytestmark = pytest.mark.django_db


def test_a_person_is_scoped_to_their_unit_and_keeps_history():
    c = County()
    village, other = c.villages[0], c.villages[-1]
    secretary = make_user("sec", Role.VILLAGE_SECRETARY, village)
    township = make_user("town", Role.TOWNSHIP_STAFF, c.townships[0])
    mine = PersonFactory(unit=village, name="王小梅", tags=["rich_leader", "volunteer"])
    theirs = PersonFactory(unit=other, name="李大山")

    assert list(Person.objects.for_user(secretary)) == [mine]
    assert set(Person.objects.for_user(township)) == {mine}
    assert mine.tags == ["rich_leader", "volunteer"]
    assert list(Person.objects.with_tag("rich_leader")) == [mine]
    assert theirs.history.count() == 1
    assert mine.history.first().history_change_reason == "登记人员"
