"""Cost estimates of a request (the ordre de mission's meals, nights and travel from the barème)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from relais.engine.procedures.definition import ProcedureDefinition, ProcedureError
from relais.engine.procedures.filling import euros, plain_number

# --------------------------------------------------------------------------------------------------
# Cost estimates
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    label: str
    detail: str
    amount: Decimal


@dataclass(frozen=True)
class Estimate:
    lines: tuple[CostLine, ...]
    source: str  # the document the rates come from

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))


def _in_mission(start: datetime, end: datetime, day: date, begin: time, finish: time) -> bool:
    return start <= datetime.combine(day, begin) and datetime.combine(day, finish) <= end


class MissionCosts:
    """Estimated costs of an ordre de mission from the national rates (the barème the procedure cites).

    Meals: the mission covers 11 h–14 h (lunch) or 18 h–21 h (dinner) that day; nights: it covers 0 h–5 h.
    A personal car is paid per kilometre by fiscal power and annual tranche (up to 2 000 km, to 10 000 km,
    beyond), starting from the kilometres already driven for work this calendar year: a trip that crosses a
    threshold is paid at each tranche's rate. Train tickets are booked by the town: an estimate only if the agent
    gives one.
    """

    tranches = (2000, 10000)  # annual kilometres where the rate changes

    needs = ("date_depart", "heure_depart", "date_retour", "heure_retour", "transport")
    rate_keys = ("repas", "nuitee", "kilometre")

    def check(self, procedure: ProcedureDefinition) -> None:
        names = {spec.name for spec in procedure.fields}
        missing = [name for name in self.needs if name not in names]
        if missing:
            raise ProcedureError(
                f"Démarche : l'estimation « frais_de_mission » a besoin des champs {', '.join(missing)}."
            )
        absent = [key for key in self.rate_keys if key not in procedure.rates]
        if absent:
            raise ProcedureError(f"Démarche : « baremes » doit donner {', '.join(absent)}.")
        self._check_rates(procedure.rates)
        # Every choice the agent can make must have its rate, or the estimate would fail mid-way.
        for name, table in (("puissance_fiscale", "kilometre"), ("zone_hebergement", "nuitee")):
            if name in names and procedure.field(name).type == "choice":
                missing = [c.value for c in procedure.field(name).choices if c.value not in procedure.rates[table]]
                if missing:
                    raise ProcedureError(f"Démarche : « baremes.{table} » n'a pas de taux pour {', '.join(missing)}.")

    def _check_rates(self, rates: Mapping[str, Any]) -> None:
        """Numbers everywhere, three per fiscal power: a wrong barème must fail here, not on an agent's summary."""

        def number(value: Any) -> bool:
            return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0

        nights, kilometres = rates["nuitee"], rates["kilometre"]
        if not number(rates["repas"]) or not isinstance(nights, dict) or not all(map(number, nights.values())):
            raise ProcedureError(
                "Démarche : « baremes.repas » et les « baremes.nuitee » sont des montants (ex. 20.00)."
            )
        if not isinstance(kilometres, dict) or not all(
            isinstance(t, list) and len(t) == 3 and all(map(number, t)) for t in kilometres.values()
        ):
            raise ProcedureError(
                "Démarche : chaque « baremes.kilometre » donne trois taux : jusqu'à 2 000 km, "
                "de 2 001 à 10 000 km, au-delà (ex. [0.32, 0.40, 0.23])."
            )

    def estimate(self, procedure: ProcedureDefinition, values: Mapping[str, Any]) -> Estimate | None:
        if any(values.get(name) is None for name in self.needs):
            return None
        start = datetime.combine(date.fromisoformat(values["date_depart"]), time.fromisoformat(values["heure_depart"]))
        end = datetime.combine(date.fromisoformat(values["date_retour"]), time.fromisoformat(values["heure_retour"]))
        if end <= start:
            return None
        rates = procedure.rates
        days = [start.date() + timedelta(days=n) for n in range((end.date() - start.date()).days + 1)]
        lines = []
        meals = sum(
            _in_mission(start, end, d, time(11), time(14)) + _in_mission(start, end, d, time(18), time(21))
            for d in days
        )
        if meals and not values.get("repas_fournis"):
            rate = Decimal(str(rates["repas"]))
            lines.append(CostLine("Repas", f"{meals} × {euros(rate)}", meals * rate))
        nights = sum(_in_mission(start, end, d, time(0), time(5)) for d in days)  # the night ending on day d
        if nights and values.get("hebergement") == "hotel":
            zone = values.get("zone_hebergement") or "standard"
            rate = Decimal(str(rates["nuitee"][zone]))
            lines.append(
                CostLine(
                    "Hébergement", f"{nights} nuitée{'s' if nights > 1 else ''} × {euros(rate)} au plus", nights * rate
                )
            )
        lines.extend(self._transport(values, rates))
        return Estimate(tuple(lines), procedure.rates_source)

    def _transport(self, values: Mapping[str, Any], rates: Mapping[str, Any]) -> list[CostLine]:
        if (
            values.get("transport") == "vehicule_personnel"
            and values.get("distance_km")
            and values.get("puissance_fiscale")
        ):
            table = [Decimal(str(rate)) for rate in rates["kilometre"][values["puissance_fiscale"]]]
            driven, km = int(values.get("km_annee") or 0), int(values["distance_km"])
            parts = self._split(driven, km)
            amount = sum((count * table[tranche] for tranche, count in parts), Decimal("0"))
            detail = " + ".join(f"{count} km × {plain_number(table[tranche])} €/km" for tranche, count in parts)
            return [CostLine("Indemnités kilométriques", detail, amount)]
        if values.get("transport") == "train" and values.get("cout_train"):
            return [
                CostLine(
                    "Train (estimation de l'agent)", "billets réservés par la commune", Decimal(values["cout_train"])
                )
            ]
        return []

    def _split(self, driven: int, km: int) -> list[tuple[int, int]]:
        """The trip's kilometres per tranche (index 0, 1, 2), from the kilometres already driven this year."""
        parts, position, left = [], driven, km
        for tranche, limit in enumerate([*self.tranches, None]):
            if left <= 0:
                break
            room = left if limit is None else max(0, limit - position)
            count = min(left, room)
            if count:
                parts.append((tranche, count))
                position, left = position + count, left - count
        return parts


CALCULATORS: dict[str, MissionCosts] = {"frais_de_mission": MissionCosts()}


def estimate(procedure: ProcedureDefinition, values: Mapping[str, Any]) -> Estimate | None:
    calculator = CALCULATORS.get(procedure.calculator)
    return calculator.estimate(procedure, values) if calculator else None
