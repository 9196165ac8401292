"""Guided procedures in the web app: start from the chat, one question at a time, summary, approvals, documents."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relais.assistant.models import Exchange
from relais.engine.procedures import filling, mission_costs
from relais.engine.procedures.definition import InvalidAnswer
from relais.helpdesk.notifications import mark_read
from relais.procedures import documents, runs
from relais.procedures.models import Procedure, Run, Status

ANSWER_MAX_LENGTH = 600


class AnswerForm(forms.Form):
    answer = forms.CharField(required=False, max_length=ANSWER_MAX_LENGTH, strip=True)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approuver", "Approuver"), ("refuser", "Refuser")])
    comment = forms.CharField(
        label="Commentaire", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FailedStepForm(forms.Form):
    details = forms.CharField(
        label="Que se passe-t-il ? (facultatif)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Le message d'erreur affiché, par exemple. Ne donnez pas votre mot de passe.",
    )


def _own_run(request: HttpRequest, run_id: int) -> Run:
    return get_object_or_404(Run.objects.select_related("procedure"), pk=run_id, user=request.user)


def _visible_run(request: HttpRequest, run_id: int) -> Run:
    run = get_object_or_404(Run.objects.select_related("procedure", "user"), pk=run_id)
    if not runs.may_view(request.user, run):
        raise Http404("Démarche introuvable")
    return run


@login_required
@require_GET
def my_procedures(request: HttpRequest) -> HttpResponse:
    context = {
        "runs": Run.objects.filter(user=request.user).exclude(status=Status.ABANDONED).select_related("procedure")[:50],
        "procedures": Procedure.objects.filter(is_active=True),
    }
    return render(request, "procedures/mine.html", context)


@login_required
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = get_object_or_404(Procedure, slug=slug, is_active=True)
    exchange = None
    exchange_id = request.POST.get("exchange", "")
    if exchange_id.isdigit():  # the answer the offer was under: its question pre-fills the form
        exchange = Exchange.objects.filter(pk=int(exchange_id), conversation__user=request.user).first()
    run = runs.start(request.user, procedure, question=exchange.question if exchange else "", exchange=exchange)
    return redirect("procedure_run", run_id=run.pk)


def _step_context(run: Run) -> dict:
    definition = run.spec()
    spec = filling.next_field(definition, run.values)
    total = len(filling.active_fields(definition, run.values))
    answered = sum(1 for s in filling.active_fields(definition, run.values) if s.name in run.values)
    prefilled = [
        (definition.field(n), filling.display(definition.field(n), run.values[n]))
        for n in run.prefilled
        if n in run.values
    ]
    step = next((step for step in definition.steps if spec in step.fields), None)
    return {
        "definition": definition,
        "spec": spec,
        "step": step,
        "total": total,
        "answered": answered,
        "prefilled": prefilled,
    }


def _summary_context(run: Run) -> dict:
    definition = run.spec()
    problems = runs.problems(run) if run.is_draft else {}
    summary = [
        (step, [(spec, shown, problems.get(spec.name, "")) for spec, shown in rows])
        for step, rows in filling.summary(definition, run.values)
    ]
    return {
        "definition": definition,
        "summary": summary,
        "problems": problems,
        "estimate": _estimate_rows(definition, run.values),
        "approvals": run.approvals.select_related("approver", "decided_by"),
    }


def _estimate_rows(definition, values) -> dict | None:
    """The estimate with amounts written the French way (« 1 200,00 € »), as in the PDF."""
    estimate = mission_costs.estimate(definition, values)
    if estimate is None or not estimate.lines:
        return None
    return {
        "lines": [(line.label, line.detail, filling.euros(line.amount)) for line in estimate.lines],
        "total": filling.euros(estimate.total),
        "source": estimate.source,
    }


@login_required
@require_http_methods(["GET", "POST"])
def run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    """The next question while the run is a draft, else the summary and the status."""
    run = _visible_run(request, run_id)
    is_owner = run.user_id == request.user.pk
    mark_read(request.user, run)  # the decisions on it are seen (helpdesk/notifications.py)
    if not is_owner or not run.is_draft:
        return render(request, "procedures/summary.html", {"run": run, "is_owner": is_owner, **_summary_context(run)})
    definition = run.spec()
    spec = filling.next_field(definition, run.values)
    if definition.kind == "checklist" and filling.failed_step(definition, run.values):
        return redirect("procedure_failed_step", run_id=run.pk)
    if spec is None:
        return render(request, "procedures/summary.html", {"run": run, "is_owner": True, **_summary_context(run)})
    form, status = AnswerForm(), 200
    if request.method == "POST":
        if request.POST.get("field", spec.name) != spec.name:
            # A page left open in another tab, or the Back button: never file an answer under another question.
            messages.error(request, "Cette question a déjà une réponse (modifiable sur le récapitulatif).")
            return redirect("procedure_run", run_id=run.pk)
        form, status = _record(request, run, spec.name)
        if status == 302:
            return redirect("procedure_run", run_id=run.pk)
    return render(request, "procedures/question.html", {"run": run, "form": form, **_step_context(run)}, status=status)


def _record(request: HttpRequest, run: Run, field_name: str) -> tuple[AnswerForm, int]:
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return form, 400
    try:
        runs.answer(run, field_name, form.cleaned_data["answer"])
    except InvalidAnswer as exc:
        form.add_error("answer", str(exc))
        return form, 400
    except runs.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    _finish_checklist(request, run)
    return form, 302


def _finish_checklist(request: HttpRequest, run: Run) -> None:
    """A checklist whose every step is done is finished at its last answer: nothing to confirm."""
    definition = run.spec()
    finished = (
        filling.next_field(definition, run.values) is None and filling.failed_step(definition, run.values) is None
    )
    if definition.kind == "checklist" and finished:
        try:
            runs.confirm(run)
        except runs.NotAllowed:
            return  # finished meanwhile in another tab: the page shows its status
        messages.success(request, f"« {definition.title} » : toutes les étapes sont faites.")


@login_required
@require_http_methods(["GET", "POST"])
def edit_field(request: HttpRequest, run_id: int, field: str) -> HttpResponse:
    run = _own_run(request, run_id)
    if not run.is_draft:
        messages.error(request, "Cette démarche est déjà envoyée : elle ne peut plus être modifiée.")
        return redirect("procedure_run", run_id=run.pk)
    definition = run.spec()
    try:
        spec = definition.field(field)
    except KeyError as exc:
        raise Http404("Champ inconnu") from exc
    current = run.values.get(field)
    initial = "" if current is None else filling.display(spec, current)  # displayed values parse back (tested)
    form, status = AnswerForm(initial={"answer": initial}), 200
    if request.method == "POST":
        form, status = _record(request, run, field)
        if status == 302:
            return redirect("procedure_run", run_id=run.pk)
    context = {"run": run, "form": form, "spec": spec, "definition": definition, "editing": True}
    return render(request, "procedures/question.html", context, status=status)


def _form_rows(definition, values: dict, posted, errors: dict[str, str]) -> list:
    """The steps and their applicable fields, each with what to show in its input and its error."""
    active = {spec.name for spec in filling.active_fields(definition, values)}
    rows = []
    for step in definition.steps:
        fields = []
        for spec in step.fields:
            if spec.name not in active:
                continue
            if posted is not None and spec.name in posted:
                shown = posted[spec.name]
            else:
                shown = "" if values.get(spec.name) is None else filling.display(spec, values[spec.name])
            fields.append((spec, shown, errors.get(spec.name, "")))
        if fields:
            rows.append((step, fields))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest, run_id: int) -> HttpResponse:
    """Every applicable question on one page (a request, not a checklist): for those who prefer a form."""
    run = _own_run(request, run_id)
    definition = run.spec()
    if not run.is_draft or definition.kind != "demande":
        return redirect("procedure_run", run_id=run.pk)
    errors, posted, status = {}, None, 200
    if request.method == "POST":
        before = {spec.name for spec in filling.active_fields(definition, run.values)}
        posted = {name: request.POST.get(name, "")[:ANSWER_MAX_LENGTH] for name in before}
        try:
            errors = runs.answer_many(run, posted)
        except runs.NotAllowed as exc:
            messages.error(request, str(exc))
            return redirect("procedure_run", run_id=run.pk)
        after = {spec.name for spec in filling.active_fields(definition, run.values)}
        if not errors and after <= before:
            return redirect("procedure_run", run_id=run.pk)
        if errors:
            status = 400
        else:  # an answer opened new questions: show them, keep the rest as saved
            messages.success(request, "Vos réponses sont enregistrées ; complétez les nouvelles questions affichées.")
            posted = None
    context = {
        "run": run,
        "definition": definition,
        "rows": _form_rows(definition, run.values, posted if errors else None, errors),
        "errors": errors,
    }
    return render(request, "procedures/form.html", context, status=status)


@login_required
@require_POST
def confirm(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _own_run(request, run_id)
    try:
        runs.confirm(run)
    except runs.NotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("procedure_run", run_id=run.pk)
    run.refresh_from_db()
    if run.status == Status.PENDING:
        messages.success(
            request, f"Votre demande {run.reference} est envoyée. Vous serez prévenu(e) de chaque décision."
        )
    else:
        messages.success(request, f"Votre demande {run.reference} est enregistrée.")
    return redirect("procedure_run", run_id=run.pk)


@login_required
@require_POST
def abandon(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _own_run(request, run_id)
    try:
        runs.abandon(run)
    except runs.NotAllowed as exc:
        messages.error(request, str(exc))
        return redirect("procedure_run", run_id=run.pk)
    messages.success(request, f"Démarche « {run.procedure.title} » abandonnée.")
    return redirect("my_procedures")


@login_required
@require_http_methods(["GET", "POST"])
def failed_step(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _own_run(request, run_id)
    definition = run.spec()
    step = filling.failed_step(definition, run.values)
    if not run.is_draft or step is None:
        return redirect("procedure_run", run_id=run.pk)
    form = FailedStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = runs.report_failed_step(run, form.cleaned_data["details"])
        except runs.NotAllowed:
            return redirect("procedure_run", run_id=run.pk)  # already sent, from another tab
        messages.success(request, f"Votre demande {ticket.reference} a été transmise au service {ticket.service}.")
        return redirect("procedure_run", run_id=run.pk)
    context = {"run": run, "form": form, "step": step, "definition": definition}
    return render(request, "procedures/failed_step.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def download(request: HttpRequest, run_id: int, extension: str) -> HttpResponse:
    run = _visible_run(request, run_id)
    if extension not in {"pdf", "odt"} or run.is_draft or run.spec().kind != "demande":
        raise Http404("Le document est produit une fois la demande envoyée.")
    data, content_type = (
        (documents.pdf(run), "application/pdf")
        if extension == "pdf"
        else (documents.odt(run), "application/vnd.oasis.opendocument.text")
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{documents.filename(run, extension)}"'
    return response


@login_required
@require_GET
def to_approve(request: HttpRequest) -> HttpResponse:
    context = {"awaiting": runs.awaiting(request.user), "decided": runs.decided_for(request.user)[:50]}
    return render(request, "procedures/to_approve.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def decision(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _visible_run(request, run_id)
    current = run.current_approval()
    if not runs.may_decide(request.user, current):
        return redirect("procedure_run", run_id=run.pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approuver"
        try:
            runs.decide(run, request.user, approve=approve, comment=form.cleaned_data["comment"])
        except runs.NotAllowed as exc:
            form.add_error("comment", str(exc))
        else:
            verdict = "approuvée" if approve else "refusée"
            messages.success(request, f"Demande {run.reference} {verdict}.")
            return redirect("procedures_to_approve")
    context = {"run": run, "form": form, "current": current, "is_owner": False, **_summary_context(run)}
    return render(request, "procedures/decision.html", context, status=400 if form.errors else 200)
