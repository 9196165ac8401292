from django.urls import path

from relais.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.services, name="workspaces"),
    path("<str:service>/", views.service_workspace, name="workspace"),
]
