"""The référents' workspace (/referents/): the list of the user's services, and one page per service."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from relais.knowledge.workspace import referent_services, workspace

REFUSED = "Réservé aux référents du service (et aux administrateurs)."


@login_required
def services(request: HttpRequest) -> HttpResponse:
    """A référent has one service: straight to its page. An administrator chooses among all of them."""
    allowed = referent_services(request.user)
    if not allowed:
        raise PermissionDenied(REFUSED)
    if len(allowed) == 1:
        return redirect("knowledge:workspace", service=allowed[0])
    return render(request, "knowledge/workspaces.html", {"services": allowed})


@login_required
def service_workspace(request: HttpRequest, service: str) -> HttpResponse:
    if service not in referent_services(request.user):
        if request.user.is_superuser:  # an administrator sees every service: this one does not exist
            raise Http404("Service inconnu.")
        raise PermissionDenied(REFUSED)
    can_add_faq = request.user.has_perm("knowledge.add_faqentry")
    context = {"space": workspace(service, can_add_faq=can_add_faq), "can_add_faq": can_add_faq}
    return render(request, "knowledge/workspace.html", context)
