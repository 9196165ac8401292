"""The référents' forms: a tool, the practices, a task — French labels and help, checked as the import checks."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from relais.diagnostic.models import AwarenessAction, Chantier, Practice, Task, Tool, WorkingSession

SCALE_REPETITIVENESS = [
    (1, "1 — chaque cas est différent"),
    (2, "2 — souvent différent"),
    (3, "3 — à moitié répétitive"),
    (4, "4 — presque toujours pareil"),
    (5, "5 — toujours pareil"),
]
SCALE_DIGITAL = [
    (1, "1 — tout arrive sur papier"),
    (2, "2 — surtout sur papier"),
    (3, "3 — moitié papier, moitié numérique"),
    (4, "4 — surtout numérique"),
    (5, "5 — tout arrive déjà sous forme numérique"),
]
SCALE_SATISFACTION = [(n, f"{n} — {text}") for n, text in
                      [(1, "très insatisfaits"), (2, "insatisfaits"), (3, "mitigés"), (4, "satisfaits"),
                       (5, "très satisfaits")]]  # fmt: skip
SCALE_SKILLS = [(n, f"{n} — {text}") for n, text in
                [(1, "la plupart ont besoin d'aide"), (2, "aide fréquente"), (3, "autonomes sur l'essentiel"),
                 (4, "à l'aise"), (5, "service autonome, il aide les autres")]]  # fmt: skip


class ScopedForm(forms.ModelForm):
    """A form of one service in one campaign: both are fixed by the page, never posted."""

    unique_field = ""
    unique_message = ""

    def __init__(self, *args, campaign, service, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.campaign, self.instance.service = campaign, service

    def clean(self):
        data = super().clean()
        value = data.get(self.unique_field) if self.unique_field else None
        if value:
            same = (
                type(self.instance)
                .objects.filter(
                    campaign=self.instance.campaign,
                    service=self.instance.service,
                    **{f"{self.unique_field}__iexact": value},
                )
                .exclude(pk=self.instance.pk)
            )
            if same.exists():
                self.add_error(self.unique_field, self.unique_message)
        return data


class ToolForm(ScopedForm):
    unique_field, unique_message = "name", "Ce service a déjà un outil de ce nom."
    satisfaction = forms.TypedChoiceField(label="Satisfaction des utilisateurs", choices=SCALE_SATISFACTION, coerce=int)

    class Meta:
        model = Tool
        fields = ["name", "use", "hosting", "users", "satisfaction", "pains"]
        widgets = {"use": forms.Textarea(attrs={"rows": 2}), "pains": forms.Textarea(attrs={"rows": 3})}


class PracticeForm(ScopedForm):
    skills_level = forms.TypedChoiceField(label="Aisance numérique des agents", choices=SCALE_SKILLS, coerce=int)

    class Meta:
        model = Practice
        fields = ["skills_level", "skills", "needs"]
        widgets = {"skills": forms.Textarea(attrs={"rows": 4}), "needs": forms.Textarea(attrs={"rows": 4})}


class TaskForm(ScopedForm):
    unique_field, unique_message = "title", "Ce service a déjà une tâche de ce nom."
    repetitiveness = forms.TypedChoiceField(label="Répétitivité", choices=SCALE_REPETITIVENESS, coerce=int)
    digital_input = forms.TypedChoiceField(label="Part des données déjà numériques", choices=SCALE_DIGITAL, coerce=int)

    class Meta:
        model = Task
        fields = [
            "title", "tool", "frequency_per_month", "minutes_per_occurrence", "agents", "repetitiveness",
            "digital_input", "personal_data", "decision_about_people", "comment", "collection", "procedure",
        ]  # fmt: skip
        widgets = {"comment": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "minutes_per_occurrence": "Temps d'agent pour une fois, en minutes (2,5 accepté).",
            "collection": "Si la tâche est servie par une collection de Relais : ses résultats seront comparés.",
            "procedure": "Si la tâche est servie par une démarche guidée de Relais.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ["frequency_per_month", "minutes_per_occurrence"]:
            self.fields[name].localize = True
            self.fields[name].widget = forms.TextInput(attrs={"inputmode": "decimal"})
            self.fields[name].widget.is_localized = True  # shows « 2,5 », as the référents write it


SCALE_VALUE = [(n, f"{n} — {text}") for n, text in
               [(1, "gain faible"), (2, "gain modeste"), (3, "gain net"), (4, "gain important"),
                (5, "gain majeur")]]  # fmt: skip
SCALE_EFFORT = [(n, f"{n} — {text}") for n, text in
                [(1, "quelques jours"), (2, "quelques semaines"), (3, "un à deux mois"), (4, "un trimestre"),
                 (5, "plusieurs mois, un projet")]]  # fmt: skip


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class TaskChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, task) -> str:
        return f"{task.service.name} — {task.title}"


class SessionForm(ScopedForm):
    class Meta:
        model = WorkingSession
        fields = ["held_on", "participants", "tasks", "decisions"]
        widgets = {
            "held_on": DateInput(),
            "participants": forms.Textarea(attrs={"rows": 4}),
            "decisions": forms.Textarea(attrs={"rows": 4}),
            "tasks": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the service's own tasks: the group speaks for its service.
        self.fields["tasks"].queryset = Task.objects.filter(
            campaign=self.instance.campaign, service=self.instance.service
        ).order_by("title")

    def clean_held_on(self):
        held_on = self.cleaned_data["held_on"]
        same = WorkingSession.objects.filter(
            campaign=self.instance.campaign, service=self.instance.service, held_on=held_on
        ).exclude(pk=self.instance.pk)
        if same.exists():
            raise forms.ValidationError("Une séance de ce groupe est déjà notée à cette date.")
        return held_on


class ChantierForm(ScopedForm):
    unique_field, unique_message = "name", "Un chantier de ce nom existe déjà dans la feuille de route."
    value = forms.TypedChoiceField(label="Valeur", choices=SCALE_VALUE, coerce=int)
    effort = forms.TypedChoiceField(label="Effort", choices=SCALE_EFFORT, coerce=int)

    class Meta:
        model = Chantier
        fields = ["name", "description", "tasks", "value", "effort", "owner", "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "tasks": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The carrying service's tasks, and those a transverse chantier already groups (kept when saved).
        own = Q(service=self.instance.service) | Q(pk__in=self.instance.tasks.all() if self.instance.pk else [])
        self.fields["tasks"] = TaskChoices(
            queryset=Task.objects.filter(own, campaign=self.instance.campaign)
            .select_related("service")
            .order_by("service__name", "title"),
            required=False,
            label="Tâches regroupées",
            widget=forms.CheckboxSelectMultiple,
        )

    def clean(self):
        # A chantier's name is unique in the whole campaign, not only in its service.
        data = forms.ModelForm.clean(self)
        name = data.get("name")
        if name:
            same = Chantier.objects.filter(campaign=self.instance.campaign, name__iexact=name)
            if same.exclude(pk=self.instance.pk).exists():
                self.add_error("name", self.unique_message)
        return data


class AwarenessForm(ScopedForm):
    class Meta:
        model = AwarenessAction
        fields = ["kind", "held_on", "attendees", "names"]
        widgets = {"held_on": DateInput(), "names": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if data.get("kind") and data.get("held_on"):
            same = AwarenessAction.objects.filter(
                campaign=self.instance.campaign, service=self.instance.service, kind=data["kind"],
                held_on=data["held_on"],
            ).exclude(pk=self.instance.pk)  # fmt: skip
            if same.exists():
                self.add_error("held_on", "Cette action est déjà notée à cette date pour ce service.")
        return data
