from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.conf import settings

from relais.assistant.models import Exchange
from relais.insights.measure import GRANULARITIES, NO_SERVICE, Period
from relais.insights.models import ServiceBaseline

MAX_DAYS = 2 * 366
# The measures add days and weeks past the period's end: a date near year 9999 overflowed into a 500.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def known_services() -> list[str]:
    services = {s for s, _ in settings.RELAIS.helpdesk_services}
    services |= set(ServiceBaseline.objects.values_list("service", flat=True))
    services |= set(Exchange.objects.exclude(service="").values_list("service", flat=True).distinct())
    return sorted(services)


class PeriodForm(forms.Form):
    start = forms.DateField(label="Du", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(label="Au", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    service = forms.ChoiceField(label="Service", required=False)
    granularity = forms.ChoiceField(
        label="Regrouper l’évolution par", choices=list(GRANULARITIES.items()), required=False
    )

    def __init__(self, data=None, *, default: Period, **kwargs):
        initial = {
            "start": default.start,
            "end": default.end,
            "service": default.service,
            "granularity": default.granularity,
        }
        if data is not None:
            data = {**{k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in initial.items()}, **data.dict()}
        super().__init__(data, initial=initial, **kwargs)
        self.default = default
        self.fields["service"].choices = [("", "Tous les services"), *((s, s) for s in known_services())]
        self.fields["service"].choices.append((NO_SERVICE, "Questions sans service identifié"))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        for name, day in (("start", start), ("end", end)):
            if day and not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(name, "Choisissez une date entre 2000 et 2099.")
                return data
        if start and end:
            if end < start:
                self.add_error("end", "La fin de la période précède son début.")
            elif end - start > timedelta(days=MAX_DAYS):
                self.add_error("start", "Choisissez une période de deux ans au plus.")
        return data

    def period(self) -> Period:
        if not self.is_valid():
            return self.default
        data = self.cleaned_data
        return Period(data["start"], data["end"], data["service"] or "", data["granularity"] or "week")
