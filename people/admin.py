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


# --- part B: 双培双带, volunteers, 流动党员 (writes through people.services_service) ----------------

from . import services_service  # noqa: E402
from .models_service import (  # noqa: E402
    ActivityVolunteer,
    MigrantContact,
    MigrantRecord,
    RichLink,
    ServiceHours,
    ServiceRecord,
    VolunteerTeam,
)
from .policy_service import can_edit_people_of, shown_contact  # noqa: E402


@admin.register(RichLink)
class RichLinkAdmin(ServiceAdmin):
    list_display = ("person", "kind", "started_on", "goal", "responsible", "achieved_on")
    list_filter = ("kind", ("achieved_on", admin.EmptyFieldListFilter))
    search_fields = ("person__name", "person__code", "goal", "responsible", "result")
    list_select_related = ("person",)
    autocomplete_fields = ("person",)
    raw_id_fields = ("help_pair",)
    date_hierarchy = "started_on"
    fields = ("person", "kind", "started_on", "goal", "responsible", "help_pair", "result", "achieved_on")

    def can_change(self, user, obj) -> bool:
        return can_edit_people_of(user, obj.person.unit)

    def save_through_service(self, request, current, v):
        return services_service.rich_link_save(
            actor=request.user, link=current, person=v["person"], kind=v["kind"], started_on=v["started_on"],
            goal=v.get("goal", ""), responsible=v.get("responsible", ""), help_pair=v.get("help_pair"),
            result=v.get("result", ""), achieved_on=v.get("achieved_on"), reason=v[REASON_FIELD])


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(ServiceAdmin):
    list_display = ("name", "code", "unit", "leader")
    list_filter = (PersonTownshipFilter,)
    search_fields = ("name", "code", "unit__name", "leader__name")
    list_select_related = ("unit", "leader")
    autocomplete_fields = ("unit", "leader", "members")
    fields = ("code", "name", "unit", "leader", "members", "description")
    identity_fields = ("code",)

    def can_change(self, user, obj) -> bool:
        return can_edit_people_of(user, obj.unit)

    def save_through_service(self, request, current, v):
        return services_service.team_save(
            actor=request.user, team=current, code=v["code"], unit=v["unit"], name=v["name"], leader=v.get("leader"),
            members=list(v.get("members") or ()), description=v.get("description", ""), reason=v[REASON_FIELD])


class ServiceRecordTownshipFilter(TownshipFilter):
    village_field = "team__unit"


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ServiceAdmin):
    """Service records are entered on the team page (with each volunteer's hours); here their date,
    place and content are corrected, the hours kept."""

    list_display = ("date", "team", "place", "content", "recorded_by")
    list_filter = (ServiceRecordTownshipFilter,)
    search_fields = ("team__name", "place", "content")
    list_select_related = ("team", "recorded_by")
    date_hierarchy = "date"
    fields = ("team", "date", "place", "content", "recorded_by")
    readonly_fields = ("team", "recorded_by")

    def has_add_permission(self, request):
        return False

    def can_change(self, user, obj) -> bool:
        return can_edit_people_of(user, obj.team.unit)

    def save_through_service(self, request, current, v):
        return services_service.service_record_save(
            actor=request.user, record=current, team=current.team, date=v["date"], place=v["place"],
            content=v["content"], hours=[(h.person, h.hours) for h in current.hours.select_related("person")],
            reason=v[REASON_FIELD])


@admin.register(ServiceHours)
class ServiceHoursAdmin(ReadOnlyAdmin):
    superusers_only = False
    list_display = ("record", "person", "hours")
    search_fields = ("person__name", "record__team__name", "record__place")
    list_select_related = ("record", "person")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(
            record__in=ServiceRecord.objects.for_user(request.user).values("pk"))


@admin.register(ActivityVolunteer)
class ActivityVolunteerAdmin(ReadOnlyAdmin):
    superusers_only = False
    list_display = ("activity", "person")
    search_fields = ("person__name", "activity__title")
    list_select_related = ("activity", "person")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(
            person__in=Person.objects.for_user(request.user).values("pk"))


@admin.register(MigrantRecord)
class MigrantRecordAdmin(ServiceAdmin):
    list_display = ("person", "place", "employer", "since", "keeper", "liaison", "returned_on")
    list_filter = (("returned_on", admin.EmptyFieldListFilter),)
    # no contact number here: searching by number would tell who has it
    search_fields = ("person__name", "person__code", "place", "employer", "liaison")
    list_select_related = ("person", "keeper")
    autocomplete_fields = ("person", "keeper")
    date_hierarchy = "since"
    fields = ("person", "place", "employer", "since", "contact", "keeper", "liaison", "returned_on")

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and shown_contact(request.user, obj) != obj.contact:
            fields.remove("contact")
        return fields

    def can_change(self, user, obj) -> bool:
        return can_edit_people_of(user, obj.person.unit)

    def save_through_service(self, request, current, v):
        m = services_service.migrant_save(
            actor=request.user, migrant=current, person=v["person"], place=v["place"], since=v["since"],
            employer=v.get("employer", ""), contact=v.get("contact"), keeper=v.get("keeper"),
            liaison=v.get("liaison", ""), reason=v[REASON_FIELD])
        if v.get("returned_on") and m.returned_on is None:
            m = services_service.migrant_return(actor=request.user, migrant=m, date=v["returned_on"],
                                                reason=v[REASON_FIELD])
        return m


@admin.register(MigrantContact)
class MigrantContactAdmin(ServiceAdmin):
    list_display = ("date", "migrant", "way", "remote_meeting", "recorded_by")
    list_filter = ("way", "remote_meeting")
    search_fields = ("migrant__person__name", "content")
    list_select_related = ("migrant__person", "recorded_by")
    autocomplete_fields = ("migrant",)
    date_hierarchy = "date"
    fields = ("migrant", "date", "way", "content", "remote_meeting")

    def can_change(self, user, obj) -> bool:
        return False

    def save_through_service(self, request, current, v):
        return services_service.migrant_contact_add(
            actor=request.user, migrant=v["migrant"], date=v["date"], way=v["way"], content=v["content"],
            remote_meeting=v.get("remote_meeting", False), reason=v[REASON_FIELD])
