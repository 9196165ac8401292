"""Running a procedure: start (pre-filled from the question), answer, confirm, route for approval, notify.

Views and commands call these functions; they hold the rules (who may decide, what a confirmation creates)
so the pages stay thin and the tests can drive a whole request without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from relais.accounts.roles import handled_services, handler_group
from relais.engine.privacy.pii import NEVER_STORED, guard_free_text
from relais.engine.procedures import filling, loading
from relais.engine.procedures.definition import InvalidAnswer, ProcedureError
from relais.helpdesk.connectors import FollowupData
from relais.helpdesk.models import Notification, OutboxMessage, Urgency
from relais.helpdesk.notifications import notify
from relais.helpdesk.outbox import new_key, payload_of, queue
from relais.helpdesk.tickets import open_ticket
from relais.procedures.models import Approval, Decision, Procedure, Run, Status


class NotAllowed(PermissionError):
    """The user may not do this to this run (French message)."""


def today() -> date:
    return timezone.localdate()


# --------------------------------------------------------------------------------------------------
# Definitions
# --------------------------------------------------------------------------------------------------


def load_folder(folder: Path) -> list[Procedure]:
    """Create or update the procedures of a folder of YAML files (idempotent; a file's code is its key)."""
    loaded = []
    for path in sorted(folder.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        try:
            definition = loading.parse_yaml(text)
        except ProcedureError as exc:
            raise ProcedureError(f"{path}: {exc}") from exc
        procedure = Procedure.objects.filter(slug=definition.slug).first() or Procedure()
        if procedure.definition != text or not procedure.pk:
            procedure.definition, procedure.source = text, str(path)
            procedure.save()
        loaded.append(procedure)
    return loaded


# --------------------------------------------------------------------------------------------------
# The agent's side
# --------------------------------------------------------------------------------------------------


def _service_of(user) -> str:
    profile = getattr(user, "profile", None)
    return profile.service if profile else ""


def start(user, procedure: Procedure, *, question: str = "", exchange=None) -> Run:
    """A new draft, pre-filled from the question; the same draft again when the offer is clicked twice."""
    if exchange is not None:
        existing = Run.objects.filter(user=user, procedure=procedure, exchange=exchange, status=Status.DRAFT).first()
        if existing is not None:
            return existing
    definition = procedure.parsed()
    values = filling.prefill(definition, question, today()) if question else {}
    return Run.objects.create(
        procedure=procedure,
        revision=procedure.revision,
        definition=dict(definition.data),
        user=user,
        service=_service_of(user),
        exchange=exchange,
        question=question,
        values=values,
        prefilled=sorted(values),
    )


def answer(run: Run, field_name: str, raw: str) -> None:
    """Record one answer (InvalidAnswer carries the French message); later answers that no longer apply go."""
    if not run.is_draft:
        raise NotAllowed("Cette démarche est déjà envoyée : elle ne peut plus être modifiée.")
    definition = run.spec()
    spec = definition.field(field_name)
    if spec not in filling.active_fields(definition, run.values):
        raise NotAllowed("Cette question ne s'applique pas à votre démarche.")
    values = filling.answer(definition, spec, raw, run.values, today())
    _save_draft(run, values, [name for name in run.prefilled if name != field_name])


def _save_draft(run: Run, values: dict, prefilled: list[str]) -> None:
    """Only while still a draft: a confirmation in another tab may have just sent it."""
    saved = Run.objects.filter(pk=run.pk, status=Status.DRAFT).update(
        values=values, prefilled=prefilled, updated_at=timezone.now()
    )
    if not saved:
        raise NotAllowed("Cette démarche est déjà envoyée : elle ne peut plus être modifiée.")
    run.values, run.prefilled = values, prefilled


def answer_many(run: Run, raw_answers: dict[str, str]) -> dict[str, str]:
    """The form mode: every given answer, in the definition's order, each checked against those before it.

    Valid answers are kept even when others are refused (nothing typed is lost for them); returns the French
    error of each refused field. A field only asked because of an answer given in the same form is left for the
    next page (it was not on the one the agent saw).
    """
    if not run.is_draft:
        raise NotAllowed("Cette démarche est déjà envoyée : elle ne peut plus être modifiée.")
    definition = run.spec()
    shown = {spec.name for spec in filling.active_fields(definition, run.values)}
    values, errors = dict(run.values), {}
    for spec in definition.fields:
        if spec.name not in shown or spec.name not in raw_answers:
            continue
        if spec not in filling.active_fields(definition, values):
            continue  # switched off by an answer above on this same form
        try:
            values = filling.answer(definition, spec, raw_answers[spec.name], values, today())
        except InvalidAnswer as exc:
            errors[spec.name] = str(exc)
    _save_draft(run, values, [name for name in run.prefilled if name not in raw_answers])
    return errors


def problems(run: Run) -> dict[str, str]:
    return filling.errors(run.spec(), run.values, today())


@transaction.atomic
def confirm(run: Run) -> None:
    """Send a complete request for approval (or finish a checklist); refused while anything is missing or wrong."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    if not run.is_draft:
        raise NotAllowed("Cette démarche est déjà envoyée.")
    definition = run.spec()
    if filling.next_field(definition, run.values) is not None or problems(run):
        raise NotAllowed("Complétez ou corrigez les réponses signalées avant de confirmer.")
    now = timezone.now()
    run.number, run.submitted_at = _next_number(run), now
    if definition.kind == "checklist" or not definition.approval:
        run.status, run.completed_at = Status.DONE, now
        run.save()
        return
    run.status = Status.PENDING
    run.save()
    manager = getattr(getattr(run.user, "profile", None), "manager", None)
    if manager is not None and (not manager.is_active or manager.pk == run.user_id):
        manager = None
    stages = [stage for stage in definition.approval if stage != "responsable" or manager is not None]
    # Without a manager known, the owning service decides: a request never waits for nobody.
    for position, stage in enumerate(stages or ["service"]):
        Approval.objects.create(
            run=run,
            position=position,
            stage=stage,
            label="Responsable hiérarchique" if stage == "responsable" else f"Service {definition.service}",
            approver=manager if stage == "responsable" else None,
            service=definition.service if stage == "service" else "",
            decision=Decision.PENDING if position == 0 else Decision.WAITING,
        )
    _notify_approvers(run.current_approval())


def _next_number(run: Run) -> int:
    """The next number of this procedure's requests (unique per procedure: a constraint guards it)."""
    return (Run.objects.filter(procedure=run.procedure).aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def report_failed_step(run: Run, details: str = ""):
    """A checklist step that does not work becomes a ticket to the owning service, with the steps done."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    definition = run.spec()
    failed = filling.failed_step(definition, run.values)
    if not run.is_draft or failed is None:
        raise NotAllowed("Aucune étape en échec à signaler.")
    lines = [f"Démarche guidée « {definition.title} » : l'étape « {failed.label} » ne fonctionne pas.", ""]
    lines += [
        f"- {spec.label} : {filling.display(spec, run.values.get(spec.name))}"
        for spec in definition.fields
        if spec.name in run.values
    ]
    if details.strip():
        lines += ["", f"Précisions de l'agent : {details.strip()}"]
    ticket = open_ticket(
        run.user,
        title=f"{definition.title} : « {failed.label} » ne fonctionne pas"[:120],
        description="\n".join(lines),
        service=definition.service,
        category=definition.title[:100],
        urgency=Urgency.HIGH,
        exchange=run.exchange,
    )
    now = timezone.now()
    run.ticket, run.status, run.number, run.submitted_at, run.completed_at = (
        ticket,
        Status.BLOCKED,
        _next_number(run),
        now,
        now,
    )
    run.save()
    return ticket


def abandon(run: Run) -> None:
    abandoned = Run.objects.filter(pk=run.pk, status=Status.DRAFT).update(
        status=Status.ABANDONED, updated_at=timezone.now()
    )
    if not abandoned:
        raise NotAllowed("Seule une démarche en cours de saisie peut être abandonnée.")
    run.status = Status.ABANDONED


# --------------------------------------------------------------------------------------------------
# Approvers
# --------------------------------------------------------------------------------------------------


@transaction.atomic
def follow_manager(user, manager) -> int:
    """The agent's requests waiting for their manager now wait for the new one; with none, for the next stage.

    Called when a profile's manager changes (HR reorganises, a manager leaves): a request must never wait for
    someone who is no longer in charge. Returns how many requests moved.
    """
    if manager is not None and (not manager.is_active or manager.pk == user.pk):
        manager = None
    waiting = Approval.objects.select_related("run").filter(
        run__user=user, stage="responsable", decision=Decision.PENDING
    )
    moved = 0
    for approval in waiting.exclude(approver=manager) if manager else waiting:
        run = approval.run
        if manager is not None:
            approval.approver = manager
            approval.save(update_fields=["approver"])
            _notify_approvers(approval)
        else:
            position, service = approval.position, run.spec().service
            approval.delete()
            following = run.approvals.filter(decision=Decision.WAITING).order_by("position").first()
            if following is None:
                following = Approval(
                    run=run, position=position, stage="service", label=f"Service {service}", service=service
                )
            following.decision = Decision.PENDING
            following.save()
            _notify_approvers(following)
        moved += 1
    return moved


def may_decide(user, approval: Approval | None) -> bool:
    """The stage's approver; never the agent themselves, nor someone who already decided an earlier stage."""
    if approval is None or approval.decision != Decision.PENDING:
        return False
    if user.pk == approval.run.user_id or approval.run.approvals.filter(decided_by=user).exists():
        return False
    if approval.stage == "responsable":
        return approval.approver_id == user.pk
    return approval.service in handled_services(user)


def may_view(user, run: Run) -> bool:
    """The agent, their approvers (past or current) and the owning service's handlers."""
    if run.user_id == user.pk:
        return True
    if run.approvals.filter(approver=user).exists():
        return True
    return run.status != Status.DRAFT and run.spec().service in handled_services(user)


def awaiting(user):
    """Runs whose current stage this user may decide: as a manager or as a handler of the service."""
    services = handled_services(user)
    pending = Approval.objects.filter(decision=Decision.PENDING).filter(
        Q(stage="responsable", approver=user) | Q(stage="service", service__in=services)
    )
    return (
        Run.objects.filter(approvals__in=pending)
        .exclude(user=user)
        .exclude(approvals__decided_by=user)
        .select_related("user", "procedure")
        .distinct()
    )


def decided_for(user):
    """Requests this user approved or rejected, and those of the services they handle, latest first."""
    services = handled_services(user)
    return (
        Run.objects.filter(Q(approvals__decided_by=user) | Q(approvals__service__in=services))
        .exclude(status=Status.DRAFT)
        .select_related("user", "procedure")
        .distinct()
        .order_by("-updated_at")
    )


@transaction.atomic
def decide(run: Run, user, *, approve: bool, comment: str = "") -> None:
    run = Run.objects.select_for_update().get(pk=run.pk)
    approval = run.current_approval()
    if not may_decide(user, approval):
        raise NotAllowed("Cette demande n'attend pas votre décision.")
    # The decision's comment is stored and e-mailed to the agent: masked like every stored free text
    # (NIR, bank details, passwords, health); a reason for a refusal needs none of them.
    comment, _ = guard_free_text(comment.strip(), NEVER_STORED)
    if not approve and not comment:
        raise NotAllowed("Indiquez le motif du refus : l'agent le recevra.")
    now = timezone.now()
    approval.decision = Decision.APPROVED if approve else Decision.REJECTED
    approval.comment, approval.decided_by, approval.decided_at = comment, user, now
    approval.save()
    following = run.approvals.filter(position__gt=approval.position).order_by("position").first()
    if approve and following is not None:
        following.decision = Decision.PENDING
        following.save(update_fields=["decision"])
        _notify_approvers(following)
        _notify_agent(
            run,
            f"Votre demande {run.reference} a été approuvée par {_name(user)} ({approval.label}) "
            f"et transmise à l'étape suivante : {following.label}.",
        )
    else:
        run.status = Status.APPROVED if approve else Status.REJECTED
        run.completed_at = now
        if not approve:
            run.approvals.filter(decision=Decision.WAITING).delete()  # a refusal ends the route
        verdict = "validée" if approve else "refusée"
        reason = f"\n\nCommentaire : {comment}" if comment else ""
        _notify_agent(
            run, f"Votre demande {run.reference} a été {verdict} par {_name(user)} ({approval.label}).{reason}"
        )
    run.save()


# --------------------------------------------------------------------------------------------------
# Notifications (e-mail through the durable outbox)
# --------------------------------------------------------------------------------------------------


def _name(user) -> str:
    return user.get_full_name() or user.username


def _link(path: str) -> str:
    return settings.RELAIS.site_url.rstrip("/") + path


def _email(to_email: str, run: Run, title: str, body: str, path: str) -> OutboxMessage | None:
    if not settings.RELAIS.notify_replies or not to_email:
        return None
    notification = FollowupData(
        key=new_key("procedure"),
        reference=run.reference,
        external_id="",
        body=body,
        author_name="Relais",
        to_email=to_email,
        link=_link(path),
        title=title,
    )
    return queue(OutboxMessage.Kind.NOTIFY, None, "email", payload_of(notification))


def _notify_approvers(approval: Approval | None) -> None:
    if approval is None:
        return
    run = approval.run
    if approval.approver is not None:
        recipients = [approval.approver]
    else:
        from django.contrib.auth import get_user_model

        recipients = list(get_user_model().objects.filter(groups__name=handler_group(approval.service)))
    body = (
        f"{_name(run.user)} ({run.service or 'service non renseigné'}) vous soumet la demande {run.reference} "
        f"« {run.procedure.title} ». Elle attend votre décision ({approval.label})."
    )
    for recipient in recipients:
        _email(
            recipient.email,
            run,
            f"Demande {run.reference} à valider",
            body,
            reverse("procedure_decision", args=[run.pk]),
        )


def _notify_agent(run: Run, body: str) -> None:
    """An unread mark in Relais (always: the e-mail may be off or fail), and the e-mail."""
    email = _email(run.user.email, run, f"Votre demande {run.reference}", body, reverse("procedure_run", args=[run.pk]))
    kinds = {Status.APPROVED: Notification.Kind.APPROVED, Status.REJECTED: Notification.Kind.REJECTED}
    conversation = run.exchange.conversation if run.exchange_id else None
    notify(run.user, kinds.get(run.status, Notification.Kind.FORWARDED), run, conversation=conversation, email=email)


# --------------------------------------------------------------------------------------------------
# Measurement
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcedureSavings:
    title: str
    service: str
    completed: int
    minutes: float


def savings(start: date, end: date) -> list[ProcedureSavings]:
    """Completed runs in [start, end] and the staff minutes they saved, per procedure (the run's own definition)."""
    by_procedure: dict[int, list[Run]] = {}
    runs = Run.objects.filter(
        status__in=[Status.APPROVED, Status.DONE], completed_at__date__gte=start, completed_at__date__lte=end
    ).select_related("procedure")
    for run in runs:
        by_procedure.setdefault(run.procedure_id, []).append(run)
    rows = []
    for group in by_procedure.values():
        minutes = sum(run.spec().minutes_saved for run in group)
        rows.append(ProcedureSavings(group[0].procedure.title, group[0].procedure.service, len(group), minutes))
    return sorted(rows, key=lambda row: (-row.minutes, row.title))
