"""The trial report, generated from simulated demo usage; the PDF's text read back."""

import re
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from pypdf import PdfReader

from relais.demo import town
from relais.demo.simulate import simulate
from relais.insights.measure import SIMULATED_NOTICE, Period, measure
from relais.insights.templatetags.insights_format import format_cell

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

DEMO = Path(__file__).resolve().parents[2] / "demo"
START, END = date(2026, 10, 27), date(2026, 11, 26)


def pdf_text(data: bytes | Path) -> str:
    reader = PdfReader(data if isinstance(data, Path) else __import__("io").BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")
    return re.sub(r"[ \t]+", " ", text)  # justified lines come back with double spaces


def written(value, kind: str = "hours") -> str:
    return format_cell(value, kind).replace("\xa0", " ")


def test_report_from_the_demo_data(tmp_path):
    simulate(months=1, agents=40, per_day=10, seed=5, folder=DEMO, today=END)
    out = StringIO()
    call_command("report", "--from", "2026-10-27", "--to", "2026-11-26", "--out", str(tmp_path), stdout=out)
    pdf, html = (Path(line) for line in out.getvalue().split())
    assert pdf.name == "rapport-relais-20261027-20261126.pdf" and html.suffix == ".html"
    text = pdf_text(pdf)
    assert "Relais — rapport de la période d'évaluation" in text and f"Mairie de {town.TOWN_NAME}" in text
    assert SIMULATED_NOTICE == "Données simulées (démonstration)" and SIMULATED_NOTICE in text  # said, on page one
    assert "Période du 27/10/2026 au 26/11/2026" in text and re.search(r"Rapport édité le \d\d/\d\d/\d{4}", text)
    for heading in (
        "1. Méthode",
        "2. Volumes",
        "3. Déflexion",
        "5. Satisfaction",
        "7. Incidents au regard de la charte",
    ):
        assert heading in text
    assert "6. Principales lacunes de la documentation" in text
    # The hours saved per service, as on the dashboard, in the per-service table of the PDF.
    m = measure(Period(START, END))
    assert {s.service for s in m.measured_savings} == {"RH", "DSI"}
    for saving in m.measured_savings:
        row = re.compile(rf"^{saving.service} {saving.deflected} \d")  # the table's row, not the chart's label
        line = next(line for line in text.splitlines() if row.match(line))
        assert written(saving.hours) in line and written(saving.baseline_hours) in line
    flat = " ".join(text.split())
    assert f"Heures économisées : {written(m.hours)}" in flat
    assert "Heures économisées = Σ par catégorie" in flat and "(intervalle de Wilson)" in flat
    page = html.read_text(encoding="utf-8")
    assert f"<strong>{SIMULATED_NOTICE}</strong>" in page
    assert '<html lang="fr">' in page and 'role="img"' in page
    assert '<caption id="rapport-heures-par-service">Heures économisées par service' in page
    # As on the PDF's page, the columns a reader of the report needs; the dashboard and the CSV have them all.
    assert '<th scope="col" class="num">Agents actifs</th>' in page and "Réponses extraites" not in page
    for saving in m.measured_savings:
        assert format_cell(saving.hours, "hours") in page


def test_report_button_on_the_dashboard():
    client = Client()
    assert client.login(username="pilotage.demo", password="valdebrume-demo")
    query = {"start": "2026-10-27", "end": "2026-11-26"}
    page = client.get("/pilotage/", query).content.decode()
    assert "/pilotage/rapport.pdf?start=2026-10-27&amp;end=2026-11-26" in page
    response = client.get("/pilotage/rapport.pdf", query)
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="rapport-relais-20261027-20261126.pdf"' in response["Content-Disposition"]
    assert f"Mairie de {town.TOWN_NAME}" in pdf_text(response.content)
    assert (
        "<h1>Relais — rapport de la période d'évaluation</h1>"
        in client.get("/pilotage/rapport.html", query).content.decode()
    )
    assert client.get("/pilotage/rapport.doc").status_code == 404
    agent = Client()
    assert agent.login(username="agent.demo", password="valdebrume-demo")
    assert agent.get("/pilotage/rapport.pdf").status_code == 403


def test_report_dates_are_checked():
    with pytest.raises(CommandError, match="--to is before --from"):
        call_command("report", "--from", "2026-11-26", "--to", "2026-11-01")
    with pytest.raises(CommandError, match="expected a date"):
        call_command("report", "--from", "26/11/2026")


def test_charter_incidents_count_masked_data_situations_and_leftovers():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from relais.assistant.models import Conversation, Exchange
    from relais.insights.report import _sentences, build

    user = get_user_model().objects.get(username="agent.demo")
    rows = [
        ("Rappelez-moi au [TÉLÉPHONE] svp", ["phone"], ""),
        ("Je suis en arrêt pour une [SANTÉ], ma prime ?", ["health"], "health"),
        ("Écrivez à camille.martin@valdebrume.example", [], ""),  # an old row, logged before the guard
    ]
    for question, masked, situation in rows:
        Exchange.objects.create(
            conversation=Conversation.objects.create(user=user), user=user, question=question, search_query=question,
            answer="…", mode="none", confidence=0, latency_ms=5, masked_pii=masked, personal_situation=situation,
        )  # fmt: skip
    today = timezone.localdate()
    text = _sentences(build(Period(today, today)))["charter"]
    assert "Abstentions : 3 (100 %)".replace(" %", "\u00a0%") in text
    assert "masquées avant tout traitement : 2 question(s) (" in text and "téléphone : 1" in text
    assert "information de santé : 1" in text
    assert "orientées vers un interlocuteur : 1." in text
    assert "le filtre trouve encore des données personnelles : 1" in text


def filled_rectangles(pdf: bytes) -> list[tuple[float, ...]]:
    """The fill colour of every rectangle the PDF fills, in drawing order (pages one after the other)."""
    from io import BytesIO

    from pypdf.generic import ContentStream

    reader = PdfReader(BytesIO(pdf))
    fills: list[tuple[float, ...]] = []
    for page in reader.pages:
        colour: tuple[float, ...] = (0.0,)  # the PDF default, set again on each page
        stack: list[tuple[float, ...]] = []
        pending = False  # a `re` path waiting for its painting operator
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator in (b"rg", b"g", b"k"):
                colour = tuple(round(float(v), 2) for v in operands)
            elif operator == b"q":
                stack.append(colour)
            elif operator == b"Q" and stack:
                colour = stack.pop()
            elif operator == b"re":
                pending = True
            elif pending and operator in (b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"):
                fills.append(colour)
                pending = False
            elif operator in (b"S", b"s", b"n"):
                pending = False
    return fills


def test_tables_after_the_chart_are_not_printed_on_its_colour():
    """Issue 19: the bars' dark teal was never reset, and every later table cell was filled with it."""
    from relais.insights.report import build, render_pdf, target_bars

    simulate(months=1, agents=6, per_day=3, seed=5, folder=DEMO, today=END)
    data = build(Period(START, END))
    bars = target_bars(data.m)
    assert bars and data.savings_table.rows  # a chart, then the per-service table under it
    teal = tuple(round(v / 255, 2) for v in (31, 95, 91))
    fills = filled_rectangles(render_pdf(data))
    assert fills.count(teal) == len(bars)  # the bars themselves, and nothing else
    heading = tuple(round(v / 255, 2) for v in (232, 240, 239))
    assert set(fills) <= {teal, heading}  # table cells are only filled in their (light) heading row
