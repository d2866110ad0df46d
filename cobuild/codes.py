"""Codes (external ids) and what the portal says about them (README, "可靠性与安全").

Codes are unique across the whole database, but a user sees only their scope. So that nobody
can learn which codes exist outside their scope, every place that refuses a code answers alike:

- a *reference* to a code the user cannot see reads exactly as one to a code that does not
  exist (:func:`not_found_message`, the importer's references);
- a *new* record whose code is already taken gets one neutral message, whoever holds the code
  (:func:`code_unusable_message`): the importer, the model's unique validation (the admin and
  every service's ``full_clean``, through :class:`NeutralCodeMixin`) and the campaign form.

Imports no app.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

CODE_FIELDS = ("code", "slug")


def code_unusable_message(code) -> str:
    return f"编码“{code}”不可用,请换一个编码。"


def not_found_message(code, label: str = "记录") -> str:
    return f"找不到编码为“{code}”的{label}(或不在您的管理范围内)。"


class NeutralCodeMixin:
    """For a model with a unique ``code``/``slug``: a clash reads :func:`code_unusable_message`
    instead of Django's "具有此编码的…已存在", which would say that such a record exists."""

    def unique_error_message(self, model_class, unique_check):
        if len(unique_check) == 1 and unique_check[0] in CODE_FIELDS:
            return ValidationError(code_unusable_message(getattr(self, unique_check[0])), code="unique")
        return super().unique_error_message(model_class, unique_check)
