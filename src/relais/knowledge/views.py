from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from relais.knowledge.models import Collection, Document


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "knowledge/home.html",
        {
            "town_name": settings.RELAIS.town_name,
            "collections": Collection.objects.count(),
            "documents": Document.objects.count(),
        },
    )
