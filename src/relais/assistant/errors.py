"""Error answers in French: the pages (templates 400/403/404/500.html), and JSON under /api/ for programs."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.templatetags.static import static
from django.views import defaults

logger = logging.getLogger(__name__)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _request_id(request: HttpRequest) -> str:
    """The id of this request in the logs, set by operations.middleware (an app below cannot import it)."""
    return getattr(request, "request_id", "")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Requête incorrecte."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Accès refusé."}, status=403)
    return defaults.permission_denied(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Introuvable."}, status=404)
    return defaults.page_not_found(request, exception)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """An expired or missing form token (a page left open past its session, cookies refused): a French page
    saying what to do, instead of Django's English one."""
    if _is_api(request):
        return JsonResponse({"detail": "Jeton de sécurité absent ou expiré."}, status=403)
    return HttpResponse(loader.render_to_string("403_csrf.html", request=request), status=403)


def _stylesheet() -> str:
    try:
        return static("relais/relais.css")
    except ValueError:  # a manifest storage without the file: the page still shows, unstyled
        return ""


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the context processors: they read the database, which may be what just failed."""
    if _is_api(request):
        return JsonResponse(
            {"detail": "Erreur du serveur, enregistrée pour les administrateurs.", "request_id": _request_id(request)},
            status=500,
        )
    context = {
        "town_name": settings.RELAIS.town_name,
        "town_color": settings.RELAIS.town_color,
        "stylesheet": _stylesheet(),
        "request_id": _request_id(request),
    }
    try:
        page = loader.render_to_string("500.html", context)
    except Exception:  # never fail while reporting a failure
        logger.exception("the 500 page could not be rendered")
        return HttpResponse("<h1>Une erreur est survenue</h1>", status=500)
    return HttpResponse(page, status=500)
