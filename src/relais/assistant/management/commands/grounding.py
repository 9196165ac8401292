import io
import json
import sys
from typing import TextIO

from django.core.management.base import BaseCommand, CommandParser

from relais.engine.answers.grounding import check_grounding


def check_line(line: str, number: int) -> dict[str, object]:
    """The grounding report of one JSON line, or ``{"error": …}`` when the line is not a valid request."""
    try:
        request = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"line {number}: invalid JSON: {exc.msg} (column {exc.colno})"}
    if not isinstance(request, dict):
        return {"error": f'line {number}: expected a JSON object {{"answer": ..., "passages": [...]}}'}
    answer, passages = request.get("answer"), request.get("passages")
    if not isinstance(answer, str):
        return {"error": f'line {number}: "answer" must be a string'}
    if not isinstance(passages, list) or not all(isinstance(p, str) for p in passages):
        return {"error": f'line {number}: "passages" must be a list of strings'}
    return check_grounding(answer, passages).as_dict()


class Command(BaseCommand):
    help = (
        "Check generated answers against the passages they cite: `relais grounding check` reads JSON lines "
        '{"answer": "... [1]", "passages": ["...", ...]} on standard input and prints one '
        '{"grounded": true|false, "violations": [...]} line each.'
    )
    # `stdin` lets tests and callers pass a stream instead of the process's standard input.
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser(
            "check",
            help="read JSON lines on standard input, print one JSON report line each",
            description=(
                'Reads one JSON object a line, {"answer": "... [1] ... [2]", "passages": ["...", "..."]} '
                "(citations numbered from 1 in passage order), and prints for each line one JSON object "
                '{"grounded": true|false, "violations": [...]}; a malformed line prints {"error": "..."} '
                "and the command goes on. Blank lines are skipped. The exit status is 0."
            ),
        )

    def handle(self, *args, **options) -> None:
        stream: TextIO = options.get("stdin") or io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8")
        for number, line in enumerate(stream, 1):
            if not line.strip():
                continue
            self.stdout.write(json.dumps(check_line(line, number), ensure_ascii=False))
            self.stdout.flush()
