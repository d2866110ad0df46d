"""Admin for campaigns and their records: scoped for non-superusers, every save through the
campaign services with the reason asked for (修改理由), every change in history."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html

from organizations.admin_tools import REASON_FIELD, ServiceAdmin, ServiceModelForm
from pairings.admin import OverdueFilter, TownshipFilter
from pairings.policy import can_correct

from . import policy, services
from .forms_activities import outcome_field_name
from .models import (
    Activity,
    ActivityOrganizer,
    ActivityOutcome,
    ActivityPhoto,
    AppraisalSubject,
    BoardStatus,
    Campaign,
    Commitment,
    DecisionStatus,
    Indicator,
    IndicatorKind,
    JointMeeting,
    MeetingDecision,
    PairingPlan,
    PlanItem,
    PublicBoard,
    ReviewStatus,
    Survey,
    subject_choices,
)
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
        return policy.can_edit_campaign(user, obj)

    def save_through_service(self, request, current, v):
        campaign, _ = campaign_save(
            actor=request.user, slug=v["slug"], name=v["name"], owner_unit=v["owner_unit"],
            start_date=v["start_date"], end_date=v.get("end_date"), theme=v.get("theme", ""),
            phase=v.get("phase"), description=v.get("description", ""), reason=v[REASON_FIELD],
        )
        return campaign


# --- records: activities, commitments, joint meetings, decisions, appraisal tallies ---------------
# Scoped by ``for_user`` and saved through the campaign services, each change with its reason.
# A verified activity changes only through ``activity_correct`` (更正), the reason in its history.

OUTCOMES_TITLE = "活动成效"
AUTO_CODE_HELP = "留空则自动生成;保存后不能修改(导入按编码对应记录)。"


def _related_only(field):
    return (field, admin.RelatedOnlyFieldListFilter)


class UnitTownshipFilter(TownshipFilter):
    """乡镇: records whose own unit lies in the chosen township."""

    village_field = "unit"


class RecordAdminForm(ServiceModelForm):
    """A record form whose code may be left empty when adding (the service makes one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "code" in self.fields:
            self.fields["code"].required = False
            self.fields["code"].help_text = AUTO_CODE_HELP


class ReadOnlyInline(admin.TabularInline):
    """Rows shown with their record (the record's page is scoped and permitted already); written
    only through the record's service."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrganizerInline(ReadOnlyInline):
    model = ActivityOrganizer
    fields = ("role", "unit", "organization")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("unit", "organization")


class OutcomeInline(ReadOnlyInline):
    model = ActivityOutcome
    fields = ("indicator", "value")
    readonly_fields = fields
    verbose_name_plural = "活动成效(已保存的数值)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator")


class PhotoInline(ReadOnlyInline):
    model = ActivityPhoto
    fields = ("thumbnail", "caption", "uploaded_by", "uploaded_at")
    readonly_fields = fields

    @admin.display(description="照片")
    def thumbnail(self, obj):
        if not obj.image:
            return "—"
        return format_html('<a href="{0}" target="_blank" rel="noopener"><img src="{0}" alt="" '
                           'style="max-height:80px"></a>', obj.image.url)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class ActivityAdminForm(RecordAdminForm):
    """The activity with one field per active outcome indicator (declared per request by the
    admin, filled from the stored values)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for o in self.instance.outcomes.select_related("indicator"):
                name = outcome_field_name(o.indicator.code)
                if name in self.fields:
                    self.initial.setdefault(name, o.value.normalize())

    def _add_service_error(self, error):
        # Outcome errors are keyed by indicator code: put them beside their fields.
        if hasattr(error, "error_dict"):
            error = ValidationError({outcome_field_name(k) if outcome_field_name(k) in self.fields else k: v
                                     for k, v in error.error_dict.items()})
        super()._add_service_error(error)


@admin.register(Activity)
class ActivityAdmin(ServiceAdmin):
    form = ActivityAdminForm
    list_display = ("date", "title", "unit", "pairing", "category", "participants", "status", "author", "code")
    list_display_links = ("date", "title")
    list_filter = ("status", "category", "link_area", UnitTownshipFilter, _related_only("campaign"), "unit__kind")
    search_fields = ("code", "title", "unit__name", "pairing__code", "pairing__bureau__name",
                     "pairing__village__name", "author__username", "author__last_name")
    list_select_related = ("unit", "campaign", "pairing__bureau", "pairing__village", "author")
    autocomplete_fields = ("campaign", "unit", "pairing")
    date_hierarchy = "date"
    fieldsets = (
        (None, {"fields": ("code", "campaign", "date", "unit", "pairing", "category", "link_area", "title",
                           "description", "participants")}),
        ("审核", {"fields": ("status", "review_comment", "reviewed_by", "reviewed_at", "author", "created_at",
                            "updated_at")}),
    )
    readonly_fields = ("status", "review_comment", "reviewed_by", "reviewed_at", "author", "created_at",
                       "updated_at")
    identity_fields = ("code",)
    inlines = (OrganizerInline, OutcomeInline, PhotoInline)

    @staticmethod
    def outcome_indicators(request) -> list[Indicator]:
        found = getattr(request, "_cobuild_outcome_indicators", None)
        if found is None:
            found = list(Indicator.objects.filter(kind=IndicatorKind.OUTCOME, active=True).order_by("order", "code"))
            request._cobuild_outcome_indicators = found
        return found

    def can_change(self, user, obj) -> bool:
        if obj.status == ReviewStatus.VERIFIED:
            return can_correct(user, obj.unit)  # a correction (更正)
        return policy.can_edit_activity(user, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self.asks_reason(request, obj):
            names = [outcome_field_name(i.code) for i in self.outcome_indicators(request)]
            if names:
                fieldsets.insert(len(fieldsets) - 1, (OUTCOMES_TITLE, {"fields": names}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        outcome_fields = {
            outcome_field_name(i.code): forms.DecimalField(
                label=f"{i.name}({i.unit})", required=False, min_value=0, max_digits=14, decimal_places=2)
            for i in self.outcome_indicators(request)}
        kwargs.setdefault("form", type(self.form.__name__, (self.form,), outcome_fields))
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj is not None else []

    def save_through_service(self, request, current, v):
        outcomes = {i.code: v[outcome_field_name(i.code)] for i in self.outcome_indicators(request)
                    if v.get(outcome_field_name(i.code)) is not None}
        fields = {"campaign": v["campaign"], "date": v["date"], "unit": v["unit"], "pairing": v.get("pairing"),
                  "category": v["category"], "link_area": v.get("link_area") or "", "title": v["title"],
                  "description": v.get("description") or "", "participants": v.get("participants") or 0}
        if current is not None and current.status == ReviewStatus.VERIFIED:
            return services.activity_correct(actor=request.user, activity=current, reason=v[REASON_FIELD],
                                             outcomes=outcomes, **fields)
        activity, _ = services.activity_submit(
            actor=request.user, activity=current, code=None if current else (v.get("code") or None),
            outcomes=outcomes, reason=v[REASON_FIELD], **fields)
        return activity


class CommitmentAdminForm(RecordAdminForm):
    """Carries the version the editor saw: a save over someone else's newer one is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["expected_version"] = self.instance.version


@admin.register(Commitment)
class CommitmentAdmin(ServiceAdmin):
    form = CommitmentAdminForm
    list_display = ("short_content", "unit", "pairing", "made_on", "due_date", "status", "overdue", "code")
    list_filter = ("status", OverdueFilter, UnitTownshipFilter, _related_only("campaign"), "unit__kind")
    search_fields = ("code", "content", "unit__name", "organization__name", "pairing__code",
                     "pairing__bureau__name", "pairing__village__name", "progress")
    list_select_related = ("unit", "campaign", "organization", "pairing__bureau", "pairing__village")
    autocomplete_fields = ("campaign", "unit", "organization", "pairing")
    date_hierarchy = "made_on"
    fields = ("code", "campaign", "unit", "organization", "pairing", "content", "made_on", "due_date", "status",
              "progress", "completed_on", "evidence", "expected_version", "version", "created_at", "updated_at")
    readonly_fields = ("version", "created_at", "updated_at")
    identity_fields = ("code",)

    @admin.display(description="承诺内容")
    def short_content(self, obj):
        return str(obj)

    @admin.display(description="逾期", boolean=True)
    def overdue(self, obj):
        return obj.is_overdue

    def get_fieldsets(self, request, obj=None):
        if self.asks_reason(request, obj):
            return super().get_fieldsets(request, obj)
        return [(name, {**opts, "fields": [f for f in opts["fields"] if f != "expected_version"]})
                for name, opts in super().get_fieldsets(request, obj)]

    def can_change(self, user, obj) -> bool:
        return policy.can_edit_commitment(user, obj)

    def save_through_service(self, request, current, v):
        commitment, _ = services.commitment_save(
            actor=request.user, commitment=current, code=None if current else (v.get("code") or None),
            campaign=v["campaign"], unit=v["unit"], organization=v.get("organization"), pairing=v.get("pairing"),
            content=v["content"], made_on=v["made_on"], due_date=v.get("due_date"), status=v["status"],
            completed_on=v.get("completed_on"), progress=v.get("progress") or "", evidence=v.get("evidence") or "",
            expected_version=v.get("expected_version") if current else None, reason=v[REASON_FIELD],
        )
        return commitment


@admin.register(JointMeeting)
class JointMeetingAdmin(ServiceAdmin):
    form = RecordAdminForm
    list_display = ("held_on", "title", "host_unit", "pairing", "campaign", "created_by", "code")
    list_display_links = ("held_on", "title")
    list_filter = (_related_only("campaign"), "host_unit__kind")
    search_fields = ("code", "title", "minutes", "host_unit__name", "pairing__code", "pairing__bureau__name",
                     "pairing__village__name")
    list_select_related = ("host_unit", "campaign", "pairing__bureau", "pairing__village", "created_by")
    autocomplete_fields = ("campaign", "host_unit", "pairing", "member_units", "member_organizations")
    date_hierarchy = "held_on"
    fields = ("code", "campaign", "held_on", "host_unit", "pairing", "title", "member_units",
              "member_organizations", "minutes", "created_by", "created_at", "updated_at")
    readonly_fields = ("created_by", "created_at", "updated_at")
    identity_fields = ("code",)

    def can_change(self, user, obj) -> bool:
        return policy.can_edit_meeting(user, obj)

    def save_through_service(self, request, current, v):
        meeting, _ = services.meeting_save(
            actor=request.user, meeting=current, code=None if current else (v.get("code") or None),
            campaign=v["campaign"], held_on=v["held_on"], host_unit=v["host_unit"], pairing=v.get("pairing"),
            title=v["title"], minutes=v.get("minutes") or "",
            member_units=v["member_units"] if "member_units" in v else current.member_units.all(),
            member_organizations=(v["member_organizations"] if "member_organizations" in v
                                  else current.member_organizations.all()),
            reason=v[REASON_FIELD],
        )
        return meeting


@admin.register(MeetingDecision)
class MeetingDecisionAdmin(ServiceAdmin):
    list_display = ("short_content", "meeting", "assigned_unit", "deadline", "status", "overdue", "done_on")
    list_filter = ("status", OverdueFilter, "assigned_unit__kind")
    search_fields = ("content", "result", "assigned_unit__name", "meeting__title", "meeting__code")
    list_select_related = ("meeting", "assigned_unit")
    autocomplete_fields = ("meeting", "assigned_unit")
    date_hierarchy = "deadline"
    add_fields = ("meeting", "content", "assigned_unit", "deadline")
    change_fields = ("meeting", "content", "assigned_unit", "deadline", "status", "result", "done_on", "updated_at")

    @admin.display(description="议定事项")
    def short_content(self, obj):
        return str(obj)

    @admin.display(description="逾期", boolean=True)
    def overdue(self, obj):
        return obj.status != DecisionStatus.DONE and obj.deadline is not None and obj.deadline < timezone.localdate()

    def get_fields(self, request, obj=None):
        return self.change_fields if obj is not None else self.add_fields

    def get_readonly_fields(self, request, obj=None):
        # ``decision_update`` records how it is carried out; what was decided stays as decided.
        return ("meeting", "content", "assigned_unit", "deadline", "updated_at") if obj is not None else ()

    def can_change(self, user, obj) -> bool:
        return policy.can_update_decision(user, obj)

    def save_through_service(self, request, current, v):
        if current is None:
            return services.decision_add(actor=request.user, meeting=v["meeting"], content=v["content"],
                                         assigned_unit=v["assigned_unit"], deadline=v.get("deadline"),
                                         reason=v[REASON_FIELD])
        return services.decision_update(actor=request.user, decision=current, status=v["status"],
                                        result=v.get("result") or "", done_on=v.get("done_on"),
                                        reason=v[REASON_FIELD])


@admin.register(AppraisalSubject)
class AppraisalSubjectAdmin(ServiceAdmin):
    """测评对象: shared data (no scope), written through ``appraisal_subject_save``; retired by
    停用, never deleted (tallies keep their code)."""

    list_display = ("order", "code", "name", "active")
    list_display_links = ("code", "name")
    list_filter = ("active",)
    search_fields = ("code", "name")
    fields = ("code", "name", "order", "active")
    identity_fields = ("code",)

    def get_queryset(self, request):
        return AppraisalSubject.objects.all()

    def can_change(self, user, obj) -> bool:
        return policy.can_set_appraisal_subjects(user)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_through_service(self, request, current, v):
        subject, _ = services.appraisal_subject_save(
            actor=request.user, subject=current, code=current.code if current else v["code"], name=v["name"],
            order=v.get("order") or 100, active=v.get("active", False), reason=v[REASON_FIELD])
        return subject


@admin.register(Survey)
class SurveyAdmin(ServiceAdmin):
    form = RecordAdminForm
    list_display = ("held_on", "unit", "subject_label", "satisfied", "basically_satisfied", "dissatisfied",
                    "ballots", "campaign", "code")
    list_display_links = ("held_on", "unit")
    list_filter = ("subject", UnitTownshipFilter, _related_only("campaign"), "unit__kind")
    search_fields = ("code", "unit__name", "unit__code")
    list_select_related = ("unit", "campaign")
    autocomplete_fields = ("campaign", "unit")
    date_hierarchy = "held_on"
    fields = ("code", "campaign", "unit", "subject", "held_on", "satisfied", "basically_satisfied", "dissatisfied",
              "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")
    identity_fields = ("code",)

    @admin.display(description="总票数")
    def ballots(self, obj):
        return obj.ballots

    @admin.display(description="测评对象", ordering="subject")
    def subject_label(self, obj):
        return obj.subject_name

    def get_queryset(self, request):
        return super().get_queryset(request).with_subject_name()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "subject":
            return forms.ChoiceField(label="测评对象", choices=subject_choices)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def can_change(self, user, obj) -> bool:
        return policy.can_record_survey(user, obj.unit)

    def save_through_service(self, request, current, v):
        survey, _ = services.survey_save(
            actor=request.user, survey=current, code=None if current else (v.get("code") or None),
            campaign=v["campaign"], unit=v["unit"], subject=v["subject"], held_on=v["held_on"],
            satisfied=v["satisfied"], basically_satisfied=v["basically_satisfied"],
            dissatisfied=v["dissatisfied"], reason=v[REASON_FIELD],
        )
        return survey


# --- annual plans and public boards ---------------------------------------------------------------

class PlanItemInline(ReadOnlyInline):
    model = PlanItem
    fields = ("quarter", "measure", "category", "planned")
    readonly_fields = fields
    verbose_name_plural = "计划项(在“计划项”或结对台帐的计划页面修改)"


def _plan_items(plan) -> dict:
    return {(i.measure, i.category, i.quarter): i.planned for i in plan.items.all()} if plan else {}


@admin.register(PairingPlan)
class PairingPlanAdmin(ServiceAdmin):
    list_display = ("pairing", "year", "updated_by", "updated_at")
    list_filter = ("year",)
    search_fields = ("pairing__code", "pairing__village__name", "pairing__bureau__name", "note")
    list_select_related = ("pairing__village", "pairing__bureau", "updated_by")
    autocomplete_fields = ("pairing",)
    fields = ("pairing", "year", "note", "version", "updated_by", "created_at", "updated_at")
    readonly_fields = ("version", "updated_by", "created_at", "updated_at")
    identity_fields = ("pairing", "year")
    inlines = [PlanItemInline]

    def can_change(self, user, obj) -> bool:
        return policy.can_edit_plan(user, obj.pairing)

    def save_through_service(self, request, current, v):
        plan, _ = services.plan_save(actor=request.user, pairing=v["pairing"], year=v["year"],
                                     items=_plan_items(current), note=v.get("note") or "", reason=v[REASON_FIELD])
        return plan


@admin.register(PlanItem)
class PlanItemAdmin(ServiceAdmin):
    list_display = ("plan", "pairing", "quarter", "measure", "category", "planned")
    list_filter = ("plan__year", "quarter", "measure", "category")
    search_fields = ("plan__pairing__code", "plan__pairing__village__name", "plan__pairing__bureau__name")
    list_select_related = ("plan__pairing__village", "plan__pairing__bureau")
    autocomplete_fields = ("plan",)
    fields = ("plan", "quarter", "measure", "category", "planned")
    identity_fields = ("plan", "quarter", "measure", "category")

    @admin.display(description="结对")
    def pairing(self, obj):
        return obj.plan.pairing

    def can_change(self, user, obj) -> bool:
        return policy.can_edit_plan(user, obj.plan.pairing)

    def save_through_service(self, request, current, v):
        plan = v["plan"]
        items = _plan_items(plan)
        key = (v["measure"], v.get("category") or "", v["quarter"])
        items[key] = v["planned"]
        plan, _ = services.plan_save(actor=request.user, pairing=plan.pairing, year=plan.year, items=items,
                                     note=plan.note, reason=v[REASON_FIELD])
        return plan.items.get(measure=key[0], category=key[1], quarter=key[2]) if items[key] else current


class BoardAdminForm(ServiceModelForm):
    pass


@admin.register(PublicBoard)
class PublicBoardAdmin(ServiceAdmin):
    form = BoardAdminForm
    list_display = ("title", "kind", "unit", "pairing", "campaign", "status", "created_at")
    list_filter = ("kind", "status", UnitTownshipFilter)
    search_fields = ("title", "unit__name", "pairing__code")
    list_select_related = ("unit", "pairing__village", "pairing__bureau", "campaign")
    autocomplete_fields = ("unit", "pairing", "campaign")
    fields = ("kind", "title", "unit", "pairing", "campaign", "status", "created_by", "created_at",
              "withdrawn_at", "withdrawn_by")
    readonly_fields = ("created_by", "created_at", "withdrawn_at", "withdrawn_by")
    identity_fields = ("kind", "title", "unit", "pairing", "campaign")

    def can_change(self, user, obj) -> bool:
        return policy.can_manage_board(user, obj.unit, obj.pairing)

    def save_through_service(self, request, current, v):
        if current is None:
            return services.board_create(actor=request.user, unit=v["unit"], pairing=v.get("pairing"),
                                         campaign=v.get("campaign"), title=v.get("title") or "", kind=v["kind"])
        if v["status"] == BoardStatus.WITHDRAWN:
            return services.board_withdraw(actor=request.user, board=current, reason=v[REASON_FIELD])
        if current.status == BoardStatus.WITHDRAWN:
            raise ValidationError("撤回的公示不能恢复:请发布新的公示(将生成新的链接)。")
        return current
