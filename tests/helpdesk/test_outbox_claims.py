"""Several workers deliver one outbox: each message is claimed, so it is sent once, even by racing processes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from relais.helpdesk.connectors import DeliveryError
from relais.helpdesk.models import OutboxMessage
from relais.helpdesk.outbox import _record_failure, claim_lease
from tests.operations.installations import BACKENDS, installation, run_together

BACKLOG = 40

SEED = """
from relais.helpdesk.models import OutboxMessage
def payload(key):
    return {"key": key, "reference": "RH-1", "external_id": "", "body": "Votre demande avance.", "author_name": "RH"}
keys = [f"notify-{i}" for i in range(int(sys.argv[1]))]
OutboxMessage.objects.bulk_create(
    OutboxMessage(kind="notify", connector="recording", payload=payload(key), idempotency_key=key) for key in keys
)
print(json.dumps(len(keys)))
"""

# A worker whose connector appends each send to a shared log; "die" makes it crash in the middle of its first send
# (as a killed process would: no exception handler runs); a clock offset delivers « later ».
DELIVER = """
from datetime import timedelta
from django.utils import timezone
from relais.helpdesk import outbox
log, mode, offset = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])

class Recording:
    name = "recording"

    def add_followup(self, followup):
        if mode == "die":
            os._exit(9)
        time.sleep(0.005)  # a send takes a while: the other workers claim meanwhile
        with log.open("a") as sent:
            sent.write(f"{followup.key} {os.getpid()}\\n")
        return f"sent-{followup.key}"

outbox.get_connector = lambda name: Recording()
ready()
now = timezone.now() + timedelta(seconds=offset) if offset else None
print(json.dumps(outbox.deliver_due(now=now)))
"""

STATES = """
from relais.helpdesk.models import OutboxMessage
rows = OutboxMessage.objects.order_by("pk")
print(json.dumps([[m.idempotency_key, m.state, m.attempts, m.claimed_until is not None] for m in rows]))
"""


def sent_keys(log) -> list[str]:
    return sorted(line.split()[0] for line in log.read_text().splitlines()) if log.exists() else []


@pytest.mark.parametrize("backend", BACKENDS)
def test_three_workers_on_one_backlog_send_each_message_exactly_once(backend, tmp_path):
    log = tmp_path / "sent.log"
    with installation(backend, tmp_path) as env:
        run_together(SEED, env, args=(str(BACKLOG),))
        counts = run_together(DELIVER, env, processes=3, args=(str(log), "send", "0"))
        states = run_together(STATES, env)[0]
    assert sent_keys(log) == sorted(f"notify-{i}" for i in range(BACKLOG))  # every one, none twice
    assert sum(c["delivered"] for c in counts) == BACKLOG and sum(c["failed"] for c in counts) == 0
    assert {(state, attempts, claimed) for _, state, attempts, claimed in states} == {("sent", 1, False)}


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_message_held_by_a_worker_killed_mid_send_is_sent_once_its_claim_runs_out(backend, tmp_path):
    log, lease_end = tmp_path / "sent.log", int(claim_lease().total_seconds()) + 1
    with installation(backend, tmp_path) as env:
        run_together(SEED, env, args=("1",))
        died = run_together(DELIVER, env, args=(str(log), "die", "0"), check=False)
        held = run_together(STATES, env)[0]
        # Another worker at once: the claim still stands, so it does not send (the dead one may have).
        soon = run_together(DELIVER, env, processes=2, args=(str(log), "send", "0"))
        # After the lease: sendable again, by one worker only.
        later = run_together(DELIVER, env, processes=2, args=(str(log), "send", str(lease_end)))
        states = run_together(STATES, env)[0]
    assert died == [None] and held == [["notify-0", "pending", 0, True]]
    assert soon == [{"delivered": 0, "failed": 0}] * 2
    assert sorted(c["delivered"] for c in later) == [0, 1]
    assert sent_keys(log) == ["notify-0"]
    assert states == [["notify-0", "sent", 1, False]]


@pytest.mark.django_db
def test_a_worker_whose_claim_ran_out_does_not_undo_another_workers_success():
    message = OutboxMessage.objects.create(
        kind="notify", connector="email", payload={"key": "late"}, idempotency_key="late"
    )
    stale = OutboxMessage.objects.get(pk=message.pk)  # what the slow worker loaded before its claim ran out
    OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxMessage.State.SENT, attempts=1)
    _record_failure(stale, DeliveryError("SMTP timed out"), timezone.now() + timedelta(minutes=5))
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (OutboxMessage.State.SENT, 1, "")
