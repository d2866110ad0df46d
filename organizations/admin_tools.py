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
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from .models import User
from .scoping import scope_q


class _DryRun(Exception):
    pass


class ServiceModelForm(forms.ModelForm):
    """A model form whose ``clean`` asks the admin's service whether the save would succeed."""

    _service_admin: ServiceAdmin | None = None
    _service_request = None

    def clean(self):
        data = super().clean()
        admin, request = self._service_admin, self._service_request
        if admin is None or self._errors:
            return data
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

    def _add_service_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            if field in self.fields and field in self.cleaned_data:
                self.add_error(field, errors)
            else:
                self.add_error(None, errors)


def scoped_choices(model, user):
    """The rows of ``model`` the user may pick in a form (None = no limit needed)."""
    if model is User:
        q = scope_q(user, "role_grants__unit__path")
        return None if q is None else User.objects.filter(q).distinct()
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


class ServiceAdmin(ScopedPagesMixin, SimpleHistoryAdmin):
    """Scoped by ``for_user``; saves through :meth:`save_through_service`."""

    form = ServiceModelForm
    #: fields that identify the record to the outside (codes, slugs): fixed once created
    identity_fields: tuple[str, ...] = ()

    # --- the service ----------------------------------------------------------------------------

    def save_through_service(self, request, current, values: dict):
        """Create (``current`` None) or update ``current`` with ``values``; return the record."""
        raise NotImplementedError

    def can_change(self, user, obj) -> bool:
        return True

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

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or self.can_change(request.user, obj))
