from django.core.management.base import BaseCommand, CommandParser

from relais.helpdesk.models import OutboxMessage
from relais.helpdesk.outbox import deliver_due
from relais.helpdesk.tickets import sync_statuses


class Command(BaseCommand):
    help = "Helpdesk operations: `relais helpdesk deliver` (send what the outbox holds), `sync`, `outbox`."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("deliver", help="try now every pending send whose retry time has come")
        actions.add_parser("sync", help="read back the status of tickets opened in GLPI")
        actions.add_parser("outbox", help="list pending and failed sends")

    def handle(self, *args, **options) -> None:
        action = options["action"]
        if action == "deliver":
            counts = deliver_due()
            self.stdout.write(f"delivered {counts['delivered']}, still pending {counts['failed']}")
        elif action == "sync":
            self.stdout.write(f"{sync_statuses()} ticket status(es) updated")
        else:
            for message in OutboxMessage.objects.exclude(state=OutboxMessage.State.SENT).select_related("ticket"):
                about = message.ticket.reference if message.ticket else message.payload.get("reference", "")
                fields = [
                    message.pk, message.get_kind_display(), about, message.state,
                    f"attempts {message.attempts}", f"next {message.next_attempt_at:%Y-%m-%d %H:%M}",
                    message.last_error[:80],
                ]  # fmt: skip
                self.stdout.write("\t".join(map(str, fields)))
