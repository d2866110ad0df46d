"""Admin for the metrics app: targets (scoped, saved through ``target_save``, with history), the
summary tables read-only (they are a cache of the records: ``rebuild_metrics`` recomputes them),
and the indicator catalogue (campaigns.Indicator: campaigns/admin.py does not register it)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from campaigns.models import Indicator
from organizations.admin_tools import (
    REASON_FIELD,
    ReadOnlyAdmin,
    ReasonAdminMixin,
    ScopedPagesMixin,
    ServiceAdmin,
)

from . import policy, services
from .models import Contribution, Fact, Target, VillageYear


@admin.register(Target)
class TargetAdmin(ServiceAdmin):
    list_display = ("unit", "indicator", "value", "due_date", "campaign", "set_by", "updated_at")
    list_filter = ("campaign", "indicator", "unit__kind", "due_date")
    search_fields = ("unit__name", "unit__code", "indicator__name", "indicator__code", "note")
    list_select_related = ("unit", "indicator", "campaign", "set_by")
    autocomplete_fields = ("campaign", "unit")
    fields = ("campaign", "unit", "indicator", "value", "due_date", "note", "set_by", "updated_at")
    readonly_fields = ("set_by", "updated_at")
    identity_fields = ("campaign", "unit", "indicator")

    def can_change(self, user, obj) -> bool:
        return policy.can_set_target(user, obj.unit)

    def save_through_service(self, request, current, v):
        target, _ = services.target_save(
            actor=request.user, campaign=v["campaign"], unit=v["unit"], indicator=v["indicator"], value=v["value"],
            due_date=v.get("due_date"), note=v.get("note", ""), reason=v[REASON_FIELD])
        return target

    def can_delete(self, user, obj) -> bool:
        return policy.can_set_target(user, obj.unit)

    def delete_through_service(self, request, obj, reason):
        services.target_delete(actor=request.user, target=obj, reason=reason)


@admin.register(Fact)
class FactAdmin(ReadOnlyAdmin):
    list_display = ("unit", "campaign", "day", "key", "verified", "value")
    list_filter = ("key", "verified", "campaign")
    search_fields = ("unit__name", "unit__code", "key")
    list_select_related = ("unit", "campaign")
    date_hierarchy = "day"
    superusers_only = False   # scoped below

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        from organizations.scoping import scope_q

        q = scope_q(request.user, "unit__path")
        return qs if q is None else qs.filter(q)


@admin.register(VillageYear)
class VillageYearAdmin(FactAdmin):
    """Derived rows (each village's reporting months and last activity), read-only like ``Fact``."""

    list_display = ("unit", "campaign", "year", "months", "verified_months", "last_on")
    list_filter = ("year", "campaign")
    search_fields = ("unit__name", "unit__code")
    date_hierarchy = "last_on"


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = ("record_type", "record_id", "campaign_id", "day", "key", "value")
    list_filter = ("record_type", "key")
    search_fields = ("=record_id",)


@admin.register(Indicator)
class IndicatorAdmin(ReasonAdminMixin, ScopedPagesMixin, SimpleHistoryAdmin):
    """The catalogue (superusers): no service of its own, so the admin keeps the reason itself."""

    list_display = ("order", "code", "name", "unit", "kind", "is_money", "active")
    list_display_links = ("code", "name")
    list_filter = ("kind", "active", "is_money")
    search_fields = ("code", "name", "definition")
    ordering = ("order", "code")

    def get_readonly_fields(self, request, obj=None):
        # The code and kind are what the roll-up and the importer key on: fixed once created.
        return ("code", "kind") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        obj._change_reason = self.change_reason(form)
        super().save_model(request, obj, form, change)
