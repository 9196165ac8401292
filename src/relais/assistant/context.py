from django.conf import settings
from django.http import HttpRequest


def town(request: HttpRequest) -> dict:
    """The town's name and colour on every page (its own theme: the State's DSFR is not for communes)."""
    return {"town_name": settings.RELAIS.town_name, "town_color": settings.RELAIS.town_color}
