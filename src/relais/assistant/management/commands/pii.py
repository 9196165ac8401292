import json
import sys

from django.core.management.base import BaseCommand, CommandParser

from relais.engine.privacy.pii import find_pii


class Command(BaseCommand):
    help = (
        "Personal-data guard: `relais pii scan` reads lines of text on standard input and prints, for each line, "
        'one JSON object {"spans": [{"type", "start", "end"}]} (character offsets within the line).'
    )
    stealth_options = ("stdin",)  # call_command(..., stdin=StringIO(...)) in tests

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "scan",
            help="detect personal data in each line of standard input (nir, iban, card, phone, email, birthdate, "
            "address, health); one JSON object a line",
        )

    def handle(self, *args, **options) -> None:
        stdin = options.get("stdin") or sys.stdin
        for line in stdin:
            text = line.rstrip("\r\n")
            spans = [{"type": span.type, "start": span.start, "end": span.end} for span in find_pii(text)]
            self.stdout.write(json.dumps({"spans": spans}))
            self.stdout.flush()
