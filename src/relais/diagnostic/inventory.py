"""A whole inventory from a folder: `services.yaml` (services, référents, tools, practices), `taches.csv`, and
optionally `feuille_de_route.yaml` (chantiers, working groups' sessions, awareness actions, links to Relais).

The demo town's diagnosis is loaded this way by `relais demo` (demo/diagnostic/); everything it creates is marked
as demo. Loading the same folder again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.db import transaction

from relais.diagnostic.importing import ImportResult, import_file
from relais.diagnostic.models import (
    AwarenessAction,
    AwarenessKind,
    Campaign,
    Chantier,
    Practice,
    Service,
    Submission,
    Task,
    Tool,
    WorkingSession,
)


@dataclass
class Loaded:
    campaign: Campaign
    services: int
    tools: int
    tasks: ImportResult
    missing_referents: list[str]
    roadmap: RoadmapLoaded | None = None


@dataclass
class RoadmapLoaded:
    chantiers: int = 0
    sessions: int = 0
    actions: int = 0
    links: int = 0
    unknown: list[str] = field(default_factory=list)  # tasks, services, collections or procedures not found

    @property
    def summary(self) -> str:
        return (
            f"{self.chantiers} chantier(s), {self.sessions} séance(s) de groupes de travail, {self.actions} action(s) "
            f"de sensibilisation, {self.links} tâche(s) reliée(s) à Relais"
        )


def load_folder(folder: Path, *, demo: bool = True) -> Loaded:
    spec = yaml.safe_load((folder / "services.yaml").read_text(encoding="utf-8"))
    with transaction.atomic():
        campaign = _campaign(spec["campagne"], demo)
        missing: list[str] = []
        tools = 0
        for entry in spec["services"]:
            service = _service(entry, demo, missing)
            tools += _tools(campaign, service, entry.get("outils", []))
            _practice(campaign, service, entry.get("pratiques"))
            if entry.get("transmis"):
                Submission.objects.get_or_create(campaign=campaign, service=service)
        tasks = import_file("taches.csv", (folder / "taches.csv").read_bytes(), campaign)
        plan = folder / "feuille_de_route.yaml"
        roadmap = load_roadmap(yaml.safe_load(plan.read_text(encoding="utf-8")), campaign) if plan.is_file() else None
    return Loaded(campaign, len(spec["services"]), tools, tasks, missing, roadmap)


def _campaign(spec: dict, demo: bool) -> Campaign:
    """Dates relative to the first load, so that the demo campaign is always running; kept on later loads."""
    today = date.today()
    campaign, _ = Campaign.objects.get_or_create(
        name=spec["nom"],
        defaults={
            "opened_on": today - timedelta(days=spec.get("ouverte_il_y_a_jours", 0)),
            "deadline": today + timedelta(days=spec["date_limite_dans_jours"]) if "date_limite_dans_jours" in spec
            else None,
            "demo": demo,
        },
    )  # fmt: skip
    return campaign


def _service(entry: dict, demo: bool, missing: list[str]) -> Service:
    service, _ = Service.objects.update_or_create(
        name=entry["service"], defaults={"label": entry.get("nom", ""), "demo": demo}
    )
    users = get_user_model().objects.filter(username__in=entry.get("referents", []))
    service.referents.add(*users)
    missing += sorted(set(entry.get("referents", [])) - {u.username for u in users})
    return service


def _tools(campaign: Campaign, service: Service, entries: list[dict]) -> int:
    for tool in entries:
        Tool.objects.update_or_create(
            campaign=campaign, service=service, name=tool["outil"],
            defaults={
                "use": tool.get("usage", ""), "hosting": tool.get("hebergement", "inconnu"),
                "users": tool["utilisateurs"], "satisfaction": tool["satisfaction"],
                "pains": tool.get("difficultes", ""),
            },
        )  # fmt: skip
    return len(entries)


def _practice(campaign: Campaign, service: Service, entry: dict | None) -> None:
    if entry:
        Practice.objects.update_or_create(
            campaign=campaign, service=service,
            defaults={"skills_level": entry["aisance"], "skills": entry["competences"], "needs": entry["besoins"]},
        )  # fmt: skip


# The roadmap file. Dates count days after the campaign opened, so that a second load finds the same rows.


def load_roadmap(spec: dict, campaign: Campaign) -> RoadmapLoaded:
    loaded = RoadmapLoaded()
    tasks = {(t.service.name, t.title): t for t in Task.objects.filter(campaign=campaign).select_related("service")}
    services = {s.name: s for s in Service.objects.all()}

    def task(ref: str) -> Task | None:
        service, _, title = (part.strip() for part in ref.partition("|"))
        found = tasks.get((service, title))
        if found is None:
            loaded.unknown.append(f"tâche « {ref} »")
        return found

    def service(name: str) -> Service | None:
        if name not in services:
            loaded.unknown.append(f"service « {name} »")
        return services.get(name)

    for entry in spec.get("chantiers", []):
        loaded.chantiers += _chantier(entry, campaign, service, task)
    for group in spec.get("groupes", []):
        if (svc := service(group["service"])) is not None:
            own = svc.name
            loaded.sessions += _sessions(group["seances"], campaign, svc, lambda title, s=own: task(f"{s}|{title}"))
    loaded.actions = _awareness(spec.get("sensibilisation", {}), campaign, service)
    loaded.links = _links(spec.get("liens", []), task, loaded.unknown)
    return loaded


def _day(campaign: Campaign, days: int) -> date:
    return campaign.opened_on + timedelta(days=days)


def _chantier(entry: dict, campaign: Campaign, service, task) -> int:
    owner = service(entry["service"])
    if owner is None:
        return 0
    chantier, _ = Chantier.objects.update_or_create(
        campaign=campaign, name=entry["nom"],
        defaults={
            "service": owner, "description": entry.get("description", ""), "value": entry["valeur"],
            "effort": entry["effort"], "owner": entry["responsable"], "status": entry.get("statut", "a_lancer"),
        },
    )  # fmt: skip
    chantier.tasks.set([t for ref in entry.get("taches", []) if (t := task(ref)) is not None])
    return 1


def _sessions(entries: list[dict], campaign: Campaign, service: Service, task) -> int:
    for entry in entries:
        session, _ = WorkingSession.objects.update_or_create(
            campaign=campaign, service=service, held_on=_day(campaign, entry["jour"]),
            defaults={"participants": "\n".join(entry["participants"]), "decisions": "\n".join(entry["decisions"])},
        )  # fmt: skip
        session.tasks.set([t for title in entry.get("taches", []) if (t := task(title)) is not None])
    return len(entries)


def _awareness(spec: dict, campaign: Campaign, service) -> int:
    rows = []
    seminar = spec.get("seminaire")
    if seminar:
        rows += [(name, AwarenessKind.SEMINAR, seminar["jour"], n) for name, n in seminar["encadrants"].items()]
    rows += [(s["service"], AwarenessKind.SESSION, s["jour"], s["presents"]) for s in spec.get("sessions", [])]
    count = 0
    for name, kind, day, attendees in rows:
        if (svc := service(name)) is not None:
            AwarenessAction.objects.update_or_create(
                campaign=campaign, service=svc, kind=kind, held_on=_day(campaign, day),
                defaults={"attendees": attendees},
            )  # fmt: skip
            count += 1
    return count


def _links(entries: list[dict], task, unknown: list[str]) -> int:
    """Link tasks to a collection or a procedure when Relais has it (the demo's documents may not be loaded)."""
    from relais.knowledge.models import Collection
    from relais.procedures.models import Procedure

    count = 0
    for entry in entries:
        found = task(entry["tache"])
        if found is None:
            continue
        if "collection" in entry:
            target = Collection.objects.filter(name=entry["collection"]).first()
            fields = {"collection": target}
        else:
            target = Procedure.objects.filter(slug=entry["demarche"]).first()
            fields = {"procedure": target}
        if target is None:
            continue  # not an error: linked on a later load, once Relais has it
        Task.objects.filter(pk=found.pk).update(**fields)
        count += 1
    return count
