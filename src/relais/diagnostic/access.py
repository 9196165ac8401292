"""Who sees and who fills the diagnosis.

A service's référents numériques (`Service.referents`) fill its tools, practices and tasks, and nothing else. The
digital leads (the « Pilotage » group, or anyone given `diagnostic.view_all_services`) and administrators see every
service; only administrators and the service's référents edit. Everyone else gets the French 403 page.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from relais.accounts.roles import PILOTAGE
from relais.diagnostic.models import Service

DENIED = "Réservé aux référents numériques des services et au pilotage du diagnostic numérique."


def sees_everything(user) -> bool:
    if not user.is_authenticated:
        return False
    return (
        user.is_superuser or user.has_perm("diagnostic.view_all_services") or user.groups.filter(name=PILOTAGE).exists()
    )


def own_services(user):
    return Service.objects.filter(referents=user) if user.is_authenticated else Service.objects.none()


def visible_services(user):
    return Service.objects.all() if sees_everything(user) else own_services(user)


def editable_services(user):
    """The services whose items this user may add or change: all for an administrator, else their own."""
    return Service.objects.all() if user.is_superuser else own_services(user)


def can_open(user) -> bool:
    return sees_everything(user) or own_services(user).exists()


def can_edit(user, service: Service) -> bool:
    return user.is_superuser or own_services(user).filter(pk=service.pk).exists()


def diagnostic_required(view):
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not can_open(request.user):
            raise PermissionDenied(DENIED)
        return view(request, *args, **kwargs)

    return wrapper


def service_for(request: HttpRequest, pk: int, *, edit: bool = False) -> Service:
    """The service if this user may see it (another service's page is « not found »), and edit it when asked."""
    service = visible_services(request.user).filter(pk=pk).first()
    if service is None:
        raise Http404("Service inconnu.")
    if edit and not can_edit(request.user, service):
        raise PermissionDenied("Seuls les référents numériques de ce service le modifient.")
    return service


def navigation(request: HttpRequest) -> dict:
    """The « Diagnostic numérique » menu entry, computed only when a page shows the menu."""
    return {"shows_diagnostic": lambda: can_open(getattr(request, "user", None) or AnonymousUser())}
