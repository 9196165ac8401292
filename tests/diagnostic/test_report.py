"""`relais diagnostic report --out FOLDER`: the « Diagnostic numérique » report, HTML and PDF, on the demo town."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from relais.diagnostic.inventory import load_folder
from relais.diagnostic.models import Campaign
from relais.diagnostic.report import build, opportunities_table, service_summary

pytestmark = pytest.mark.django_db
FOLDER = Path(__file__).resolve().parents[2] / "demo" / "diagnostic"


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture()
def demo():
    load_folder(FOLDER)
    return Campaign.objects.current()


def test_the_command_writes_html_and_pdf(demo, tmp_path, capsys):
    call_command("diagnostic", "report", "--out", str(tmp_path / "rapport"))
    stem = f"diagnostic-numerique-{date.today():%Y%m%d}"
    assert capsys.readouterr().out.split() == [str(tmp_path / "rapport" / f"{stem}.{ext}") for ext in ("pdf", "html")]
    html = (tmp_path / "rapport" / f"{stem}.html").read_text(encoding="utf-8")
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings == ["1. Synthèse par service", "2. Méthode", "3. Maturité numérique par service",
                        "4. Heures par service et par recommandation", "5. Opportunités, la meilleure d'abord",
                        "6. Estimation du diagnostic et mesure de Relais", "7. Feuille de route des chantiers",
                        "8. Sensibilisation et groupes de travail"]  # fmt: skip
    # The charts, each with its text alternative and its data table.
    assert 'id="carte-heures" role="img"' in html and 'id="matrice-valeur-effort" role="img"' in html
    for caption in ["Synthèse par service", "Heures par an par service et par recommandation",
                    "Chantiers de la feuille de route, dans l&#x27;ordre où les lancer",
                    "Opportunités, la meilleure d&#x27;abord, avec leurs raisons"]:  # fmt: skip
        assert f">{caption}</caption>" in html
    pdf = (tmp_path / "rapport" / f"{stem}.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "Diagnostic numérique" in text and "5. Opportunités, la meilleure d'abord (30 premières)" in text
    assert "Rapprocher bons de commande et factures" in text and "7. Feuille de route des chantiers" in text


def test_opportunities_come_best_first_with_their_reasons(demo):
    data = build(demo)
    table = opportunities_table(data)
    first = table.rows[0]
    assert first[:3] == ["1", "Rapprocher bons de commande et factures", "Finances"]
    assert first[6] == "Automatisation hors Relais" and first[8]  # its reasons, joined
    scores = [int(row[4]) for row in table.rows]
    assert scores == sorted(scores, reverse=True) and min(scores) > 0  # only recommended tasks
    assert len(table.rows) == len(data.rated) - 15  # the 15 not recommended are left out


def test_the_summary_has_one_row_per_service_with_its_figures(demo):
    data = build(demo)
    rows = {row[0]: row for row in service_summary(data).rows}
    assert len(rows) == 17
    rh = rows["RH"]
    assert rh[1] == "Transmis" and rh[3] == "10"
    assert rh[4] == "1\u202f158" and rh[5] == "225"  # docs/diagnostic.md: « for RH 225 of 1,158 h (19 %) »
    assert rh[6] == "19\u00a0%"
    assert f"{data.hours:.0f}" == "23146" and f"{data.saved:.0f}" == "4617"
