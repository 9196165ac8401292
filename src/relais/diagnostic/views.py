"""The diagnosis in the browser (/diagnostic/): the campaign's progress, each service's inventory, the opportunities."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from relais.diagnostic import charts, roadmap
from relais.diagnostic.access import (
    can_edit,
    diagnostic_required,
    editable_services,
    sees_everything,
    service_for,
    visible_services,
)
from relais.diagnostic.bridge import compare
from relais.diagnostic.forms import AwarenessForm, ChantierForm, PracticeForm, SessionForm, TaskForm, ToolForm
from relais.diagnostic.importing import task_rows
from relais.diagnostic.models import (
    AwarenessAction,
    Campaign,
    Chantier,
    Practice,
    Service,
    Submission,
    Task,
    Tool,
    WorkingSession,
)
from relais.diagnostic.opportunities import rated_tasks
from relais.diagnostic.progress import SENT, days_left, progress
from relais.diagnostic.scoring import KIND_LABELS, MIN_HOURS, MIN_POTENTIAL, SAVED_SHARE
from relais.diagnostic.sheet import write_csv, write_ods


def _campaign() -> Campaign:
    campaign = Campaign.objects.current()
    if campaign is None:
        raise Http404("Aucune campagne de diagnostic n'est ouverte.")
    return campaign


@diagnostic_required
def index(request: HttpRequest) -> HttpResponse:
    campaign = Campaign.objects.current()
    rows = progress(campaign, visible_services(request.user)) if campaign else []
    context = {
        "campaign": campaign,
        "rows": rows,
        "sent": sum(1 for r in rows if r.status == SENT),
        "days_left": days_left(campaign) if campaign else None,
        "sees_everything": sees_everything(request.user),
    }
    if campaign and rows:
        context["maturity"] = charts.maturity_table(campaign, [r.service for r in rows])
    return render(request, "diagnostic/index.html", context)


@diagnostic_required
def service(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign()
    svc = service_for(request, pk)
    context = {
        "campaign": campaign,
        "service": svc,
        "row": progress(campaign, Service.objects.filter(pk=svc.pk))[0],
        "tools": Tool.objects.filter(campaign=campaign, service=svc),
        "practice": Practice.objects.filter(campaign=campaign, service=svc).first(),
        "rated": sorted(rated_tasks(campaign, services=[svc]), key=lambda r: r.task.title.casefold()),
        "can_edit": can_edit(request.user, svc),
        "radar": charts.radar("radar-maturite", svc, charts.maturity(campaign, svc)),
        "maturity": charts.maturity_table(campaign, [svc]),
        "sessions": roadmap.sessions(campaign, [svc]),
        "actions": AwarenessAction.objects.filter(campaign=campaign, service=svc),
        "chantiers": roadmap.chantiers(campaign, [svc]),
        **_bridge(campaign, [svc]),
    }
    return render(request, "diagnostic/service.html", context)


def _bridge(campaign: Campaign, services) -> dict:
    """Estimated against measured hours of the linked tasks, over the dashboard's default period (90 days)."""
    from relais.insights.measure import Period, measure

    if (
        not Task.objects.filter(campaign=campaign, service__in=services)
        .exclude(collection=None, procedure=None)
        .exists()
    ):
        return {"comparisons": []}  # measuring the log is not free: only when a task is linked
    period = Period.default()
    return {"comparisons": compare(measure(period), campaign, services), "bridge_period": period}


def _edit(
    request: HttpRequest, pk: int, form_class, model, item_pk: int | None, title: str, back: str = "service"
) -> HttpResponse:
    """Add or change one item (tool, task, session, chantier, action) or the practices of a service the user is
    référent of; `back`: the page to return to, « service » or « roadmap »."""
    campaign = _campaign()
    svc = service_for(request, pk, edit=True)
    if model is Practice:
        instance = Practice.objects.filter(campaign=campaign, service=svc).first()
    else:
        instance = get_object_or_404(model, pk=item_pk, campaign=campaign, service=svc) if item_pk else None
    form = form_class(request.POST or None, instance=instance, campaign=campaign, service=svc)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Enregistré.")
        return redirect("diagnostic:roadmap") if back == "roadmap" else redirect("diagnostic:service", pk=svc.pk)
    cancel = reverse("diagnostic:roadmap") if back == "roadmap" else reverse("diagnostic:service", args=[svc.pk])
    context = {
        "form": form, "service": svc, "campaign": campaign, "title": title, "instance": instance, "cancel": cancel,
    }  # fmt: skip
    return render(request, "diagnostic/form.html", context)


@diagnostic_required
def tool_form(request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
    return _edit(request, pk, ToolForm, Tool, item_pk, "Modifier l'outil" if item_pk else "Ajouter un outil")


@diagnostic_required
def task_form(request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
    return _edit(request, pk, TaskForm, Task, item_pk, "Modifier la tâche" if item_pk else "Ajouter une tâche")


@diagnostic_required
def practice_form(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, pk, PracticeForm, Practice, None, "Pratiques numériques du service")


@diagnostic_required
def session_form(request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
    title = "Modifier la séance du groupe de travail" if item_pk else "Noter une séance du groupe de travail"
    return _edit(request, pk, SessionForm, WorkingSession, item_pk, title)


@diagnostic_required
def awareness_form(request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
    title = "Modifier l'action de sensibilisation" if item_pk else "Noter une action de sensibilisation"
    return _edit(request, pk, AwarenessForm, AwarenessAction, item_pk, title)


@diagnostic_required
def chantier_form(request: HttpRequest, pk: int, item_pk: int | None = None) -> HttpResponse:
    title = "Modifier le chantier" if item_pk else "Ajouter un chantier"
    return _edit(request, pk, ChantierForm, Chantier, item_pk, title, back="roadmap")


DELETABLE = {
    "outils": Tool, "taches": Task, "seances": WorkingSession, "sensibilisation": AwarenessAction,
    "chantiers": Chantier,
}  # fmt: skip


@require_POST
@diagnostic_required
def delete(request: HttpRequest, pk: int, kind: str, item_pk: int) -> HttpResponse:
    model = DELETABLE.get(kind)
    if model is None:
        raise Http404("Élément inconnu.")
    svc = service_for(request, pk, edit=True)
    item = get_object_or_404(model, pk=item_pk, campaign=_campaign(), service=svc)
    name = item.title if model is Task else str(item) if model in {WorkingSession, AwarenessAction} else item.name
    item.delete()
    messages.success(request, f"« {name} » supprimé.")
    if model is Chantier:
        return redirect("diagnostic:roadmap")
    return redirect("diagnostic:service", pk=svc.pk)


@require_POST
@diagnostic_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The référent sends the service's diagnosis (or takes it back to change it)."""
    campaign = _campaign()
    svc = service_for(request, pk, edit=True)
    submission = Submission.objects.filter(campaign=campaign, service=svc).first()
    if submission is not None:
        submission.delete()
        messages.success(request, "Diagnostic repris : vous pouvez le modifier puis le transmettre à nouveau.")
    else:
        Submission.objects.create(campaign=campaign, service=svc, submitted_by=request.user)
        messages.success(request, "Diagnostic transmis au pilotage. Merci !")
    return redirect("diagnostic:service", pk=svc.pk)


@diagnostic_required
def opportunities(request: HttpRequest) -> HttpResponse:
    campaign = _campaign()
    rated = rated_tasks(campaign, services=visible_services(request.user))
    context = {
        "campaign": campaign,
        "rated": rated,
        "high_risk": sum(1 for r in rated if r.opportunity.high_risk),
        "shares": [(KIND_LABELS[k], round(share * 100)) for k, share in SAVED_SHARE.items()],
        "min_hours": MIN_HOURS,
        "min_potential": round(MIN_POTENTIAL * 100),
        "heat": charts.heat_map(rated),
        **_bridge(campaign, visible_services(request.user)),
    }
    return render(request, "diagnostic/opportunities.html", context)


@diagnostic_required
def roadmap_page(request: HttpRequest) -> HttpResponse:
    """The roadmap: chantiers on the value × effort matrix, then the working groups and the awareness actions."""
    campaign = _campaign()
    services = visible_services(request.user)
    rows = roadmap.chantiers(campaign, services)
    context = {
        "campaign": campaign,
        "chantiers": rows,
        "matrix": charts.matrix(rows),
        "hints": roadmap.QUADRANT_HINTS,
        "awareness": roadmap.awareness(campaign, services),
        "sessions": roadmap.sessions(campaign, services),
        "editable": list(editable_services(request.user)),
        "editable_pks": set(editable_services(request.user).values_list("pk", flat=True)),
    }
    return render(request, "diagnostic/roadmap.html", context)


@diagnostic_required
def download(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """The template (empty sheet) or the tasks of the services this user sees, as CSV or ODS."""
    if fmt not in {"csv", "ods"} or name not in {"modele", "taches"}:
        raise Http404("Fichier inconnu.")
    rows = []
    if name == "taches":
        rows = task_rows(Task.objects.filter(campaign=_campaign(), service__in=visible_services(request.user)))
    data = write_ods(rows) if fmt == "ods" else write_csv(rows)
    kind = "application/vnd.oasis.opendocument.spreadsheet" if fmt == "ods" else "text/csv; charset=utf-8"
    response = HttpResponse(data, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="diagnostic-{name}.{fmt}"'
    return response


@diagnostic_required
def report(request: HttpRequest, fmt: str) -> HttpResponse:
    """The « Diagnostic numérique » report, as `relais diagnostic report` writes it: PDF (download) or HTML. It
    covers every service, so only those who see every service get it."""
    from relais.diagnostic.report import build, file_stem, render_html, render_pdf
    from relais.engine.writers.fonts import FontsMissing
    from relais.insights.fonts import pdf_unavailable

    if fmt not in {"pdf", "html"}:
        raise Http404("Format inconnu : pdf ou html.")
    if not sees_everything(request.user):
        raise PermissionDenied("Le rapport couvre tous les services : il est réservé au pilotage du diagnostic.")
    data = build(_campaign())
    if fmt == "html":
        return HttpResponse(render_html(data))
    try:
        pdf = render_pdf(data)
    except FontsMissing as error:
        return pdf_unavailable(request, error)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{file_stem(data)}.pdf"'
    return response
