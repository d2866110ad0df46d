"""Template helpers of the activity pages."""

from decimal import Decimal

from django import template

from campaigns.models import ReviewStatus

register = template.Library()

STATUS_CLASSES = {
    ReviewStatus.SUBMITTED: "text-bg-warning",
    ReviewStatus.VERIFIED: "text-bg-success",
    ReviewStatus.RETURNED: "text-bg-danger",
}


@register.filter
def status_class(status):
    """Bootstrap badge classes for a review status."""
    return STATUS_CLASSES.get(status, "text-bg-secondary")


@register.filter
def plain_number(value):
    """A Decimal without trailing zeros or exponent: 12.50 -> 12.5, 1000.00 -> 1000."""
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}"
        return text
    return value


@register.filter
def may_correct(user, unit):
    """Whether ``user`` may correct (更正) the records of ``unit``: ``{% if user|may_correct:s.unit %}``
    on pages whose view does not say (pairings.policy.can_correct)."""
    from pairings.policy import can_correct

    return can_correct(user, unit)
