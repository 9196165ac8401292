from django_tasks import task

from relais.assistant.retention import purge


@task()
def purge_expired() -> dict:
    """Daily retention purge, queued by `relais worker`."""
    return purge().as_dict()
