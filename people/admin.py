"""Admin of the person register: scoped for non-superusers, every save through ``people.services``
with the reason asked (修改理由), phone numbers only for those who may see them
(``policy.can_see_identity``), the view log read-only."""

from django.contrib import admin

from organizations.admin_tools import REASON_FIELD, ReadOnlyAdmin, ServiceAdmin
from organizations.models import Role
from organizations.scoping import scope_q
from pairings.admin import TownshipFilter

from . import policy, services
from .models import TAG_FIELDS, Person, PersonViewLog, PipelineStep


class PersonTownshipFilter(TownshipFilter):
    village_field = "unit"


@admin.register(Person)
class PersonAdmin(ServiceAdmin):
    list_display = ("name", "code", "unit", "status", "status_since", "branch", "gender", "birth_year",
                    "education", "frontline", "is_rich_leader", "is_volunteer")
    list_filter = ("status", PersonTownshipFilter, "gender", "education", "frontline", "is_village_cadre",
                   "is_rich_leader", "is_volunteer", "is_migrant_member")
    # no phone here: searching by number would tell who has it
    search_fields = ("name", "code", "unit__name", "occupation")
    list_select_related = ("unit", "branch")
    autocomplete_fields = ("unit", "branch", "recommended_by")
    filter_horizontal = ("memberships",)
    fields = ("code", "name", "unit", "gender", "birth_year", "education", "occupation", "frontline", "phone",
              "status", "status_since", "branch", "recommended_by", "memberships", *TAG_FIELDS.values(), "notes",
              "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")
    identity_fields = ("code",)

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not policy.can_see_identity(request.user, obj):
            fields.remove("phone")
        return fields

    def can_change(self, user, obj) -> bool:
        return policy.can_edit_person(user, obj)

    def save_through_service(self, request, current, v):
        person, _ = services.person_save(
            actor=request.user, person=current, code=v["code"], unit=v["unit"], name=v["name"],
            gender=v.get("gender", ""), birth_year=v.get("birth_year"), education=v.get("education", ""),
            occupation=v.get("occupation", ""), frontline=v.get("frontline", False), phone=v.get("phone"),
            status=v["status"], status_since=v.get("status_since"), branch=v.get("branch"),
            recommended_by=v.get("recommended_by"),
            tags=[tag for tag, field in TAG_FIELDS.items() if v.get(field)],
            memberships=list(v["memberships"]) if v.get("memberships") is not None else None,
            notes=v.get("notes", ""), reason=v[REASON_FIELD],
        )
        return person


@admin.register(PipelineStep)
class PipelineStepAdmin(ServiceAdmin):
    """Steps are recorded (add) through ``pipeline_step_record`` and its order rules; a recorded
    step is not edited here."""

    list_display = ("person", "stage", "date", "branch", "recommended_by", "contacts", "recorded_by")
    list_filter = ("stage",)
    search_fields = ("person__name", "person__code", "contacts", "branch__name")
    list_select_related = ("person", "branch", "recommended_by", "recorded_by")
    autocomplete_fields = ("person", "branch", "recommended_by", "contact_people")
    date_hierarchy = "date"
    fields = ("person", "stage", "date", "branch", "recommended_by", "contacts", "contact_people", "remarks",
              "recorded_by", "created_at")
    readonly_fields = ("recorded_by", "created_at")

    def can_change(self, user, obj) -> bool:
        return False

    def save_through_service(self, request, current, v):
        return services.pipeline_step_record(
            actor=request.user, person=v["person"], stage=v["stage"], date=v["date"], branch=v.get("branch"),
            recommended_by=v.get("recommended_by"), contacts=v.get("contacts", ""),
            contact_people=list(v.get("contact_people") or ()), remarks=v.get("remarks", ""),
            reason=v[REASON_FIELD],
        )


@admin.register(PersonViewLog)
class PersonViewLogAdmin(ReadOnlyAdmin):
    """Who looked at whose page from outside the person's unit: superusers, and county admins for
    the people of their scope."""

    superusers_only = False
    list_display = ("viewed_at", "viewer", "person", "what", "identity_shown")
    list_filter = ("identity_shown",)
    search_fields = ("person__name", "person__code", "viewer__username")
    list_select_related = ("person", "viewer")
    date_hierarchy = "viewed_at"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        q = scope_q(request.user, "person__unit__path", roles=(Role.COUNTY_ADMIN,))
        return qs.filter(q) if q is not None else qs

    def has_view_permission(self, request, obj=None):
        return policy.can_read_view_log(request.user) and super().has_view_permission(request, obj)
