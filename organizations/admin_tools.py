"""Admin building blocks for records scoped by ``Model.objects.for_user(user)`` and written
through a service (campaigns, pairings and whatever comes next).

- Non-superusers see, choose (foreign keys, autocomplete, filters) and open only rows in their
  scope; another scope's change, history and delete pages are 404, as everywhere in the portal.
- Saves go through the admin's :meth:`ServiceAdmin.save_through_service`. The same call is first
  made during form validation inside a rolled-back transaction, so the service's
  ``ValidationError`` and ``PermissionDenied`` appear as form errors instead of a server error,
  and the real save in ``save_model`` meets no surprise.
- ``can_change(user, obj)`` lets each admin show a record read-only to users the service would
  refuse (e.g. a closed rectification item, a pairing only the county may change).
- Every add, change and delete asks for a reason (修改理由, required), which the services store as
  the history's change reason. Deletes go through :meth:`ServiceAdmin.delete_through_service`
  (one by one and in bulk, all or nothing); without a delete service only superusers delete.
  Reverting from the history page is off: a revert would bypass the services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, QueryDict
from simple_history.admin import SimpleHistoryAdmin

from cobuild.codes import CODE_FIELDS, code_unusable_message
from cobuild.pagination import CappedPaginator

from .models import User
from .policy import can_delete_records
from .scoping import scope_q


class _DryRun(Exception):
    pass


#: the form field (and POST key on the delete pages) that carries the reason for a change
REASON_FIELD = "change_reason"
REASON_LABEL = "修改理由"
REASON_MAX_LENGTH = 80  # the history keeps 100 characters, services may prefix e.g. "更正:"
REASON_MISSING = "请填写修改理由。"


def reason_formfield() -> forms.CharField:
    return forms.CharField(
        label=REASON_LABEL, max_length=REASON_MAX_LENGTH, required=True,
        help_text="必填:为什么新增、修改或删除这条记录(记入修改历史,谁在何时改了什么、为什么)。",
        widget=forms.TextInput(attrs={"size": 60, "autocomplete": "off"}),
    )


def with_reason(form_class):
    """``form_class`` with the required reason field (declared, so any fields list accepts it)."""
    if REASON_FIELD in getattr(form_class, "declared_fields", {}):
        return form_class
    return type(form_class.__name__, (form_class,), {REASON_FIELD: reason_formfield()})


def _delete_selected_with_reason(modeladmin, request, queryset):
    """Django's bulk delete, asking for the reason on its confirmation page."""
    if request.POST.get("post"):
        reason = request.POST.get(REASON_FIELD, "").strip()[:REASON_MAX_LENGTH]
        if reason:
            request.cobuild_change_reason = reason
        else:
            post = request.POST.copy()
            post.pop("post", None)
            request.POST = post  # back to the confirmation page
            request.cobuild_reason_error = REASON_MISSING
    return delete_selected(modeladmin, request, queryset)


class ReasonAdminMixin:
    """Asks for a reason (修改理由) on every add, change and delete; ``change_reason(request, form)``
    gives it to the save, ``request.cobuild_change_reason`` to the delete. History pages cannot
    revert (a revert would save without the services)."""

    delete_confirmation_template = "admin/cobuild/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/cobuild/delete_selected_confirmation.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form = with_reason(self.form)
        if getattr(self, "add_form", None) is not None:
            self.add_form = with_reason(self.add_form)

    def asks_reason(self, request, obj=None) -> bool:
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(name, {**opts, "fields": [f for f in opts["fields"] if f != REASON_FIELD]})
                     for name, opts in super().get_fieldsets(request, obj)]
        if self.asks_reason(request, obj):
            fieldsets.append((REASON_LABEL, {"fields": [REASON_FIELD]}))
        return fieldsets

    @staticmethod
    def change_reason(form) -> str:
        return form.cleaned_data[REASON_FIELD].strip()

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (_delete_selected_with_reason, name, description)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST":
            reason = request.POST.get(REASON_FIELD, "").strip()[:REASON_MAX_LENGTH]
            if reason:
                request.cobuild_change_reason = reason
            else:
                request.POST = QueryDict()  # not confirmed: show the page again, with the message
                request.cobuild_reason_error = REASON_MISSING
        return super().delete_view(request, object_id, extra_context)

    @staticmethod
    def delete_reason(request) -> str:
        reason = getattr(request, "cobuild_change_reason", "")
        if not reason:
            raise PermissionDenied(REASON_MISSING)
        return reason

    def delete_one(self, request, obj, reason: str) -> None:
        """Delete one record with the reason in its history (ServiceAdmin: through the service)."""
        obj._change_reason = reason
        obj.delete()

    def delete_model(self, request, obj):
        self.delete_one(request, obj, self.delete_reason(request))

    def delete_queryset(self, request, queryset):
        reason = self.delete_reason(request)
        with transaction.atomic():  # all or nothing: one refusal undoes the whole bulk delete
            for obj in queryset:
                self.delete_one(request, obj, reason)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("历史版本只能查看;如需更正,请在修改页面填写并说明理由。")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Derived data (summary, contributions, record scopes): nobody edits it here (the services
    and ``rebuild_metrics`` keep it); only superusers read it unless ``superusers_only`` is off
    (then the subclass scopes its rows)."""

    show_full_result_count = False
    paginator = CappedPaginator  # millions of rows: no exact COUNT(*) per page view
    superusers_only = True

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.none() if self.superusers_only and not request.user.is_superuser else qs

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceModelForm(forms.ModelForm):
    """A model form whose ``clean`` asks the admin's service whether the save would succeed."""

    _service_admin: ServiceAdmin | None = None
    _service_request = None

    def clean(self):
        data = super().clean()
        admin, request = self._service_admin, self._service_request
        if admin is None or self._errors:
            return data
        if self.instance.pk is None and self._code_taken(admin, data):
            return data  # the service would answer differently for a record out of scope
        current = admin.fresh(self.instance)
        try:
            with transaction.atomic():
                admin.save_through_service(request, current, admin.service_values(self, current))
                raise _DryRun
        except _DryRun:
            pass
        except PermissionDenied as e:
            self.add_error(None, str(e) or "您没有权限进行此操作。")
        except ValidationError as e:
            self._add_service_error(e)
        return data

    def _code_taken(self, admin, data) -> bool:
        """On an add: a code already held by any record, in scope or not, gets the one neutral
        message (``cobuild.codes``) and the service is not asked (its upsert would refuse a
        record out of scope with "no permission", telling that the code exists)."""
        model = self._meta.model
        taken = False
        for name in admin.identity_fields:
            value = data.get(name)
            if name in CODE_FIELDS and value and model._default_manager.filter(**{name: value}).exists():
                self.add_error(name, code_unusable_message(value))
                taken = True
        return taken

    def _add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            if field in self.fields and field in self.cleaned_data:
                self.add_error(field, errors)
            else:
                self.add_error(None, errors)


def scoped_users(user):
    """The accounts a non-superuser may see and pick: those holding a role inside their scope,
    superusers excepted (None = every account)."""
    q = scope_q(user, "role_grants__unit__path")
    if q is None:
        return None
    return User.objects.filter(pk__in=User.objects.filter(q).values("pk")).exclude(is_superuser=True)


def scoped_choices(model, user):
    """The rows of ``model`` the user may pick in a form (None = no limit needed)."""
    if model is User:
        return scoped_users(user)
    manager = model._default_manager
    if hasattr(manager, "for_user"):
        return manager.for_user(user)
    return None


class ScopedPagesMixin:
    """Another scope's change, delete and history pages are 404 (``get_queryset`` is scoped)."""

    def _check_in_scope(self, request, object_id):
        try:
            found = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            found = False
        if not found:
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._check_in_scope(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ServiceAdmin(ReasonAdminMixin, ScopedPagesMixin, SimpleHistoryAdmin):
    """Scoped by ``for_user``; saves through :meth:`save_through_service` and deletes through
    :meth:`delete_through_service`, each with the reason given (``values[REASON_FIELD]``)."""

    form = ServiceModelForm
    # A province's records run to millions: the changelist counts at most 10,001 rows
    # (cobuild.pagination) and never the unfiltered total.
    paginator = CappedPaginator
    show_full_result_count = False
    #: fields that identify the record to the outside (codes, slugs): fixed once created
    identity_fields: tuple[str, ...] = ()

    # --- the service ----------------------------------------------------------------------------

    def save_through_service(self, request, current, values: dict):
        """Create (``current`` None) or update ``current`` with ``values``; return the record."""
        raise NotImplementedError

    def can_change(self, user, obj) -> bool:
        return True

    def delete_through_service(self, request, obj, reason: str) -> None:
        """Delete ``obj``. Without a delete service of their own, records are corrected, not
        removed: only superusers delete, and the reason goes into the history."""
        if not can_delete_records(request.user):
            raise PermissionDenied("只有系统管理员可以删除该记录。")
        obj._change_reason = reason
        obj.delete()

    def can_delete(self, user, obj) -> bool:
        return can_delete_records(user)

    @staticmethod
    def fresh(obj):
        """The record as stored (services check permissions against the stored values)."""
        if obj is None or obj.pk is None:
            return None
        return type(obj)._default_manager.get(pk=obj.pk)

    @staticmethod
    def service_values(form, current) -> dict:
        values = {}
        if current is not None:
            values = {f.name: getattr(current, f.name) for f in current._meta.concrete_fields}
        values.update(form.cleaned_data)
        return values

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form._service_admin, form._service_request = self, request
        return form

    def save_model(self, request, obj, form, change):
        current = self.fresh(obj) if change else None
        saved = self.save_through_service(request, current, self.service_values(form, current))
        obj.pk = saved.pk
        for f in obj._meta.concrete_fields:
            setattr(obj, f.attname, getattr(saved, f.attname))

    def save_related(self, request, form, formsets, change):
        """Nothing: the service wrote the record's relations (m2m included); inlines are read-only."""

    def construct_change_message(self, request, form, formsets, add=False):
        return super().construct_change_message(request, form, [], add)  # the inlines were not saved

    def delete_one(self, request, obj, reason: str) -> None:
        self.delete_through_service(request, obj, reason)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or self.can_delete(request.user, obj))

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += tuple(f for f in self.identity_fields if f not in readonly)
        return readonly

    # --- scope ----------------------------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            qs = scoped_choices(db_field.related_model, request.user)
            if qs is not None:
                kwargs["queryset"] = qs
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            qs = scoped_choices(db_field.related_model, request.user)
            if qs is not None:
                kwargs["queryset"] = qs
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or self.can_change(request.user, obj))
