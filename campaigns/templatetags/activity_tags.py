"""Template helpers of the activity pages (no queries: the user's grants are cached)."""

from decimal import Decimal

from django import template

from campaigns.activity_selectors import can_log_somewhere, is_reviewer
from campaigns.models import ReviewStatus

register = template.Library()

STATUS_CLASSES = {
    ReviewStatus.SUBMITTED: "text-bg-warning",
    ReviewStatus.VERIFIED: "text-bg-success",
    ReviewStatus.RETURNED: "text-bg-danger",
}


@register.simple_tag(takes_context=True)
def activity_nav(context):
    """{"can_log": ..., "can_review": ...} for the menu of the activity pages."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"can_log": False, "can_review": False}
    return {"can_log": can_log_somewhere(user), "can_review": is_reviewer(user)}


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
