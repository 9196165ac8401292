"""Baselines: entered in the admin, or imported from a helpdesk export (relais insights import-baseline)."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relais.insights.baseline import (
    BaselineFileError,
    Request,
    aggregate,
    decode,
    parse_day,
    parse_export,
    parse_minutes,
)
from relais.insights.models import CategoryBaseline, ServiceBaseline

EXPORT = """Date d'ouverture;Catégorie;Service;Temps de traitement
03/03/2026 09:12;Congés;RH;12
05/03/2026;Congés;RH;0:18
17/03/2026;Paie;RH;1 h 05
30/03/2026;Mot de passe;DSI;10,5
13/04/2026;Mot de passe;DSI;9,5
13/04/2026;Imprimante;DSI;abc
;Imprimante;DSI;15
"""


@pytest.mark.parametrize(
    ("raw", "unit", "minutes"),
    [
        ("12", "minutes", 12),
        ("12,5", "minutes", 12.5),
        ("0:12", "minutes", 12),
        ("00:12:30", "minutes", 12.5),
        ("1 h 05", "minutes", 65),
        ("1h", "minutes", 60),
        ("45 min", "minutes", 45),
        ("90", "seconds", 1.5),
        ("0,5", "hours", 30),
        ("120 s", "minutes", 2),
    ],
)
def test_handling_times(raw, unit, minutes):
    assert parse_minutes(raw, unit) == pytest.approx(minutes)


def test_unreadable_handling_time():
    with pytest.raises(ValueError, match="durée illisible"):
        parse_minutes("deux heures")


def test_dates():
    assert parse_day("2026-03-14") == parse_day("14/03/2026 10:22") == parse_day("14/03/26") == date(2026, 3, 14)
    assert parse_day("2026-03-14T10:22:00") == date(2026, 3, 14)
    with pytest.raises(ValueError, match="date illisible"):
        parse_day("mars 2026")


def test_export_is_parsed_line_by_line():
    parsed = parse_export(EXPORT)
    assert [(r.day, r.service, r.category, r.minutes) for r in parsed.requests] == [
        (date(2026, 3, 3), "RH", "Congés", 12),
        (date(2026, 3, 5), "RH", "Congés", 18),
        (date(2026, 3, 17), "RH", "Paie", 65),
        (date(2026, 3, 30), "DSI", "Mot de passe", 10.5),
        (date(2026, 4, 13), "DSI", "Mot de passe", 9.5),
    ]
    assert parsed.errors == ["ligne 7 : durée illisible « abc »", "ligne 8 : date vide"]


def test_comma_separated_english_headers_and_a_default_service():
    text = "date,category,handling_time\n2026-01-05,VPN,20\n2026-01-06,VPN,30\n"
    parsed = parse_export(text, default_service="DSI")
    assert [(r.service, r.minutes) for r in parsed.requests] == [("DSI", 20), ("DSI", 30)]


def test_windows_1252_file_is_decoded():
    assert decode("Catégorie;Durée\n".encode("cp1252")) == "Catégorie;Durée\n"
    assert decode("\ufeffCatégorie".encode()) == "Catégorie"


def test_missing_columns_are_named():
    with pytest.raises(BaselineFileError, match="colonnes introuvables : service, temps de traitement"):
        parse_export("date;catégorie\n2026-01-05;VPN\n")


def test_aggregate_by_hand():
    requests = parse_export(EXPORT).requests
    rh, dsi = aggregate(requests)[1], aggregate(requests)[0]
    # RH: 3 requests from 3 to 17 March: 15 days = 15 / 30.4375 month. 12 + 18 + 65 = 95 minutes.
    months = 15 / 30.4375
    assert (rh.service, rh.requests, rh.start, rh.end) == ("RH", 3, date(2026, 3, 3), date(2026, 3, 17))
    assert rh.monthly_requests == pytest.approx(3 / months)
    assert rh.staff_hours_per_month == pytest.approx(95 / 60 / months)
    conges, paie = rh.categories
    assert (conges.category, conges.requests, conges.mean_minutes) == ("Congés", 2, 15)
    assert conges.monthly_requests == pytest.approx(2 / months)
    assert (paie.category, paie.mean_minutes) == ("Paie", 65)
    # DSI: 30 March to 13 April = 15 days too; (10.5 + 9.5) / 2 = 10 minutes.
    assert dsi.service == "DSI" and dsi.categories[0].mean_minutes == 10
    assert dsi.staff_hours_per_month == pytest.approx(20 / 60 / months)


def test_one_day_export_counts_as_one_day():
    figures = aggregate([Request(date(2026, 1, 5), "RH", "Paie", 30)])
    assert figures[0].monthly_requests == pytest.approx(30.4375)


@pytest.mark.django_db
def test_import_command_saves_the_baselines(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("insights", "import-baseline", str(path), "--dry-run", stdout=out, stderr=err)
    assert "dry run: nothing saved" in out.getvalue() and not ServiceBaseline.objects.exists()
    assert "ignored: ligne 7 : durée illisible « abc »" in err.getvalue()
    call_command("insights", "import-baseline", str(path), stdout=out, stderr=err)
    rh = ServiceBaseline.objects.get(service="RH")
    assert rh.source == "import" and (rh.period_start, rh.period_end) == (date(2026, 3, 3), date(2026, 3, 17))
    assert rh.monthly_requests == round(3 / (15 / 30.4375))  # 6 a month
    assert rh.staff_hours_per_month == pytest.approx(round(95 / 60 / (15 / 30.4375), 2))
    assert rh.hours_per_month() == rh.staff_hours_per_month
    conges = CategoryBaseline.objects.get(baseline=rh, category="Congés")
    assert (conges.handling_minutes, conges.sample_size) == (15, 2)
    assert "2 service baseline(s) saved from 5 requests (2 line(s) ignored)" in out.getvalue()
    # A second import updates, keeps the categories it does not mention, and keeps what was entered by hand.
    conges.monthly_requests = 99
    conges.save()
    CategoryBaseline.objects.create(baseline=rh, category="Formation", handling_minutes=25)
    path.write_text("date;categorie;service;duree\n2026-05-04;Congés;RH;20\n", encoding="utf-8")
    call_command("insights", "import-baseline", str(path), stdout=out, stderr=err)
    conges.refresh_from_db()
    assert conges.handling_minutes == 20 and rh.categories.count() == 3


@pytest.mark.django_db
def test_import_command_errors(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("insights", "import-baseline", str(tmp_path / "absent.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="colonnes introuvables"):
        call_command("insights", "import-baseline", str(bad))


@pytest.mark.django_db
def test_hours_per_month_from_volume_and_minutes():
    baseline = ServiceBaseline.objects.create(service="RH", monthly_requests=300)
    assert baseline.hours_per_month() is None  # no handling time yet
    CategoryBaseline.objects.create(baseline=baseline, category="Congés", handling_minutes=10, monthly_requests=200)
    CategoryBaseline.objects.create(baseline=baseline, category="Paie", handling_minutes=25, monthly_requests=100)
    # Weighted mean: (10 × 200 + 25 × 100) / 300 = 15 minutes; 300 × 15 / 60 = 75 hours.
    assert baseline.mean_minutes() == 15 and baseline.hours_per_month() == 75
    baseline.staff_hours_per_month = 90
    assert baseline.hours_per_month() == 90
