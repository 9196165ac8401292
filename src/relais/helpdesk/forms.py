from django import forms

from relais.helpdesk.models import Status, Urgency
from relais.helpdesk.tickets import services


class TicketForm(forms.Form):
    title = forms.CharField(
        label="Titre", max_length=200, error_messages={"required": "Donnez un titre à votre demande."}
    )
    description = forms.CharField(
        label="Votre demande",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=(
            "Précisez ce qui vous manque. N'indiquez ni données de santé, ni numéro de sécurité sociale, ni "
            "coordonnées bancaires, ni mot de passe : ils seraient masqués à l'enregistrement."
        ),
        error_messages={"required": "Décrivez votre demande."},
    )
    service = forms.ChoiceField(label="Service destinataire")
    category = forms.CharField(label="Sujet", max_length=100, required=False)
    urgency = forms.TypedChoiceField(label="Urgence", choices=Urgency.choices, coerce=int, initial=Urgency.MEDIUM)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [(s, s) for s in services()]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Réponse à l'agent", widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=10000
    )
    status = forms.ChoiceField(label="Statut", choices=Status.choices)

    def clean(self):
        data = super().clean()
        return data


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Statut", choices=[("", "Tous les statuts ouverts"), *Status.choices], required=False
    )
    service = forms.ChoiceField(label="Service", required=False)

    def __init__(self, *args, services_handled: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "Tous mes services"), *((s, s) for s in services_handled)]


class AgentReplyForm(forms.Form):
    body = forms.CharField(
        label="Votre réponse",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=(
            "Répondez à la question du service ou ajoutez une précision. N'indiquez ni données de santé, ni numéro "
            "de sécurité sociale, ni coordonnées bancaires, ni mot de passe : ils seraient masqués."
        ),
        error_messages={"required": "Écrivez votre réponse."},
    )
