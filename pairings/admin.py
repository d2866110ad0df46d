"""Admin for 百局联百村 records: scoped by ``for_user`` for non-superusers (lists, choices,
autocomplete, filters, history), every save through the pairing services, every change in history.
"""

import datetime as dt

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html

from organizations.admin_tools import REASON_FIELD, ServiceAdmin
from organizations.models import Unit, UnitKind

from . import policy, services
from .models import (
    SILENT_AMBER_DAYS,
    SILENT_RED_DAYS,
    ContactPoint,
    HelpPair,
    Inspection,
    Pairing,
    RectificationItem,
    RectificationStatus,
)

_MARKS = {"green": ("#198754", "绿"), "amber": ("#e0a800", "黄"), "red": ("#dc3545", "红")}


def _related_only(field):
    """A filter that offers only the values present in the user's (scoped) rows."""
    return (field, admin.RelatedOnlyFieldListFilter)


class TownshipFilter(admin.SimpleListFilter):
    """乡镇: the townships in the user's scope."""

    title = "乡镇"
    parameter_name = "township"
    village_field = "village"

    def lookups(self, request, model_admin):
        return [(u.pk, u.name) for u in Unit.objects.for_user(request.user).filter(kind=UnitKind.TOWNSHIP)
                .order_by("sort_order", "name")]

    def queryset(self, request, queryset):
        if self.value():
            try:
                township = Unit.objects.for_user(request.user).get(pk=self.value(), kind=UnitKind.TOWNSHIP)
            except (Unit.DoesNotExist, ValueError, ValidationError):
                return queryset.none()
            return queryset.filter(**{f"{self.village_field}__path__startswith": township.path})
        return queryset


class SilenceFilter(admin.SimpleListFilter):
    """红黄绿: days since the pairing's newest ledger record."""

    title = "亮灯"
    parameter_name = "silence"

    def lookups(self, request, model_admin):
        return [("green", f"绿:{SILENT_AMBER_DAYS}天内有共建活动"),
                ("amber", f"黄:{SILENT_AMBER_DAYS + 1}–{SILENT_RED_DAYS}天无共建活动"),
                ("red", f"红:{SILENT_RED_DAYS}天以上或从无共建活动")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        amber_from = today - dt.timedelta(days=SILENT_AMBER_DAYS)
        red_from = today - dt.timedelta(days=SILENT_RED_DAYS)
        if self.value() == "green":
            return queryset.filter(last_logged_on__gte=amber_from)
        if self.value() == "amber":
            return queryset.filter(last_logged_on__lt=amber_from, last_logged_on__gte=red_from)
        if self.value() == "red":
            return queryset.exclude(last_logged_on__gte=red_from)
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "是否逾期"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "已逾期"), ("no", "未逾期")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.overdue().values("pk"))
        return queryset


class LinkedRecordAdmin(ServiceAdmin):
    """Records in a pairing's ledger: a deletion (superusers only) refreshes the silence mark."""

    @staticmethod
    def pairing_ids(objs) -> set:
        return set()

    def delete_model(self, request, obj):
        ids = self.pairing_ids([obj])
        super().delete_model(request, obj)
        for pid in ids:
            services.refresh_last_logged(pid)

    def delete_queryset(self, request, queryset):
        ids = self.pairing_ids(queryset)
        super().delete_queryset(request, queryset)
        for pid in ids:
            services.refresh_last_logged(pid)


# --- pairings ------------------------------------------------------------------------------------

@admin.register(Pairing)
class PairingAdmin(ServiceAdmin):
    list_display = ("code", "bureau", "village", "campaign", "start_date", "status", "last_logged_on",
                    "silence_mark", "bureau_contact", "village_contact")
    list_filter = (SilenceFilter, TownshipFilter, "status", _related_only("campaign"))
    search_fields = ("code", "bureau__name", "village__name", "bureau_contact", "village_contact",
                     "bureau_phone", "village_phone")
    list_select_related = ("bureau", "village", "campaign")
    autocomplete_fields = ("campaign", "bureau", "village")
    fieldsets = (
        (None, {"fields": ("code", "campaign", "bureau", "village", "start_date", "end_date", "status",
                           "last_logged_on")}),
        ("联系人", {"fields": (("bureau_contact", "bureau_phone"), ("village_contact", "village_phone"))}),
        ("共建协议", {"fields": ("agreement_signed_on", "agreement", "goals")}),
        ("记录", {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("status", "last_logged_on", "created_at", "updated_at")
    identity_fields = ("code",)

    @admin.display(description="亮灯", ordering="last_logged_on")
    def silence_mark(self, obj):
        colour, label = _MARKS[obj.silence()]
        return format_html('<span style="color:{}">●</span> {}', colour, label)

    def can_change(self, user, obj) -> bool:
        return policy.can_manage_pairing(user, obj)

    def save_through_service(self, request, current, v):
        pairing, _ = services.pairing_save(
            actor=request.user, code=v["code"], campaign=v["campaign"], bureau=v["bureau"],
            village=v["village"], start_date=v["start_date"], end_date=v.get("end_date"),
            bureau_contact=v.get("bureau_contact", ""), bureau_phone=v.get("bureau_phone", ""),
            village_contact=v.get("village_contact", ""), village_phone=v.get("village_phone", ""),
            agreement=v.get("agreement", ""), agreement_signed_on=v.get("agreement_signed_on"),
            goals=v.get("goals", ""), reason=v[REASON_FIELD],
        )
        return pairing


# --- contact points and inspections --------------------------------------------------------------

@admin.register(ContactPoint)
class ContactPointAdmin(ServiceAdmin):
    list_display = ("leader_name", "leader_title", "unit", "campaign", "since", "user")
    list_filter = (_related_only("campaign"), "unit__kind")
    search_fields = ("leader_name", "leader_title", "unit__name", "notes")
    list_select_related = ("unit", "campaign", "user")
    autocomplete_fields = ("unit", "campaign", "user")
    fields = ("leader_name", "leader_title", "user", "unit", "campaign", "since", "notes")

    def can_change(self, user, obj) -> bool:
        return policy.can_set_contact_point(user, obj.unit)

    def save_through_service(self, request, current, v):
        return services.contact_point_save(
            actor=request.user, contact_point=current, leader_name=v["leader_name"], unit=v["unit"],
            leader_title=v.get("leader_title", ""), user=v.get("user"), campaign=v.get("campaign"),
            since=v.get("since"), notes=v.get("notes", ""), reason=v[REASON_FIELD],
        )


@admin.register(Inspection)
class InspectionAdmin(LinkedRecordAdmin):
    list_display = ("code", "held_on", "kind", "method", "unit", "pairing", "visitors", "inspector")
    list_filter = ("kind", "method", _related_only("campaign"), "unit__kind")
    search_fields = ("code", "unit__name", "inspector", "findings", "pairing__code", "pairing__bureau__name",
                     "pairing__village__name")
    list_select_related = ("unit", "pairing__bureau", "pairing__village")
    autocomplete_fields = ("campaign", "unit", "pairing", "contact_point")
    date_hierarchy = "held_on"
    fields = ("code", "campaign", "kind", "method", "held_on", "unit", "pairing", "contact_point", "visitors",
              "inspector", "findings", "created_by", "created_at", "updated_at")
    readonly_fields = ("created_by", "created_at", "updated_at")
    identity_fields = ("code",)

    @staticmethod
    def pairing_ids(objs):
        return {o.pairing_id for o in objs if o.pairing_id}

    def can_change(self, user, obj) -> bool:
        return policy.can_record_inspection(user, obj.unit)

    def save_through_service(self, request, current, v):
        inspection, _ = services.inspection_save(
            actor=request.user, inspection=current, code=v["code"], campaign=v["campaign"], unit=v["unit"],
            held_on=v["held_on"], kind=v["kind"], pairing=v.get("pairing"), contact_point=v.get("contact_point"),
            method=v.get("method", ""), visitors=v.get("visitors") or 1, inspector=v.get("inspector", ""),
            findings=v.get("findings", ""), reason=v[REASON_FIELD],
        )
        return inspection


@admin.register(RectificationItem)
class RectificationItemAdmin(LinkedRecordAdmin):
    list_display = ("short_description", "responsible_unit", "inspection", "deadline", "status", "overdue",
                    "closed_on")
    list_filter = ("status", OverdueFilter, "responsible_unit__kind")
    search_fields = ("description", "responsible_unit__name", "inspection__code", "progress", "evidence")
    list_select_related = ("responsible_unit", "inspection__unit")
    autocomplete_fields = ("inspection", "responsible_unit")
    date_hierarchy = "deadline"
    add_fields = ("inspection", "description", "responsible_unit", "deadline")
    change_fields = ("inspection", "description", "responsible_unit", "deadline", "status", "progress",
                     "closed_on", "evidence", "closed_by", "created_by", "created_at", "updated_at")

    @admin.display(description="整改事项")
    def short_description(self, obj):
        return str(obj)

    @admin.display(description="逾期", boolean=True)
    def overdue(self, obj):
        return obj.is_overdue

    @staticmethod
    def pairing_ids(objs):
        return {o.inspection.pairing_id for o in objs if o.inspection.pairing_id}

    def get_fields(self, request, obj=None):
        return self.change_fields if obj is not None else self.add_fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("inspection", "description", "responsible_unit", "closed_by", "created_by", "created_at",
                "updated_at")

    def can_change(self, user, obj) -> bool:
        return obj.status != RectificationStatus.CLOSED and policy.can_follow_up(user, obj)

    def save_through_service(self, request, current, v):
        actor, reason = request.user, v[REASON_FIELD]
        if current is None:
            return services.rectification_create(
                actor=actor, inspection=v["inspection"], description=v["description"],
                responsible_unit=v["responsible_unit"], deadline=v["deadline"], reason=reason)
        status = v.get("status") or current.status
        progress = v.get("progress", "")
        if status == RectificationStatus.CLOSED:
            errors = {}
            if not v.get("closed_on"):
                errors["closed_on"] = "销号请填写销号日期。"
            if not (v.get("evidence") or "").strip():
                errors["evidence"] = "销号必须填写整改佐证(做了什么、结果如何)。"
            if errors:
                raise ValidationError(errors)
            item = current
            if (progress, v["deadline"]) != (current.progress, current.deadline):
                item = services.rectification_update(actor=actor, item=item, progress=progress,
                                                     status=RectificationStatus.IN_PROGRESS, deadline=v["deadline"],
                                                     reason=reason)
            return services.rectification_close(actor=actor, item=item, closed_on=v["closed_on"],
                                                evidence=v["evidence"], reason=reason)
        if v.get("closed_on") or (v.get("evidence") or "").strip():
            raise ValidationError({"status": "填写了销号日期或佐证:销号请把状态改为“已销号”。"})
        return services.rectification_update(actor=actor, item=current, progress=progress, status=status,
                                             deadline=v["deadline"], reason=reason)


# --- help pairs ----------------------------------------------------------------------------------

@admin.register(HelpPair)
class HelpPairAdmin(LinkedRecordAdmin):
    list_display = ("code", "member_name", "member_unit", "household_name", "household_kind", "village",
                    "pairing", "status", "started_on")
    list_filter = ("household_kind", "status", TownshipFilter)
    search_fields = ("code", "member_name", "household_name", "village__name", "measures",
                     "pairing__bureau__name")
    list_select_related = ("village", "member_unit", "pairing__bureau", "pairing__village")
    autocomplete_fields = ("village", "pairing", "member_unit")
    date_hierarchy = "started_on"
    fields = ("code", "village", "pairing", "member_name", "member_unit", "household_name", "household_kind",
              "measures", "status", "started_on", "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")
    identity_fields = ("code",)

    @staticmethod
    def pairing_ids(objs):
        return {o.pairing_id for o in objs if o.pairing_id}

    def can_change(self, user, obj) -> bool:
        return policy.can_edit_help_pair(user, obj.village, obj.pairing)

    def save_through_service(self, request, current, v):
        help_pair, _ = services.help_pair_save(
            actor=request.user, help_pair=current, code=v["code"], village=v["village"],
            member_name=v["member_name"], household_name=v["household_name"],
            household_kind=v["household_kind"], started_on=v["started_on"], pairing=v.get("pairing"),
            member_unit=v.get("member_unit"), measures=v.get("measures", ""), status=v.get("status"),
            reason=v[REASON_FIELD],
        )
        return help_pair
