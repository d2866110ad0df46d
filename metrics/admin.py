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

from . import policy, services, services_assessment
from .models import (
    AssessmentAdjustment,
    AssessmentItem,
    AssessmentResult,
    AssessmentScheme,
    AssessmentStatus,
    Contribution,
    DeductionRule,
    Fact,
    FactSpan,
    Target,
    VillageYear,
)


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


@admin.register(FactSpan)
class FactSpanAdmin(ReadOnlyAdmin):
    """Derived (widened by every write, never narrowed): the days each campaign's key spans."""

    list_display = ("campaign", "key", "first_day", "last_day")
    list_filter = ("campaign",)
    search_fields = ("key",)
    list_select_related = ("campaign",)


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


# --- assessment (考核): every save through metrics.services_assessment; frozen results read-only ---

@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(ServiceAdmin):
    list_display = ("title", "year", "unit", "level", "campaign", "status", "frozen_at", "published_at")
    list_filter = ("status", "year", "level", "campaign")
    search_fields = ("title", "unit__name", "unit__code")
    list_select_related = ("unit", "campaign")
    autocomplete_fields = ("campaign", "unit")
    fields = ("title", "campaign", "unit", "year", "level", "date_from", "date_to", "status", "review_note",
              "reviewed_by", "reviewed_at", "frozen_by", "frozen_at", "frozen_as_of", "published_by", "published_at")
    readonly_fields = ("status", "review_note", "reviewed_by", "reviewed_at", "frozen_by", "frozen_at",
                       "frozen_as_of", "published_by", "published_at")

    def can_change(self, user, obj) -> bool:
        return policy.can_manage_assessment(user, obj.unit) and obj.status == AssessmentStatus.DRAFT

    def save_through_service(self, request, current, v):
        scheme, _ = services_assessment.scheme_save(
            actor=request.user, scheme=current, title=v["title"], campaign=v["campaign"], unit=v["unit"],
            year=v["year"], level=v["level"], date_from=v["date_from"], date_to=v["date_to"], reason=v[REASON_FIELD])
        return scheme

    def can_delete(self, user, obj) -> bool:
        return policy.can_manage_assessment(user, obj.unit) and not obj.is_frozen

    def delete_through_service(self, request, obj, reason):
        services_assessment.scheme_delete(actor=request.user, scheme=obj, reason=reason)


class _SchemePartAdmin(ServiceAdmin):
    list_select_related = ("scheme", "scheme__unit")
    identity_fields = ("scheme",)
    editable_in = (AssessmentStatus.DRAFT,)

    def can_change(self, user, obj) -> bool:
        return policy.can_manage_assessment(user, obj.scheme.unit) and obj.scheme.status in self.editable_in

    can_delete = can_change

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "scheme":
            kwargs["queryset"] = AssessmentScheme.objects.for_user(request.user).filter(status__in=self.editable_in)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(AssessmentItem)
class AssessmentItemAdmin(_SchemePartAdmin):
    list_display = ("scheme", "indicator", "method", "max_points", "cap_percent")
    list_filter = ("method", "scheme__status", "indicator")
    search_fields = ("scheme__title", "indicator__name", "indicator__code")
    fields = ("scheme", "indicator", "method", "max_points", "cap_percent")
    identity_fields = ("scheme", "indicator")

    def save_through_service(self, request, current, v):
        item, _ = services_assessment.item_save(
            actor=request.user, scheme=v["scheme"], indicator=v["indicator"], method=v["method"],
            max_points=v["max_points"], cap_percent=v["cap_percent"], reason=v[REASON_FIELD])
        return item

    def delete_through_service(self, request, obj, reason):
        services_assessment.item_delete(actor=request.user, item=obj, reason=reason)


@admin.register(DeductionRule)
class DeductionRuleAdmin(_SchemePartAdmin):
    list_display = ("scheme", "kind", "points_each", "cap")
    list_filter = ("kind", "scheme__status")
    search_fields = ("scheme__title",)
    fields = ("scheme", "kind", "points_each", "cap")
    identity_fields = ("scheme", "kind")

    def save_through_service(self, request, current, v):
        rule, _ = services_assessment.rule_save(
            actor=request.user, scheme=v["scheme"], kind=v["kind"], points_each=v["points_each"], cap=v["cap"],
            reason=v[REASON_FIELD])
        return rule

    def delete_through_service(self, request, obj, reason):
        services_assessment.rule_delete(actor=request.user, rule=obj, reason=reason)


@admin.register(AssessmentAdjustment)
class AssessmentAdjustmentAdmin(_SchemePartAdmin):
    """Adjustments are added or withdrawn, never edited (the record of who changed what, why)."""

    list_display = ("scheme", "unit", "points", "reason", "made_by", "made_at")
    list_filter = ("scheme__status", "scheme")
    search_fields = ("scheme__title", "unit__name", "unit__code", "reason")
    list_select_related = ("scheme", "scheme__unit", "unit", "made_by")
    autocomplete_fields = ("unit",)
    fields = ("scheme", "unit", "points", "reason", "made_by", "made_at")
    readonly_fields = ("made_by", "made_at")
    editable_in = (AssessmentStatus.DRAFT, AssessmentStatus.REVIEWED)

    def can_change(self, user, obj) -> bool:
        return False

    def can_delete(self, user, obj) -> bool:
        return policy.can_manage_assessment(user, obj.scheme.unit) and obj.scheme.status in self.editable_in

    def save_through_service(self, request, current, v):
        return services_assessment.adjustment_add(actor=request.user, scheme=v["scheme"], unit=v["unit"],
                                                  points=v["points"], reason=v["reason"])

    def delete_through_service(self, request, obj, reason):
        services_assessment.adjustment_delete(actor=request.user, adjustment=obj, reason=reason)


@admin.register(AssessmentResult)
class AssessmentResultAdmin(ScopedPagesMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    """Frozen results: written once by the freeze, read-only for everyone (superusers too), each
    user's rows only."""

    superusers_only = False

    list_display = ("scheme", "rank", "unit_name", "score", "base_points", "deducted", "adjusted")
    list_filter = ("scheme__status", "scheme__year", "scheme")
    search_fields = ("unit_name", "unit__code", "scheme__title")
    list_select_related = ("scheme", "unit")
    readonly_fields = ("scheme", "unit", "unit_name", "rank", "score", "base_points", "deducted", "adjusted",
                       "parts", "deductions", "adjustments")

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)
