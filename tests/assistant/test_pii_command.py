"""`relais pii scan` prints what the guard measured on each line, nothing more: spans whose offsets are those of
the line as it was read, even when the detectors read it normalised."""

import json
from io import StringIO

from django.core.management import call_command

from relais.assistant.management.commands.pii import Command
from relais.engine.privacy.pii import TYPES, find_pii

LINES = [
    "Mon NIR : 1 85 05 78 006 084 92",  # wrong key: found by its shape
    "",
    "poste 4321, ticket 2026110412",
    "NIR １８５０５７８００６０８４９１ et IBAN FR76\u200b3000\u200b6000\u200b0112\u200b3456\u200b7890\u200b189",
    "½ journée… mdp : Soleil2024, tél 06\u00a012\u00a034\u00a056\u00a078",
    "Comment changer mon mot de passe ?",
]


def scan(lines: list[str]) -> list[dict]:
    out = StringIO()
    call_command("pii", "scan", stdin=StringIO("".join(f"{line}\n" for line in lines)), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_scan_prints_one_object_per_line_with_offsets_into_the_line_as_read():
    results = scan(LINES)
    assert len(results) == len(LINES)
    for line, result in zip(LINES, results, strict=True):
        # Exactly what find_pii measured on that line: its types and offsets, nothing added, nothing left out.
        assert result == {"spans": [{"type": s.type, "start": s.start, "end": s.end} for s in find_pii(line)]}
    pieces = [
        [(span["type"], line[span["start"] : span["end"]]) for span in result["spans"]]
        for line, result in zip(LINES, results, strict=True)
    ]
    assert pieces == [
        [("nir", "1 85 05 78 006 084 92")],
        [],
        [],
        [
            ("nir", "１８５０５７８００６０８４９１"),
            ("iban", "FR76\u200b3000\u200b6000\u200b0112\u200b3456\u200b7890\u200b189"),
        ],
        [("password", "Soleil2024"), ("phone", "06\u00a012\u00a034\u00a056\u00a078")],
        [],
    ]


def test_a_windows_line_ending_is_not_part_of_the_line():
    out = StringIO()
    call_command("pii", "scan", stdin=StringIO("tél 06 12 34 56 78\r\n"), stdout=out)
    assert json.loads(out.getvalue()) == {"spans": [{"type": "phone", "start": 4, "end": 18}]}


def test_the_help_names_every_type_and_claims_no_more_than_it_measures():
    command = Command()
    text = " ".join(command.create_parser("relais", "pii").format_help().split())
    for kind in TYPES:
        assert kind in text, kind
    assert "not that a line without spans holds no personal data" in " ".join(command.help.split())
