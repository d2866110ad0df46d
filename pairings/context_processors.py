from .policy import can_supervise


def navigation(request):
    """Menu flag: whether the user supervises (inspections, rectification) anywhere (``policy``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_can_supervise": can_supervise(user)}
