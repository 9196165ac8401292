from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from relais.accounts.charter import needs_acceptance

# Pages reachable before accepting: the charter itself, signing out, and what pages need to display.
# The citizens' side (/citoyens/, its API) is anonymous: an agent who has not accepted the charter may read it too.
OPEN_PREFIXES = ("/charte/", "/deconnexion/", "/connexion/", "/static/", "/logo", "/citoyens/", "/api/v1/public/")

CHARTER_REQUIRED = "Acceptez la charte d'utilisation de l'assistant IA avant d'utiliser Relais : {url}"


class CharterMiddleware:
    """Every signed-in user accepts the current charter before first use, and again after each new version."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(OPEN_PREFIXES) and needs_acceptance(request.user):
            url = reverse("charter")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": CHARTER_REQUIRED.format(url=url)}, status=403)
            return redirect(f"{url}?next={request.get_full_path()}")
        return self.get_response(request)
