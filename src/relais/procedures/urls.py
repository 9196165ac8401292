from django.urls import path

from relais.procedures import views

urlpatterns = [
    path("", views.my_procedures, name="my_procedures"),
    path("a-valider/", views.to_approve, name="procedures_to_approve"),
    path("commencer/<slug:slug>/", views.start, name="procedure_start"),
    path("<int:run_id>/", views.run_page, name="procedure_run"),
    path("<int:run_id>/modifier/<str:field>/", views.edit_field, name="procedure_edit"),
    path("<int:run_id>/formulaire/", views.form_page, name="procedure_form"),
    path("<int:run_id>/confirmer/", views.confirm, name="procedure_confirm"),
    path("<int:run_id>/abandonner/", views.abandon, name="procedure_abandon"),
    path("<int:run_id>/etape-en-echec/", views.failed_step, name="procedure_failed_step"),
    path("<int:run_id>/decision/", views.decision, name="procedure_decision"),
    path("<int:run_id>/demande.<str:extension>", views.download, name="procedure_document"),
]
