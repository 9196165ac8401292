from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from relais.accounts import proconnect
from relais.accounts.views import charter
from relais.assistant import streaming, views
from relais.assistant.api import api
from relais.helpdesk.views import handler_ticket, new_ticket, queue
from relais.operations.health import healthz
from relais.operations.metrics import metrics

urlpatterns = [
    path("", views.chat, name="chat"),
    path("conversations/<int:conversation_id>/", views.chat, name="conversation"),
    path("poser/", views.ask_question, name="ask"),
    path("poser/flux/", streaming.ask_stream, name="ask_stream"),
    path("echanges/<int:exchange_id>/avis/", views.give_feedback, name="feedback"),
    path("echanges/<int:exchange_id>/transmettre/", new_ticket, name="new_ticket"),
    path("traitement/", queue, name="handler_queue"),
    path("traitement/<int:ticket_id>/", handler_ticket, name="handler_ticket"),
    path("pilotage/", include("relais.insights.urls")),
    path("demarches/", include("relais.procedures.urls")),
    path("diagnostic/", include("relais.diagnostic.urls")),
    path("documents/<int:document_id>/", views.document, name="document"),
    path("documents/<int:document_id>/fichier/", views.document_file, name="document_file"),
    path("logo", views.town_logo, name="town_logo"),
    path("charte/", charter, name="charter"),
    path("connexion/", proconnect.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("oidc/", include(proconnect.urlpatterns)),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),  # for load balancers and monitoring: docs/operations.md
    path("metrics", metrics, name="metrics"),  # Prometheus, from RELAIS_METRICS_NETWORKS only
]

# French error pages; JSON under /api/ (the API's own errors are answered in assistant/api.py).
handler400 = "relais.assistant.errors.bad_request"
handler403 = "relais.assistant.errors.permission_denied"
handler404 = "relais.assistant.errors.not_found"
handler500 = "relais.assistant.errors.server_error"
