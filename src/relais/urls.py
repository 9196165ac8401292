from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path
from django.views.static import serve

from relais.knowledge import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    # One small machine, no front web server: the ASGI app serves the collected static files itself.
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": settings.STATIC_ROOT}),
]
