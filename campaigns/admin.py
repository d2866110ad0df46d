"""Admin for campaigns: scoped for non-superusers, saved through ``campaign_save``, with history."""

from django.contrib import admin

from organizations.admin_tools import ServiceAdmin
from organizations.models import Role
from organizations.scoping import has_role_at

from .models import Campaign
from .services import campaign_save


@admin.register(Campaign)
class CampaignAdmin(ServiceAdmin):
    list_display = ("name", "slug", "owner_unit", "start_date", "end_date", "phase")
    list_filter = ("phase", ("owner_unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "slug", "theme", "owner_unit__name")
    list_select_related = ("owner_unit",)
    autocomplete_fields = ("owner_unit",)
    date_hierarchy = "start_date"
    fields = ("slug", "name", "theme", "owner_unit", "start_date", "end_date", "phase", "description",
              "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")
    identity_fields = ("slug",)

    def can_change(self, user, obj) -> bool:
        return has_role_at(user, obj.owner_unit, (Role.COUNTY_ADMIN,))

    def save_through_service(self, request, current, v):
        campaign, _ = campaign_save(
            actor=request.user, slug=v["slug"], name=v["name"], owner_unit=v["owner_unit"],
            start_date=v["start_date"], end_date=v.get("end_date"), theme=v.get("theme", ""),
            phase=v.get("phase"), description=v.get("description", ""), reason="管理后台修改",
        )
        return campaign
