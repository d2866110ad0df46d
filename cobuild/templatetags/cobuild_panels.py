"""``{% panels "page" obj %}``: the sections other apps register for a page (cobuild.panels)."""

from django import template
from django.utils.safestring import mark_safe

from cobuild.panels import render_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def panels(context, page, obj):
    request = context.get("request")
    if request is None:
        return ""
    return mark_safe(render_panels(page, request, obj))  # nosec B308 B703: our own rendered templates
