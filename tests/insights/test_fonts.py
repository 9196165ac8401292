"""The reports' fonts: one search (relais.engine.writers.fonts), and a missing package named, never a 500."""

import logging
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from relais.diagnostic.models import Campaign
from relais.engine.writers import fonts
from relais.engine.writers.fonts import FONT_FILES, FontsMissing, font_dir, require_font_dir

DEBIAN_FONTS = Path("/usr/share/fonts/truetype/dejavu")


@pytest.fixture()
def no_fonts(tmp_path, monkeypatch):
    """The search path pointed at one empty folder: a server without fonts-dejavu-core."""
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    monkeypatch.setattr(fonts, "search_path", lambda: [empty])
    return empty


def test_debian_fonts_are_found_where_fonts_dejavu_core_puts_them():
    # `make run` and the deployment guide install fonts-dejavu-core: the reports rely on this folder.
    assert require_font_dir() == DEBIAN_FONTS


def test_a_missing_font_names_the_debian_package(no_fonts):
    assert font_dir() is None
    with pytest.raises(FontsMissing) as caught:
        require_font_dir()
    message = str(caught.value)
    assert "apt-get install fonts-dejavu-core" in message and str(no_fonts) in message
    with pytest.raises(FontsMissing, match="fonts-dejavu-core fonts-dejavu-extra"):
        require_font_dir(FONT_FILES)  # the oblique face comes with the extra package


def test_the_reports_need_regular_and_bold_only(tmp_path, monkeypatch):
    folder = tmp_path / "core-only"
    folder.mkdir()
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):  # what fonts-dejavu-core ships
        shutil.copy(DEBIAN_FONTS / name, folder / name)
    monkeypatch.setattr(fonts, "search_path", lambda: [tmp_path / "elsewhere", folder])
    assert require_font_dir() == folder
    assert font_dir() is None  # the demo's PDFs want the oblique too; they fall back to the core fonts


@pytest.mark.django_db
def test_the_cli_reports_say_which_package_to_install(no_fonts, tmp_path):
    Campaign.objects.create(name="Diagnostic", opened_on=date.today(), deadline=date.today() + timedelta(days=10))
    for command in (["report", "--from", "2026-01-01", "--to", "2026-01-31"], ["diagnostic", "report"]):
        out = tmp_path / command[0]
        with pytest.raises(CommandError, match=r"cannot write the PDF: .*apt-get install fonts-dejavu-core"):
            call_command(*command, "--out", str(out))
        assert not any(out.glob("*"))  # no HTML without its PDF


@pytest.mark.django_db
def test_the_pdf_routes_answer_a_french_page(no_fonts, caplog):
    Campaign.objects.create(name="Diagnostic", opened_on=date.today(), deadline=date.today() + timedelta(days=10))
    get_user_model().objects.create_superuser("admin", password="x")
    client = Client(raise_request_exception=True)  # a 500 would raise here
    assert client.login(username="admin", password="x")
    for url, html in [
        (
            "/pilotage/rapport.pdf?start=2026-01-01&end=2026-01-31",
            "/pilotage/rapport.html?start=2026-01-01&amp;end=2026-01-31",
        ),
        ("/diagnostic/rapport.pdf", "/diagnostic/rapport.html"),
    ]:
        with caplog.at_level(logging.ERROR, logger="relais.insights.fonts"):
            response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 503 and response["Content-Type"].startswith("text/html")
        assert "Rapport PDF indisponible" in page and "fonts-dejavu-core" in page and f'href="{html}"' in page
        assert "apt-get install fonts-dejavu-core" in caplog.text  # the operator's fix, in the log
        assert client.get(html.replace("&amp;", "&")).status_code == 200
