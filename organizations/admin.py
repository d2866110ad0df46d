"""Admin for data correction: scoped for non-superusers, every change kept in history.

Saves go through the services so that tree paths, validation and history stay right.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .admin_tools import ScopedPagesMixin
from .models import ImportJob, Leader, Organization, RoleGrant, Unit, User
from .scoping import scope_q


class ScopedAdmin(ScopedPagesMixin, SimpleHistoryAdmin):
    """Non-superusers see and choose only rows inside their scope."""

    scope_field = "unit__path"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        q = scope_q(request.user, self.scope_field)
        return qs if q is None else qs.filter(q)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related in (Unit, Organization):
            field = "path" if related is Unit else "unit__path"
            q = scope_q(request.user, field)
            qs = related.objects.all()
            kwargs["queryset"] = qs if q is None else qs.filter(q)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete requests come through here too: keep them scoped.
        queryset, dup = super().get_search_results(request, queryset, search_term)
        q = scope_q(request.user, self.scope_field)
        return (queryset if q is None else queryset.filter(q)), dup


class UnitAdminForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ("code", "name", "kind", "parent", "sort_order", "address", "position_shared")

    def clean(self):
        data = super().clean()
        if "kind" in data and "parent" in data:
            services.validate_unit_placement(
                unit=self.instance if self.instance.pk else None, kind=data["kind"], parent=data["parent"])
        return data


class OrganizationAdminForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ("code", "name", "kind", "unit", "led_by", "members", "women_members", "established")

    def clean(self):
        data = super().clean()
        if data.get("unit"):
            services.validate_led_by(org=self.instance if self.instance.pk else None,
                                     unit=data["unit"], led_by=data.get("led_by"))
        return data


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    form = UnitAdminForm
    scope_field = "path"
    list_display = ("name", "code", "kind", "parent", "depth", "sort_order")
    list_filter = ("kind", "depth")
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth", "created_at", "updated_at")
    fields = ("code", "name", "kind", "parent", "sort_order", "address", "position_shared",
              "path", "depth", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        old_code = form.initial.get("code") if change else None
        if change and old_code != obj.code:
            # Codes are external ids: rename in place, then let the service handle the rest.
            Unit.objects.filter(pk=obj.pk).update(code=obj.code)
        unit, _ = services.unit_save(
            actor=request.user, code=obj.code, name=obj.name, kind=obj.kind, parent=obj.parent,
            sort_order=obj.sort_order, address=obj.address, position_shared=obj.position_shared,
            reason="管理后台修改",
        )
        obj.pk, obj.path, obj.depth = unit.pk, unit.path, unit.depth


@admin.register(Organization)
class OrganizationAdmin(ScopedAdmin):
    form = OrganizationAdminForm
    list_display = ("name", "code", "kind", "unit", "led_by", "members", "women_members", "established")
    list_filter = ("kind", "unit__kind")
    search_fields = ("name", "code", "unit__name")
    list_select_related = ("unit", "led_by")
    autocomplete_fields = ("unit", "led_by")

    def save_model(self, request, obj, form, change):
        if change and form.initial.get("code") != obj.code:
            Organization.objects.filter(pk=obj.pk).update(code=obj.code)
        org, _ = services.organization_save(
            actor=request.user, code=obj.code, name=obj.name, kind=obj.kind, unit=obj.unit,
            led_by=obj.led_by, members=obj.members, women_members=obj.women_members,
            established=obj.established, reason="管理后台修改",
        )
        obj.pk = org.pk


@admin.register(Leader)
class LeaderAdmin(ScopedAdmin):
    list_display = ("name", "position", "unit", "organization", "phone", "gender")
    list_filter = ("position", "gender", "is_party_member", "unit__kind")
    search_fields = ("name", "phone", "unit__name")
    list_select_related = ("unit", "organization")
    autocomplete_fields = ("unit", "organization")

    def save_model(self, request, obj, form, change):
        leader = services.leader_save(
            actor=request.user, leader=obj if change else None, name=obj.name, position=obj.position,
            unit=obj.unit, organization=obj.organization, gender=obj.gender, phone=obj.phone,
            is_party_member=obj.is_party_member, notes=obj.notes, reason="管理后台修改",
        )
        obj.pk = leader.pk


@admin.register(RoleGrant)
class RoleGrantAdmin(ScopedAdmin):
    list_display = ("user", "role", "unit", "created_at")
    list_filter = ("role", "unit__kind")
    search_fields = ("user__username", "user__first_name", "user__last_name", "unit__name")
    list_select_related = ("user", "unit")
    autocomplete_fields = ("user", "unit")


@admin.register(ImportJob)
class ImportJobAdmin(SimpleHistoryAdmin):
    list_display = ("filename", "kind", "user", "status", "created_count", "updated_count",
                    "error_count", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("filename", "user__username")
    list_select_related = ("user",)
    exclude = ("content",)
    readonly_fields = ("user", "kind", "filename", "status", "created_count", "updated_count",
                       "error_count", "created_at", "finished_at")

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def has_add_permission(self, request):
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "last_name", "first_name", "phone", "is_staff", "is_active")
    search_fields = ("username", "first_name", "last_name", "phone")
    fieldsets = (*BaseUserAdmin.fieldsets, ("联系方式", {"fields": ("phone",)}))

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        q = scope_q(request.user, "role_grants__unit__path")
        return qs.filter(q).distinct()
