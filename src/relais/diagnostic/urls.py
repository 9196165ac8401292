from django.urls import path

from relais.diagnostic import views

app_name = "diagnostic"

urlpatterns = [
    path("", views.index, name="index"),
    path("opportunites/", views.opportunities, name="opportunities"),
    path("feuille-de-route/", views.roadmap_page, name="roadmap"),
    path("rapport.<str:fmt>", views.report, name="report"),
    path("<slug:name>.<str:fmt>", views.download, name="download"),
    path("services/<int:pk>/", views.service, name="service"),
    path("services/<int:pk>/pratiques/", views.practice_form, name="practice"),
    path("services/<int:pk>/outils/ajouter/", views.tool_form, name="tool_add"),
    path("services/<int:pk>/outils/<int:item_pk>/", views.tool_form, name="tool"),
    path("services/<int:pk>/taches/ajouter/", views.task_form, name="task_add"),
    path("services/<int:pk>/taches/<int:item_pk>/", views.task_form, name="task"),
    path("services/<int:pk>/seances/ajouter/", views.session_form, name="session_add"),
    path("services/<int:pk>/seances/<int:item_pk>/", views.session_form, name="session"),
    path("services/<int:pk>/sensibilisation/ajouter/", views.awareness_form, name="awareness_add"),
    path("services/<int:pk>/sensibilisation/<int:item_pk>/", views.awareness_form, name="awareness"),
    path("services/<int:pk>/chantiers/ajouter/", views.chantier_form, name="chantier_add"),
    path("services/<int:pk>/chantiers/<int:item_pk>/", views.chantier_form, name="chantier"),
    path("services/<int:pk>/<slug:kind>/<int:item_pk>/supprimer/", views.delete, name="delete"),
    path("services/<int:pk>/transmettre/", views.submit, name="submit"),
]
