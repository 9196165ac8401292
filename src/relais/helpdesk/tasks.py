from django_tasks import task

from relais.helpdesk.outbox import deliver_due
from relais.helpdesk.tickets import sync_statuses


@task()
def deliver_outbox() -> dict[str, int]:
    """Background delivery of the outbox (django-tasks: database worker on one machine, Celery at scale)."""
    return deliver_due()


@task()
def sync_helpdesk_statuses() -> int:
    return sync_statuses()
