from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from relais.accounts import proconnect
from relais.accounts.views import charter
from relais.assistant import streaming, views, widget
from relais.assistant.api import api
from relais.helpdesk import agent_views, public_contact
from relais.helpdesk.views import handler_ticket, new_ticket, queue
from relais.operations.health import healthz
from relais.operations.metrics import metrics

urlpatterns = [
    path("", views.chat, name="chat"),
    path("conversations/<int:conversation_id>/", views.chat, name="conversation"),
    path("conversations/<int:conversation_id>/renommer/", views.rename_conversation, name="conversation_rename"),
    path("conversations/<int:conversation_id>/supprimer/", views.delete_conversation, name="conversation_delete"),
    path("poser/", views.ask_question, name="ask"),
    path("poser/flux/", streaming.ask_stream, name="ask_stream"),
    path("echanges/<int:exchange_id>/avis/", views.give_feedback, name="feedback"),
    path("echanges/<int:exchange_id>/transmettre/", new_ticket, name="new_ticket"),
    path("traitement/", queue, name="handler_queue"),
    path("traitement/<int:ticket_id>/", handler_ticket, name="handler_ticket"),
    # The agent's tickets and what changed for them (helpdesk/agent_views.py).
    path("demandes/", agent_views.my_tickets, name="my_tickets"),
    path("demandes/<int:ticket_id>/", agent_views.my_ticket, name="my_ticket"),
    path("notifications/", agent_views.notifications, name="notifications"),
    path("notifications/<int:notification_id>/", agent_views.open_notification, name="notification_open"),
    path("notifications/tout-lu/", agent_views.read_all, name="notifications_read_all"),
    path("notifications/courriels/", agent_views.mailbox, name="local_mailbox"),
    path("pilotage/", include("relais.insights.urls")),
    path("demarches/", include("relais.procedures.urls")),
    path("diagnostic/", include("relais.diagnostic.urls")),
    path("referents/", include("relais.knowledge.urls")),
    path("citoyens/contact/", public_contact.contact, name="public_contact"),  # the hand-over's form (issue 20)
    path("citoyens/", include("relais.assistant.public_urls")),
    path("widget.js", widget.widget_js, name="widget_js"),  # the citizens' widget loader (assistant/widget.py)
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
