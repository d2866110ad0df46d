from .policy import can_log_somewhere, can_review_somewhere


def navigation(request):
    """Menu flags: whether the user logs activities and reviews them anywhere (``policy``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_can_log": can_log_somewhere(user), "nav_can_review": can_review_somewhere(user)}
