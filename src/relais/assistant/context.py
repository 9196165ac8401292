from django.conf import settings
from django.http import HttpRequest

from relais.accounts.roles import handled_services


def town(request: HttpRequest) -> dict:
    """The town's name and colour on every page (its own theme: the State's DSFR is not for communes)."""
    config = settings.RELAIS
    context = {
        "town_name": config.town_name,
        "town_color": config.town_color,
        "town_logo": config.town_logo is not None,
        "town_notice": config.town_notice,
    }
    context["llm_streaming"] = settings.RELAIS.generator != "extractive"  # the chat streams generated answers
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["handled_services"] = handled_services(user)
        # Managers approve their team's requests (ordre de mission…); handlers approve for their service.
        context["approves_requests"] = bool(context["handled_services"]) or user.team_profiles.exists()
    return context
