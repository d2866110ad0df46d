"""Admin of 三级联创: goals saved through ``goal_save``; an entry's 一把手, 联系领导 and 评选表彰
reference corrected through ``entry_update`` with the reason; its status only moves through the
steps (the pages), so steps and files are read-only here. Scoped for non-superusers."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from organizations.admin_tools import REASON_FIELD, ReadOnlyAdmin, ScopedPagesMixin, ServiceAdmin
from pairings.admin import TownshipFilter

from . import policy, services
from .models import CreationEntry, CreationEvidence, CreationGoal, CreationStep


@admin.register(CreationGoal)
class CreationGoalAdmin(ServiceAdmin):
    list_display = ("title", "year", "level", "county", "target_count", "target_percent", "created_by")
    list_filter = ("year", "level")
    search_fields = ("title", "standards", "county__name")
    list_select_related = ("county", "created_by")
    autocomplete_fields = ("county",)
    fields = ("county", "year", "level", "title", "standards", "target_count", "target_percent", "created_by",
              "created_at", "updated_at")
    readonly_fields = ("created_by", "created_at", "updated_at")

    def can_change(self, user, obj) -> bool:
        return policy.can_set_goals(user, obj.county)

    def save_through_service(self, request, current, v):
        goal, _ = services.goal_save(
            actor=request.user, goal=current, county=v["county"], year=v["year"], level=v["level"],
            title=v["title"], standards=v["standards"], target_count=v.get("target_count"),
            target_percent=v.get("target_percent"), reason=v[REASON_FIELD])
        return goal


class EntryTownshipFilter(TownshipFilter):
    village_field = "unit"


@admin.register(CreationEntry)
class CreationEntryAdmin(ServiceAdmin):
    list_display = ("unit", "goal", "status", "leader_name", "declared_on", "inspected_on", "named_on",
                    "doc_number")
    list_filter = ("status", "goal__year", "goal__level", EntryTownshipFilter)
    search_fields = ("unit__name", "goal__title", "leader_name", "doc_number", "award_ref")
    list_select_related = ("unit", "goal")
    fields = ("goal", "unit", "status", "leader_name", "leader_post", "contact_leader", "declared_on",
              "inspected_on", "named_on", "doc_number", "naming_unit", "award_ref")
    readonly_fields = ("goal", "unit", "status", "declared_on", "inspected_on", "named_on", "doc_number",
                       "naming_unit")

    def has_add_permission(self, request):
        return False   # entries come with their goal (goal_save)

    def save_through_service(self, request, current, v):
        return services.entry_update(
            actor=request.user, entry=current, leader_name=v.get("leader_name", ""),
            leader_post=v.get("leader_post", ""), contact_leader=v.get("contact_leader", ""),
            award_ref=v.get("award_ref", ""), reason=v[REASON_FIELD])


class _StepsReadOnly(ScopedPagesMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    superusers_only = False
    entry_field = "entry"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.entry_field}__in": CreationEntry.objects.for_user(request.user).values("pk")})


@admin.register(CreationStep)
class CreationStepAdmin(_StepsReadOnly):
    list_display = ("entry", "action", "date", "to_status", "inspectors", "doc_number", "recorded_by")
    list_filter = ("action", "to_status")
    search_fields = ("entry__unit__name", "statement", "inspectors", "doc_number")
    list_select_related = ("entry__unit", "entry__goal", "recorded_by")
    date_hierarchy = "date"


@admin.register(CreationEvidence)
class CreationEvidenceAdmin(_StepsReadOnly):
    entry_field = "step__entry"
    list_display = ("name", "step", "size", "uploaded_by", "uploaded_at")
    search_fields = ("name", "step__entry__unit__name")
    list_select_related = ("step", "uploaded_by")
