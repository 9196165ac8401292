"""Who sees the dashboard: the « Pilotage » group (digital leads), the référents, and administrators."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

PERMISSION = "insights.view_dashboard"


def can_view_dashboard(user) -> bool:
    return user.is_authenticated and user.has_perm(PERMISSION)


def dashboard_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_view_dashboard(request.user):
            raise PermissionDenied("Réservé au pilotage de l'assistant (groupe « Pilotage » et référents).")
        return view(request, *args, **kwargs)

    return wrapper
