from django.urls import path

from relais.insights import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("lacunes/", views.gaps, name="gaps"),
    path("export/<slug:slug>.csv", views.export, name="export"),
    path("rapport.<str:fmt>", views.report, name="report"),
]
