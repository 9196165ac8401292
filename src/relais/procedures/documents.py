"""The « demande » document of a run (PDF and ODT), rebuilt from the run each time so it shows the latest decisions."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from relais.engine.procedures import filling, mission_costs
from relais.engine.writers.request_documents import RequestDocument, Section, render_odt, render_pdf
from relais.procedures.models import Run


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y à %H:%M")


def _trail(run: Run) -> tuple[tuple[str, str], ...]:
    rows = []
    for approval in run.approvals.select_related("approver", "decided_by"):
        outcome = approval.get_decision_display()
        if approval.decided_at:
            who = approval.decided_by.get_full_name() or approval.decided_by.username if approval.decided_by else ""
            outcome = f"{outcome} par {who} le {_local(approval.decided_at)}"
            if approval.comment:
                outcome += f" — « {approval.comment} »"
        elif approval.approver:
            outcome += f" ({approval.approver.get_full_name() or approval.approver.username})"
        rows.append((approval.label, outcome))
    return tuple(rows)


def build(run: Run) -> RequestDocument:
    definition = run.spec()
    agent = run.user.get_full_name() or run.user.username
    sections = [
        Section("Agent", (("Nom", agent), ("Service", run.service or "—"), ("Courriel", run.user.email or "—")))
    ]
    for step, rows in filling.summary(definition, run.values):
        sections.append(Section(step.title, tuple((spec.label, shown) for spec, shown in rows)))
    estimate = mission_costs.estimate(definition, run.values)
    if estimate is not None and estimate.lines:
        rows = tuple((f"{line.label} ({line.detail})", filling.euros(line.amount)) for line in estimate.lines)
        rows += (("Total estimé", filling.euros(estimate.total)), ("Taux appliqués", estimate.source))
        sections.append(Section("Estimation des frais", rows))
    town = f"Commune de {settings.RELAIS.town_name}" if settings.RELAIS.town_name else ""
    sent = f" — envoyée le {_local(run.submitted_at)}" if run.submitted_at else ""
    return RequestDocument(
        title=definition.document_title,
        reference=run.reference,
        issuer=" — ".join(filter(None, [town, f"Service {definition.service}"])),
        status=f"{run.get_status_display()}{sent}",
        sections=tuple(sections),
        trail=_trail(run),
        notice=settings.RELAIS.town_notice or town,
        created=run.submitted_at or run.created_at,
    )


def pdf(run: Run) -> bytes:
    return render_pdf(build(run))


def odt(run: Run) -> bytes:
    return render_odt(build(run))


APOSTROPHES = "'’ʼ‘`´"  # typed, typographic and look-alike apostrophes


def french_slug(text: str) -> str:
    """A readable file name from French words: « demande d'ordre de mission » → « demande-d-ordre-de-mission ».

    `slugify` alone deletes the apostrophe and glues the words together (« demande-dordre-de-mission »).
    """
    for mark in APOSTROPHES:
        text = text.replace(mark, " ")
    return slugify(text)


def filename(run: Run, extension: str) -> str:
    return f"{french_slug(run.spec().document_title)}-{run.reference}.{extension}"
