"""The roadmap of « chantiers »: value × effort quadrants, the order to start them, and the awareness actions per
service. Pure rules here; the pages, the report and the matrix picture (charts.matrix) share them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from relais.diagnostic.models import AwarenessAction, AwarenessKind, Campaign, Chantier, Service, Task, WorkingSession

# Both scales run 1–5: 3 is the middle, counted as « high » value and as « low » effort (a chantier rated
# 3 × 3 is worth starting).
HIGH_VALUE, LOW_EFFORT = 3, 3
QUICK_WIN, MAJOR, FILL_IN, RECONSIDER = "Gain rapide", "Projet structurant", "Amélioration d'appoint", "À reconsidérer"
QUADRANT_HINTS = {
    QUICK_WIN: "valeur 3 à 5, effort 1 à 3 : à lancer d'abord",
    MAJOR: "valeur 3 à 5, effort 4 ou 5 : à planifier",
    FILL_IN: "valeur 1 ou 2, effort 1 à 3 : si le temps le permet",
    RECONSIDER: "valeur 1 ou 2, effort 4 ou 5 : à revoir ou abandonner",
}


def quadrant(value: int, effort: int) -> str:
    if value >= HIGH_VALUE:
        return QUICK_WIN if effort <= LOW_EFFORT else MAJOR
    return FILL_IN if effort <= LOW_EFFORT else RECONSIDER


def priority_key(value: int, effort: int, name: str) -> tuple[int, int, str]:
    """Best first: the largest value over effort margin, then the larger value, then by name."""
    return (-(value - effort), -value, name.casefold())


def chantiers(campaign: Campaign | None, services=None) -> list[Chantier]:
    """The campaign's chantiers (of these services), in the order to start them; numbered 1, 2… by that order."""
    if campaign is None:
        return []
    rows = Chantier.objects.filter(campaign=campaign).select_related("service")
    if services is not None:
        rows = rows.filter(service__in=services)
    rows = rows.prefetch_related(Prefetch("tasks", queryset=Task.objects.select_related("service").order_by("title")))
    ordered = sorted(rows, key=lambda c: priority_key(c.value, c.effort, c.name))
    for number, chantier in enumerate(ordered, 1):
        chantier.number = number
        chantier.quadrant = quadrant(chantier.value, chantier.effort)
    return ordered


def sessions(campaign: Campaign | None, services) -> list[WorkingSession]:
    if campaign is None:
        return []
    return list(
        WorkingSession.objects.filter(campaign=campaign, service__in=services)
        .select_related("service")
        .prefetch_related(Prefetch("tasks", queryset=Task.objects.order_by("title")))
    )


@dataclass(frozen=True)
class Awareness:
    """What one service did of the strategy's awareness actions and its working group."""

    service: Service
    seminar_attendees: int  # managers of the service at the seminar(s)
    sessions: int  # awareness sessions held in the service
    session_attendees: int
    group_sessions: int  # sessions of its working group

    @property
    def attended_seminar(self) -> bool:
        return self.seminar_attendees > 0


def awareness(campaign: Campaign | None, services) -> list[Awareness]:
    """One row per service, in name order, even for a service that did nothing yet (it shows as such)."""
    actions: dict[int, list[AwarenessAction]] = {}
    groups: dict[int, int] = {}
    if campaign is not None:
        for action in AwarenessAction.objects.filter(campaign=campaign, service__in=services):
            actions.setdefault(action.service_id, []).append(action)
        for session in WorkingSession.objects.filter(campaign=campaign, service__in=services).only("service"):
            groups[session.service_id] = groups.get(session.service_id, 0) + 1
    rows = []
    for service in services.order_by("name"):
        own = actions.get(service.pk, [])
        seminar = [a for a in own if a.kind == AwarenessKind.SEMINAR]
        held = [a for a in own if a.kind == AwarenessKind.SESSION]
        rows.append(
            Awareness(
                service,
                sum(a.attendees for a in seminar),
                len(held),
                sum(a.attendees for a in held),
                groups.get(service.pk, 0),
            )
        )
    return rows
