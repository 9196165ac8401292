from django import forms

from relais.assistant.models import TITLE_MAX_CHARS, Feedback

MAX_QUESTION_CHARS = 1000


class QuestionForm(forms.Form):
    question = forms.CharField(
        label="Votre question",
        max_length=MAX_QUESTION_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        error_messages={
            "required": "Écrivez votre question avant d'envoyer.",
            "max_length": f"Votre question est trop longue : {MAX_QUESTION_CHARS} caractères au plus.",
        },
    )
    conversation = forms.IntegerField(required=False, widget=forms.HiddenInput)


class FeedbackForm(forms.Form):
    rating = forms.ChoiceField(choices=Feedback.Rating.choices, error_messages={"required": "Choisissez 👍 ou 👎."})
    reason = forms.ChoiceField(
        label="Raison (facultatif)", choices=[("", "—"), *Feedback.Reason.choices], required=False
    )
    comment = forms.CharField(label="Commentaire (facultatif)", max_length=1000, required=False, widget=forms.Textarea)


class RenameForm(forms.Form):
    title = forms.CharField(
        label="Nom de la conversation",
        max_length=TITLE_MAX_CHARS,
        error_messages={
            "required": "Donnez un nom à la conversation.",
            "max_length": f"Ce nom est trop long : {TITLE_MAX_CHARS} caractères au plus.",
        },
    )
