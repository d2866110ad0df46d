"""A small county with a campaign, two pairings and one user per role, for the activity tests;
image files made with Pillow; fixtures for a temporary MEDIA_ROOT.

Import the fixtures into a test module: ``from tests.campaigns.activity_world import media  # noqa``.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaigns.models import Activity, OrganizerRole
from campaigns.services import activity_add_photos, activity_submit, campaign_save
from organizations.models import OrgKind, Role, UnitKind
from pairings.services import pairing_save
from tests.clock import today
from tests.factories import County, make_org, make_unit, make_user


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def image_bytes(fmt="JPEG", size=(800, 600), color=(180, 30, 30)) -> bytes:
    buf = BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()


def upload(name="photo.jpg", data=None, content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes() if data is None else data, content_type=content_type)


@pytest.fixture
def media(settings, tmp_path):
    """Photos go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class World(County):
    """County (2 townships × 2 villages, all with 党·工·青·妇), 县农业局 paired with the first
    village, 县水务局 with the third; a user per role: county, township (first township),
    township2, village (first village), village2 (second village), bureau (县农业局 liaison),
    inspector, viewer."""

    def __init__(self):
        super().__init__()
        self.campaign, _ = campaign_save(actor=None, slug="bjlbc", name="百局联百村", owner_unit=self.county,
                                         start_date=days(-365))
        self.bureau2 = make_unit(UnitKind.BUREAU, self.county, name="县水务局")
        make_org(self.bureau2, OrgKind.PARTY_BRANCH)
        self.pairing, _ = pairing_save(actor=None, code="P1", campaign=self.campaign, bureau=self.bureau,
                                       village=self.villages[0], start_date=days(-300))
        self.pairing2, _ = pairing_save(actor=None, code="P2", campaign=self.campaign, bureau=self.bureau2,
                                        village=self.villages[2], start_date=days(-300))
        self.users = {
            "county": make_user("county", Role.COUNTY_ADMIN, self.county),
            "township": make_user("township", Role.TOWNSHIP_STAFF, self.townships[0]),
            "township2": make_user("township2", Role.TOWNSHIP_STAFF, self.townships[1]),
            "village": make_user("village", Role.VILLAGE_SECRETARY, self.villages[0]),
            "village2": make_user("village2", Role.VILLAGE_SECRETARY, self.villages[1]),
            "bureau": make_user("bureau", Role.BUREAU_LIAISON, self.bureau),
            "inspector": make_user("inspector", Role.INSPECTOR, self.county),
            "viewer": make_user("viewer", Role.VIEWER, self.county),
        }

    def log(self, actor="village", unit=None, pairing="default", title="主题党日", date=None, photos=0,
            **kwargs) -> Activity:
        """An activity through the service (by default the first village's secretary, for the
        first pairing)."""
        user = self.users[actor] if isinstance(actor, str) else actor
        unit = unit or self.villages[0]
        if pairing == "default":
            pairing = self.pairing if unit.pk in (self.pairing.village_id, self.pairing.bureau_id) else None
        kwargs.setdefault("category", "org_life")
        party = unit.organizations.filter(kind=OrgKind.PARTY_BRANCH).first()
        kwargs.setdefault("organizers", [(unit, party, OrganizerRole.LEADS)])
        activity, _ = activity_submit(actor=user, campaign=self.campaign, date=date or days(-3), unit=unit,
                                      pairing=pairing, title=title, **kwargs)
        if photos:
            activity_add_photos(actor=user, activity=activity,
                                uploads=[upload(f"p{i}.jpg") for i in range(photos)])
        return activity
