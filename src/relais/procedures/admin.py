"""Référents write their service's procedures here (YAML checked on save); runs are read-only."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from relais.admin_base import ReadOnlyAdmin
from relais.engine.procedures.definition import ProcedureError
from relais.engine.procedures.loading import parse_yaml
from relais.knowledge.admin import ServiceScopedAdmin, user_service
from relais.procedures.models import Approval, Procedure, Run

TEMPLATE = """code: demande-de-badge
titre: Demande de badge d'accès
service: {service}
version: "1"
type: demande                  # demande (récapitulatif, document, validation) ou checklist (étapes)
description: Demander un badge ou le remplacement d'un badge perdu.
declencheurs:                  # des phrases d'agents qui lancent la démarche
  - je voudrais un badge
  - j'ai perdu mon badge
document: {{titre: Demande de badge, prefixe: BADGE}}
validation: [responsable, service]   # l'ordre des validations ; [] pour aucune
minutes_economisees: 10
etapes:
  - titre: Le badge
    champs:
      - nom: motif                # minuscules, sans accent ni espace
        type: choix               # texte, date, heure, duree, montant, nombre, choix, oui_non, etape
        libelle: Motif
        question: Pourquoi demandez-vous un badge ?
        preremplir: choix
        choix:
          - {{valeur: arrivee, libelle: Arrivée dans la commune, mots_cles: [arrivee, nouveau]}}
          - {{valeur: perte, libelle: Badge perdu ou volé, mots_cles: [perdu, vole]}}
      - nom: date_souhaitee
        type: date
        libelle: Date souhaitée
        pas_dans_le_passe: true
      - nom: declaration
        type: oui_non
        libelle: Perte déclarée à l'accueil
        si: {{motif: perte}}      # demandé seulement si le motif est « perte »
"""


class ProcedureForm(forms.ModelForm):
    class Meta:
        model = Procedure
        fields = ["definition", "is_active"]
        widgets = {"definition": forms.Textarea(attrs={"rows": 30, "cols": 100, "spellcheck": "false"})}

    def __init__(self, *args, service: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.service = service
        if not self.instance.pk and not self.initial.get("definition"):
            self.initial["definition"] = TEMPLATE.format(service=service or "RH")

    def clean_definition(self) -> str:
        text = self.cleaned_data["definition"]
        try:
            definition = parse_yaml(text)
        except ProcedureError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if self.service is not None and definition.service != self.service:
            raise forms.ValidationError(
                f"Vous pouvez écrire les démarches du service {self.service or '(non renseigné)'} seulement "
                f"(la définition indique « {definition.service} »)."
            )
        return text


@admin.register(Procedure)
class ProcedureAdmin(ServiceScopedAdmin):
    form = ProcedureForm
    list_display = ["title", "service", "revision", "is_active", "updated_at", "updated_by"]
    list_filter = ["service", "is_active"]
    readonly_fields = ["slug", "title", "service", "revision", "source", "updated_at", "updated_by"]
    fields = ["definition", "is_active", *readonly_fields]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        service = user_service(request)

        class ScopedForm(form_class):
            def __init__(self, *args, **inner) -> None:
                super().__init__(*args, service=service, **inner)

        return ScopedForm

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class ApprovalInline(admin.TabularInline):
    model = Approval
    extra = 0
    can_delete = False
    fields = ["position", "label", "approver", "service", "decision", "comment", "decided_by", "decided_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin, ServiceScopedAdmin):
    service_field = "procedure__service"
    list_display = ["__str__", "user", "service", "status", "created_at", "submitted_at", "completed_at"]
    list_filter = ["status", ("procedure", admin.RelatedOnlyFieldListFilter)]  # a référent's procedures only
    inlines = [ApprovalInline]
