import json
import sys

from django.core.management.base import BaseCommand, CommandParser

from relais.engine.privacy.pii import TYPES, find_pii


class Command(BaseCommand):
    help = (
        "Personal-data guard: `relais pii scan` reads lines of text on standard input and prints, for each line, "
        'one JSON object {"spans": [{"type", "start", "end"}]}: what the detectors found in that line, with '
        "character offsets into the line as read (the detectors read it normalised — NFKC, without zero-width "
        "characters — and the offsets are mapped back). It reports what the rules find, not that a line without "
        "spans holds no personal data."
    )
    stealth_options = ("stdin",)  # call_command(..., stdin=StringIO(...)) in tests

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "scan",
            help=f"detect personal data in each line of standard input ({', '.join(TYPES)}); one JSON object a line",
        )

    def handle(self, *args, **options) -> None:
        stdin = options.get("stdin") or sys.stdin
        for line in stdin:
            text = line.rstrip("\r\n")
            spans = [{"type": span.type, "start": span.start, "end": span.end} for span in find_pii(text)]
            self.stdout.write(json.dumps({"spans": spans}))
            self.stdout.flush()
