"""Writes for campaigns: permission, validation, history, in one transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from organizations.models import Role, Unit, User
from organizations.scoping import has_role_at

from .models import Campaign


@transaction.atomic
def campaign_save(*, actor: User | None, slug: str, name: str, owner_unit: Unit, start_date,
                  end_date=None, theme: str | None = None, phase: str | None = None,
                  description: str | None = None, reason: str | None = None) -> tuple[Campaign, bool]:
    """Create the campaign with ``slug`` or update it; only the owner unit's county admins."""
    campaign = Campaign.objects.select_for_update().select_related("owner_unit").filter(slug=slug).first()
    created = campaign is None
    for unit in (owner_unit, None if created else campaign.owner_unit):
        if unit is not None and actor is not None and not has_role_at(actor, unit, (Role.COUNTY_ADMIN,)):
            raise PermissionDenied("只有县级组织部管理员可以设立或修改活动。")
    campaign = campaign or Campaign(slug=slug)
    campaign.name, campaign.owner_unit = name, owner_unit
    campaign.start_date, campaign.end_date = start_date, end_date
    if theme is not None:
        campaign.theme = theme
    if phase is not None:
        campaign.phase = phase
    if description is not None:
        campaign.description = description
    campaign.full_clean()
    campaign._change_reason = reason or ("新建活动" if created else "修改活动")
    campaign.save()
    return campaign, created
