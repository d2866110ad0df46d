"""Admin for data correction: scoped for non-superusers, every change kept in history.

Every save and delete goes through the services (``organizations.services``), with the reason
the admin asks for (修改理由) as the history's change reason; see ``admin_tools``. Role grants
follow ``role_grant``/``role_revoke``: only a county admin over the grant's unit (or a superuser)
grants, changes or revokes, and only for accounts inside their scope.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from . import policy, services
from .admin_tools import (
    REASON_FIELD,
    ReadOnlyAdmin,
    ReasonAdminMixin,
    ScopedPagesMixin,
    ServiceAdmin,
    ServiceModelForm,
    scoped_users,
)
from .models import ImportJob, Job, Leader, Organization, RecordScope, Role, RoleGrant, Submission, Unit, User


class UnitAdminForm(ServiceModelForm):
    class Meta:
        model = Unit
        fields = ("code", "name", "kind", "parent", "sort_order", "address", "position_shared")


@admin.register(Unit)
class UnitAdmin(ServiceAdmin):
    form = UnitAdminForm
    list_display = ("name", "code", "kind", "parent", "depth", "sort_order")
    list_filter = ("kind", "depth")
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth", "created_at", "updated_at")
    fields = ("code", "name", "kind", "parent", "sort_order", "address", "position_shared",
              "path", "depth", "created_at", "updated_at")
    identity_fields = ("code",)  # an external id: fixed once created (imports key on it)

    def can_change(self, user, obj) -> bool:
        return policy.can_manage_unit(user, obj)

    def save_through_service(self, request, current, v):
        unit, _ = services.unit_save(
            actor=request.user, code=v["code"], name=v["name"], kind=v["kind"], parent=v.get("parent"),
            sort_order=v.get("sort_order"), address=v.get("address", ""),
            position_shared=v.get("position_shared", False), reason=v[REASON_FIELD],
        )
        return unit


class OrganizationAdminForm(ServiceModelForm):
    class Meta:
        model = Organization
        fields = ("code", "name", "kind", "unit", "led_by", "members", "women_members", "established")


@admin.register(Organization)
class OrganizationAdmin(ServiceAdmin):
    form = OrganizationAdminForm
    list_display = ("name", "code", "kind", "unit", "led_by", "members", "women_members", "established")
    list_filter = ("kind", "unit__kind")
    search_fields = ("name", "code", "unit__name")
    list_select_related = ("unit", "led_by")
    autocomplete_fields = ("unit", "led_by")
    identity_fields = ("code",)

    def can_change(self, user, obj) -> bool:
        return policy.can_edit_unit_records(user, obj.unit)

    def save_through_service(self, request, current, v):
        org, _ = services.organization_save(
            actor=request.user, code=v["code"], name=v["name"], kind=v["kind"], unit=v["unit"],
            led_by=v.get("led_by"), members=v.get("members") or 0, women_members=v.get("women_members"),
            established=v.get("established"), reason=v[REASON_FIELD],
        )
        return org


@admin.register(Leader)
class LeaderAdmin(ServiceAdmin):
    list_display = ("name", "position", "unit", "organization", "phone", "gender")
    list_filter = ("position", "gender", "is_party_member", "unit__kind")
    search_fields = ("name", "phone", "unit__name")
    list_select_related = ("unit", "organization")
    autocomplete_fields = ("unit", "organization")
    fields = ("name", "position", "unit", "organization", "gender", "phone", "is_party_member", "notes")

    def can_change(self, user, obj) -> bool:
        return policy.can_edit_unit_records(user, obj.unit)

    can_delete = can_change

    def save_through_service(self, request, current, v):
        return services.leader_save(
            actor=request.user, leader=current, name=v["name"], position=v["position"], unit=v["unit"],
            organization=v.get("organization"), gender=v.get("gender", ""), phone=v.get("phone", ""),
            is_party_member=v.get("is_party_member", False), notes=v.get("notes", ""), reason=v[REASON_FIELD],
        )

    def delete_through_service(self, request, obj, reason):
        services.leader_delete(actor=request.user, leader=obj, reason=reason)


@admin.register(RoleGrant)
class RoleGrantAdmin(ServiceAdmin):
    """Grants through ``role_grant`` / ``role_grant_change`` / ``role_revoke``: township staff see
    the grants of their township but change none; a county admin grants within the county."""

    list_display = ("user", "role", "unit", "created_at")
    list_filter = ("role", "unit__kind")
    search_fields = ("user__username", "user__first_name", "user__last_name", "unit__name")
    list_select_related = ("user", "unit")
    autocomplete_fields = ("user", "unit")
    fields = ("user", "role", "unit", "created_at")
    readonly_fields = ("created_at",)

    def can_change(self, user, obj) -> bool:
        return policy.can_grant(user, obj.unit) and policy.can_manage_account(user, obj.user)

    can_delete = can_change

    def has_add_permission(self, request):
        # No "增加" button for those who may grant nowhere (township staff): the service would
        # refuse every grant they tried.
        return super().has_add_permission(request) and policy.holds_role_somewhere(
            request.user, (Role.COUNTY_ADMIN,))

    def save_through_service(self, request, current, v):
        actor, reason = request.user, v[REASON_FIELD]
        if current is None:
            _user, grant, created = services.role_grant(
                actor=actor, username=v["user"].username, role=v["role"], unit=v["unit"], reason=reason)
            if not created:
                raise ValidationError("该账号已有这一授权。")
            return grant
        return services.role_grant_change(actor=actor, grant=current, user=v["user"], role=v["role"],
                                          unit=v["unit"], reason=reason)

    def delete_through_service(self, request, obj, reason):
        services.role_revoke(actor=request.user, grant=obj, reason=reason)


@admin.register(ImportJob)
class ImportJobAdmin(ReasonAdminMixin, ScopedPagesMixin, SimpleHistoryAdmin):
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

    def has_change_permission(self, request, obj=None):
        return False  # a log of what happened: nothing to edit

    def has_delete_permission(self, request, obj=None):
        return policy.can_delete_records(request.user) and super().has_delete_permission(request, obj)


@admin.register(Job)
class JobAdmin(ReasonAdminMixin, ScopedPagesMixin, SimpleHistoryAdmin):
    """Background jobs (organizations.jobs) as a log: a superuser sees everyone's, others their
    own. Deleting one (superusers, with a reason) deletes its file from the storage too."""

    list_display = ("label", "handler", "user", "status", "done", "total", "created_at", "finished_at",
                    "expires_at")
    list_filter = ("handler", "status", "created_at")
    search_fields = ("label", "user__username", "message", "filename")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    exclude = ("params", "result")
    readonly_fields = ("user", "handler", "label", "status", "stage", "done", "total", "message", "file",
                       "filename", "task_id", "created_at", "started_at", "finished_at", "expires_at")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(user=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a log of what happened: nothing to edit

    def has_delete_permission(self, request, obj=None):
        return policy.can_delete_records(request.user) and super().has_delete_permission(request, obj)

    def delete_one(self, request, obj, reason: str) -> None:
        if obj.file:
            obj.file.delete(save=False)
        super().delete_one(request, obj, reason)


@admin.register(Submission)
class SubmissionAdmin(ScopedPagesMixin, SimpleHistoryAdmin):
    """Once-only form tokens (organizations.submissions) as a log: what each create form's first
    submit made. Superusers see everyone's, others their own; nothing is edited here."""

    list_display = ("created_at", "user", "record_type", "record_id", "token")
    list_filter = ("record_type", "created_at")
    search_fields = ("user__username", "token", "url")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    readonly_fields = ("user", "token", "record_type", "record_id", "url", "created_at")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(user=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(ReasonAdminMixin, ScopedPagesMixin, BaseUserAdmin, SimpleHistoryAdmin):
    """Accounts: non-superusers see those holding a role in their scope (view only, unless given
    the change permission) and never the privilege fields. Saves through ``user_save``; deleting
    an account that wrote anything deactivates it (``user_delete``), keeping history authors."""

    list_display = ("username", "last_name", "first_name", "phone", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("username", "first_name", "last_name", "phone")
    fieldsets = (*BaseUserAdmin.fieldsets, ("联系方式", {"fields": ("phone",)}))
    PRIVILEGE_READONLY = ("is_superuser", "is_staff", "groups", "user_permissions", "last_login", "date_joined")
    actions = ["reset_two_factor"]

    @admin.action(description="重置双因素认证(丢失手机:下次登录须重新绑定)", permissions=["change"])
    def reset_two_factor(self, request, queryset):
        done = []
        for user in queryset:
            if not policy.can_reset_two_factor(request.user, user):
                self.message_user(request, f"无权重置“{user}”的双因素认证。", messages.ERROR)
                continue
            services.user_two_factor_reset(actor=request.user, user=user, reason="在数据管理中重置双因素认证")
            self.log_change(request, user, "重置双因素认证")
            done.append(str(user))
        if done:
            self.message_user(request, f"已重置 {len(done)} 个账号的双因素认证:{'、'.join(done)}。"
                                       "他们的已验证会话已失效,下次登录时须重新绑定。", messages.SUCCESS)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        users = scoped_users(request.user)
        return qs if users is None else qs.filter(pk__in=users.values("pk"))

    def has_view_permission(self, request, obj=None):
        # Whoever manages role grants picks accounts (autocomplete) and may look them up.
        return super().has_view_permission(request, obj) or request.user.has_perm("organizations.view_rolegrant")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or policy.can_manage_account(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or policy.can_manage_account(request.user, obj))

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not policy.can_change_privileges(request.user):
            readonly += tuple(f for f in self.PRIVILEGE_READONLY if f not in readonly)
        return readonly

    def save_model(self, request, obj, form, change):
        services.user_save(actor=request.user, user=obj, reason=self.change_reason(form))

    def delete_one(self, request, obj, reason):
        if not services.user_delete(actor=request.user, user=obj, reason=reason):
            request.cobuild_deactivated = True
            self.message_user(request, f"账号“{obj}”填报或修改过记录,已停用(不能再登录)而未删除,"
                                       "历史记录仍保留其作者。", messages.WARNING)

    def response_delete(self, request, obj_display, obj_id):
        if getattr(request, "cobuild_deactivated", False):
            return HttpResponseRedirect(reverse("admin:organizations_user_changelist"))
        return super().response_delete(request, obj_display, obj_id)


@admin.register(RecordScope)
class RecordScopeAdmin(ReadOnlyAdmin):
    """Kept by organizations.records."""

    list_display = ("record_type", "record_id", "unit")
    list_filter = ("record_type",)
    search_fields = ("=record_id", "unit__code", "unit__name")
    list_select_related = ("unit",)
