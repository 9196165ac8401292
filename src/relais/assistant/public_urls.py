"""The public mode's pages under /citoyens/ (public_views.py): the chat, and the public documents it cites."""

from django.urls import path

from relais.assistant import public_views, widget

app_name = "public"

urlpatterns = [
    path("", public_views.chat, name="chat"),
    path("integre/", widget.embedded_chat, name="embedded"),  # the widget's frame (assistant/widget.py)
    path("documents/<int:document_id>/", public_views.document, name="document"),
    path("documents/<int:document_id>/fichier/", public_views.document_file, name="document_file"),
]
