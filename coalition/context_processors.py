from typing import Any

from django.conf import settings
from django.http import HttpRequest

from coalition.roles import is_staff_member, user_roles


def coalition(request: HttpRequest) -> dict[str, Any]:
    """Values every page needs: the coalition's name, the hotline number, the user's roles."""
    user = getattr(request, "user", None)
    return {
        "COALITION_NAME": settings.COALITION_NAME,
        "HOTLINE_PHONE": settings.HOTLINE_PHONE,
        "user_roles": user_roles(user) if user is not None else set(),
        "is_staff_member": is_staff_member(user) if user is not None else False,
    }
