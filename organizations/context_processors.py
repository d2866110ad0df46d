from .models import MANAGER_ROLES, Role
from .scoping import user_grants


def navigation(request):
    """Flags for the menu: what the logged-in user's roles let them reach."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = {g.role for g in user_grants(user)}
    su = user.is_superuser
    return {
        "nav_can_import": su or bool(roles & set(MANAGER_ROLES)),
        "nav_can_review": su or bool(roles & {Role.COUNTY_ADMIN, Role.TOWNSHIP_STAFF}),
        "nav_can_log": su or bool(roles - {Role.VIEWER, Role.INSPECTOR}),
        "nav_can_supervise": su or bool(roles & {Role.COUNTY_ADMIN, Role.INSPECTOR}),
    }
