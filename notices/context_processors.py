from .inbox import inbox_count
from .policy import can_send_somewhere


def navigation(request):
    """The menu's 待办 badge (``inbox_count``, cached; evaluated only when the menu is rendered)
    and whether 发通知 is offered."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_inbox_count": lambda: inbox_count(user), "nav_can_send": can_send_somewhere(user)}
