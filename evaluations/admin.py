"""Admin of evaluations: scoped for non-superusers, history kept, every save through
``evaluations.services`` with the reason asked (修改理由). Schemes and criteria are edited here
(as data); the cycle's steps (nominate, review, score, 公示, objections, award) happen on the
portal's pages, so their records are read-only here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from organizations.admin_tools import REASON_FIELD, ReadOnlyAdmin, ScopedPagesMixin, ServiceAdmin

from . import policy, services
from .models import (
    Award,
    Criterion,
    Cycle,
    Decision,
    EvidenceFile,
    Nomination,
    Objection,
    ReviewerAssignment,
    Scheme,
    Score,
)


class _Unscoped:
    """Schemes and criteria are the county's catalogue: no unit, everyone reads them."""

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request)


class CriterionInline(admin.TabularInline):
    model = Criterion
    fields = ("order", "name", "weight", "max_score", "indicator_codes", "full_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0
    show_change_link = True


@admin.register(Scheme)
class SchemeAdmin(_Unscoped, ServiceAdmin):
    list_display = ("name", "code", "kind", "award_title", "eligible_unit_kinds", "eligible_statuses", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "award_title", "description")
    fields = ("code", "name", "kind", "award_title", "eligible_unit_kinds", "eligible_statuses", "description",
              "active")
    identity_fields = ("code",)
    inlines = [CriterionInline]

    def has_add_permission(self, request):
        return policy.can_manage_schemes(request.user) and super().has_add_permission(request)

    def can_change(self, user, obj) -> bool:
        return policy.can_manage_schemes(user)

    def save_through_service(self, request, current, v):
        scheme, _ = services.scheme_save(
            actor=request.user, scheme=current, code=v["code"], name=v["name"], kind=v["kind"],
            award_title=v["award_title"], eligible_unit_kinds=v.get("eligible_unit_kinds", ""),
            eligible_statuses=v.get("eligible_statuses", ""), description=v.get("description", ""),
            active=v.get("active", True), reason=v[REASON_FIELD])
        return scheme


@admin.register(Criterion)
class CriterionAdmin(_Unscoped, ServiceAdmin):
    list_display = ("scheme", "order", "name", "weight", "max_score", "indicator_codes", "full_at")
    list_filter = ("scheme",)
    search_fields = ("name", "description", "scheme__name")
    list_select_related = ("scheme",)
    fields = ("scheme", "order", "name", "description", "weight", "max_score", "indicator_codes", "full_at")

    def has_add_permission(self, request):
        return policy.can_manage_schemes(request.user) and super().has_add_permission(request)

    def can_change(self, user, obj) -> bool:
        return policy.can_manage_schemes(user)

    def save_through_service(self, request, current, v):
        criterion, _ = services.criterion_save(
            actor=request.user, criterion=current, scheme=v["scheme"], order=v["order"], name=v["name"],
            description=v.get("description", ""), weight=v["weight"], max_score=v["max_score"],
            indicator_codes=v.get("indicator_codes", ""), full_at=v.get("full_at"), reason=v[REASON_FIELD])
        return criterion


@admin.register(Cycle)
class CycleAdmin(ServiceAdmin):
    """Cycles are started on the portal (发起评选); here the county corrects title and deadlines."""

    list_display = ("title", "scheme", "organiser", "year", "status", "nomination_deadline", "publicity_start",
                    "publicity_end", "awarded_on")
    list_filter = ("status", "scheme", "year")
    search_fields = ("title", "scheme__name", "organiser__name")
    list_select_related = ("scheme", "organiser")
    fields = ("title", "scheme", "organiser", "year", "nomination_deadline", "review_deadline", "objection_contact",
              "status", "publicity_start", "publicity_end", "board", "awarded_on", "created_by")
    readonly_fields = ("scheme", "organiser", "year", "status", "publicity_start", "publicity_end", "board",
                       "awarded_on", "created_by")

    def has_add_permission(self, request):
        return False

    def can_change(self, user, obj) -> bool:
        return policy.can_manage_cycle(user, obj)

    def save_through_service(self, request, current, v):
        return services.cycle_update(actor=request.user, cycle=current, title=v["title"],
                                     nomination_deadline=v["nomination_deadline"],
                                     review_deadline=v.get("review_deadline"),
                                     objection_contact=v.get("objection_contact", ""), reason=v[REASON_FIELD])


class _ThroughNomination(ScopedPagesMixin, SimpleHistoryAdmin, ReadOnlyAdmin):
    """Read-only, scoped through the nomination (or the cycle) the rows belong to."""

    superusers_only = False
    scope_field = "nomination"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        if self.scope_field == "pk":
            return qs.for_user(request.user)
        if self.scope_field == "cycle":
            return qs.filter(cycle__in=Cycle.objects.for_user(request.user))
        return qs.filter(**{f"{self.scope_field}__in": Nomination.objects.for_user(request.user)})


@admin.register(Nomination)
class NominationAdmin(_ThroughNomination):
    scope_field = "pk"
    list_display = ("__str__", "cycle", "unit", "person", "nominating_unit", "status", "nominated_at")
    list_filter = ("status", "cycle__scheme", "cycle__year")
    search_fields = ("unit__name", "person__name", "statement", "cycle__title")
    list_select_related = ("cycle", "unit", "person", "nominating_unit")


@admin.register(ReviewerAssignment)
class ReviewerAssignmentAdmin(_ThroughNomination):
    scope_field = "cycle"
    list_display = ("cycle", "reviewer", "assigned_by", "assigned_at")
    search_fields = ("cycle__title", "reviewer__username")
    list_filter = ("cycle__year",)
    list_select_related = ("cycle", "reviewer", "assigned_by")


@admin.register(Score)
class ScoreAdmin(_ThroughNomination):
    list_display = ("nomination", "criterion", "reviewer", "score", "comment", "scored_at")
    search_fields = ("nomination__unit__name", "nomination__person__name", "criterion__name", "comment")
    list_filter = ("criterion__scheme",)
    list_select_related = ("nomination__unit", "nomination__person", "criterion", "reviewer")


@admin.register(Decision)
class DecisionAdmin(_ThroughNomination):
    list_display = ("nomination", "round", "result", "reason", "decided_by", "decided_at")
    list_filter = ("round", "result")
    search_fields = ("nomination__unit__name", "nomination__person__name", "reason")
    list_select_related = ("nomination__unit", "nomination__person", "decided_by")


@admin.register(Objection)
class ObjectionAdmin(_ThroughNomination):
    list_display = ("nomination", "received_on", "from_name", "outcome", "answered_by", "answered_at")
    list_filter = ("outcome",)
    search_fields = ("nomination__unit__name", "nomination__person__name", "content", "answer")
    list_select_related = ("nomination__unit", "nomination__person", "answered_by")


@admin.register(EvidenceFile)
class EvidenceFileAdmin(_ThroughNomination):
    list_display = ("name", "nomination", "size", "uploaded_by", "uploaded_at")
    search_fields = ("name", "nomination__unit__name", "nomination__person__name")
    list_select_related = ("nomination__unit", "nomination__person", "uploaded_by")


@admin.register(Award)
class AwardAdmin(_ThroughNomination):
    scope_field = "pk"
    list_display = ("title", "year", "unit", "person", "cycle", "awarded_on", "awarded_by")
    list_filter = ("year", "scheme")
    search_fields = ("title", "unit__name", "person__name", "cycle__title")
    list_select_related = ("unit", "person", "cycle", "awarded_by")
