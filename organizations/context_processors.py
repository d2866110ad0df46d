from .models import MANAGER_ROLES
from .scoping import user_grants


def navigation(request):
    """Flags for the menu: what the logged-in user's roles let them reach."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = user_grants(user)
    return {
        "nav_can_import": user.is_superuser or any(g.role in MANAGER_ROLES for g in grants),
    }
