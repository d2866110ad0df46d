from .policy import can_import, oversees_units


def navigation(request):
    """Menu flags of this app (``policy``); campaigns and pairings add their own."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_can_import": can_import(user), "nav_oversees": oversees_units(user)}
