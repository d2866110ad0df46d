"""Corrections (更正) and record history, shared by the pages of pairings and campaigns.

A county admin (or a superuser) corrects a record from its page: the record's own edit form plus
a required reason (``with_reason``), posted to the record's ``<kind>_save`` service with
``correction=True``; the history then shows who, when, what and why (``history_rows``).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.shortcuts import render

from .policy import REASON_MAX_LENGTH

REASON_FIELD = "reason"
# Bookkeeping fields never shown as "what changed".
HIDDEN_FIELDS = {"id", "created_at", "updated_at", "version", "last_logged_on", "review_comment",
                 "reviewed_at", "reviewed_by"}


def with_reason(form: forms.Form, label: str = "更正理由", example: str = "村里报来的签到表为35人,原填53人系笔误") -> forms.Form:
    """Put the required reason of a correction first on ``form`` (it renders with the rest);
    ``example`` is the placeholder's sample reason, fitting the kind of record."""
    required = "更正记录必须说明理由。"
    field = forms.CharField(
        label=label, max_length=REASON_MAX_LENGTH,
        # The phone form's check before sending says what the server would (static/js/activity_form.js).
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": f"如:{example}", "data-required-message": required}),
        help_text="必填。理由和修改内容会记入历史,所有能看到该记录的人都能看到。",
        error_messages={"required": required},
    )
    form.fields = {REASON_FIELD: field, **{k: v for k, v in form.fields.items() if k != REASON_FIELD}}
    helper = getattr(form, "helper", None)
    layout = getattr(helper, "layout", None)
    if layout is not None and REASON_FIELD not in [p.name for p in layout.get_field_names()]:
        layout.fields.insert(0, REASON_FIELD)
    if helper is not None and getattr(helper, "inputs", None):
        from crispy_forms.layout import Submit

        helper.inputs = [Submit("submit", "保存更正", css_class="btn-danger")]
    return form


def save_correction(form, save) -> bool:
    """Call ``save()`` (the record's service with ``correction=True``); a refusal becomes an
    error on ``form``. True when the correction was saved."""
    from .forms import add_service_error

    try:
        save()
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return False
    except ValidationError as exc:
        add_service_error(form, exc)
        return False
    return True


def require_correct(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("只有县级组织部管理员可以更正记录。")


def _display(record, field, value):
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        related = getattr(record, field.name, None)
        return str(related) if related is not None else "—"
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    return str(value)


def _changes(model, new, old) -> list[tuple[str, str, str]]:
    """(field label, before, after) for each field that differs between two history rows."""
    fields = [f for f in model._meta.concrete_fields if f.name not in HIDDEN_FIELDS]
    out = []
    for f in fields:
        before, after = getattr(old, f.attname, None), getattr(new, f.attname, None)
        if before != after:
            out.append((str(f.verbose_name), _display(old, f, before), _display(new, f, after)))
    return out


def history_rows(record, limit: int = 30) -> list:
    """The record's history, newest first: each row has ``history_user`` (who),
    ``history_date`` (when), ``history_change_reason`` (why) and ``changes`` (what: label,
    before, after), so a correction reads "更正:<reason>" with the figures it changed."""
    rows = list(record.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit + 1])
    model = type(record)
    for i, h in enumerate(rows[:limit]):
        older = rows[i + 1] if i + 1 < len(rows) else None
        h.changes = _changes(model, h, older) if older is not None and h.history_type == "~" else []
    return rows[:limit]


def correction_page(request, *, form, record, title: str, back_url: str, back_label: str, extra=None,
                    template: str = "pairings/record_correct.html"):
    """Render a record's correction form with its history."""
    return render(request, template, {
        "form": form, "record": record, "title": title, "back_url": back_url, "back_label": back_label,
        "history": history_rows(record), **(extra or {}),
    })
