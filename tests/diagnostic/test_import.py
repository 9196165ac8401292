"""The task sheet: CSV and ODS read as the référents write them, every kind of bad row refused with its line."""

import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from relais.diagnostic.importing import campaign_for, import_file, task_rows
from relais.diagnostic.models import Campaign, Service, Task
from relais.diagnostic.sheet import HEADERS, SheetError, parse, read_rows, write_csv, write_ods

HEADER = ";".join(HEADERS)
GOOD = "RH;Nadia Lefort;Répondre aux questions sur la paie;Ciril RH;120;6;4;5;4;oui;non;Questions par téléphone"
GOOD2 = "DSI;Julien Roussel;Réinitialiser les mots de passe;GLPI;2,5;10;3;5;5;non;non;"


def csv_bytes(*lines: str, bom: bool = False, sep: str = ";") -> bytes:
    text = "\n".join([HEADER.replace(";", sep), *lines]) + "\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def errors_of(data: bytes, name: str = "taches.csv") -> list[str]:
    _rows, errors = parse(read_rows(name, data))
    return [str(e) for e in errors]


# Reading the file


@pytest.mark.parametrize("bom", [False, True])
def test_semicolons_utf8_with_or_without_bom_and_french_decimals(bom):
    rows, errors = parse(read_rows("t.csv", csv_bytes(GOOD, GOOD2, bom=bom)))
    assert errors == []
    assert [r.title for r in rows] == ["Répondre aux questions sur la paie", "Réinitialiser les mots de passe"]
    assert rows[1].frequency_per_month == Decimal("2.50")
    assert rows[0].personal_data is True and rows[0].decision_about_people is False
    assert rows[0].agents == 4 and rows[1].agents == 3


def test_commas_as_separators_with_quoted_french_decimals():
    line = 'DSI,Julien Roussel,"Installer les postes, et les imprimantes",GLPI,"2,5",90,2,4,4,non,non,'
    rows, errors = parse(read_rows("t.csv", csv_bytes(line, sep=",")))
    assert errors == []
    assert rows[0].title == "Installer les postes, et les imprimantes"
    assert rows[0].frequency_per_month == Decimal("2.50")


def test_numbers_with_spaces_of_thousands_and_a_point_are_read():
    rows, _ = parse(read_rows("t.csv", csv_bytes("Finances;;Saisir les factures;Ciril;1 200;2.5;;5;3;non;non;")))
    assert rows[0].frequency_per_month == Decimal("1200.00")
    assert rows[0].minutes_per_occurrence == Decimal("2.50")
    assert rows[0].agents is None


def test_empty_rows_are_skipped_and_line_numbers_stay_the_files():
    errors = errors_of(csv_bytes(GOOD, ";;;;;;;;;;;", "", "RH;;Tâche;;x;5;1;3;3;non;non;"))
    assert errors == ["ligne 5 : frequence_par_mois : « x » n'est pas un nombre (écrivez par exemple 2,5)"]


def test_a_quoted_cell_over_two_lines_keeps_the_next_rows_line_numbers():
    errors = errors_of(csv_bytes('RH;;"Tâche\nsur deux lignes";;1;60;1;3;3;non;non;', "RH;;Autre;;1;60;1;9;3;non;non;"))
    assert errors == ["ligne 4 : repetitivite : 9 hors des limites (1 à 5)"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "le fichier est vide"),
        (b"service;tache\nRH;x\n", "colonnes manquantes : referent, outil"),
        ((HEADER + ";budget\n").encode(), "colonnes inconnues : budget"),
        ("tâche;é\n".encode("cp1252"), "n'est pas en UTF-8"),
        (b"PK\x03\x04not really a zip", "fichier ODS illisible"),
    ],
)
def test_an_unreadable_file_is_refused_as_a_whole(data, message):
    with pytest.raises(SheetError, match=message):
        read_rows("t.csv", data)


# Every kind of bad row

BAD_ROWS = [
    (";;Tâche;;1;60;1;3;3;non;non;", "valeur manquante : service"),
    ("RH;;;;1;60;1;3;3;non;non;", "valeur manquante : tache"),
    ("RH;;Tâche;;;60;1;3;3;non;non;", "valeur manquante : frequence_par_mois"),
    ("RH;;Tâche;;1;60;1;;3;non;non;", "valeur manquante : repetitivite"),
    ("RH;;Tâche;;1;60;1;3;3;;non;", "valeur manquante : donnees_personnelles"),
    ("RH;;Tâche;;beaucoup;60;1;3;3;non;non;", "frequence_par_mois : « beaucoup » n'est pas un nombre"),
    ("RH;;Tâche;;1.200,5;60;1;3;3;non;non;", "frequence_par_mois : « 1.200,5 » n'est pas un nombre"),
    ("RH;;Tâche;;0;60;1;3;3;non;non;", "frequence_par_mois : 0 hors des limites"),
    ("RH;;Tâche;;-2;60;1;3;3;non;non;", "frequence_par_mois : -2 hors des limites"),
    ("RH;;Tâche;;1;20000;1;3;3;non;non;", "minutes_par_occurrence : 20000 hors des limites"),
    ("RH;;Tâche;;0,001;60;1;3;3;non;non;", "frequence_par_mois : 0,001 est trop petit"),
    ("RH;;Tâche;;NaN;60;1;3;3;non;non;", "frequence_par_mois : « NaN » n'est pas un nombre"),
    ("RH;;Tâche;;1;60;2,5;3;3;non;non;", "agents_concernes : « 2,5 » doit être un nombre entier"),
    ("RH;;Tâche;;1;60;0;3;3;non;non;", "agents_concernes : 0 hors des limites (1 à 100000)"),
    ("RH;;Tâche;;1;60;1;0;3;non;non;", "repetitivite : 0 hors des limites (1 à 5)"),
    ("RH;;Tâche;;1;60;1;3;6;non;non;", "donnees_numeriques : 6 hors des limites (1 à 5)"),
    ("RH;;Tâche;;1;60;1;3,5;3;non;non;", "repetitivite : « 3,5 » doit être un nombre entier"),
    ("RH;;Tâche;;1;60;1;3;3;peut-être;non;", "donnees_personnelles : « peut-être » n'est ni oui ni non"),
    ("RH;;Tâche;;1;60;1;3;3;non;2;", "decision_sur_personnes : « 2 » n'est ni oui ni non"),
    ("RH;;" + "x" * 301 + ";;1;60;1;3;3;non;non;", "tache : 301 caractères, 300 au plus"),
]


@pytest.mark.parametrize(("line", "reason"), BAD_ROWS)
def test_each_bad_row_is_refused_with_its_line_and_reason_and_the_others_kept(line, reason):
    rows, errors = parse(read_rows("t.csv", csv_bytes(GOOD, line, GOOD2)))
    assert [r.title for r in rows] == ["Répondre aux questions sur la paie", "Réinitialiser les mots de passe"]
    assert len(errors) == 1
    assert str(errors[0]).startswith(f"ligne 3 : {reason}")


def test_the_same_task_twice_in_a_file_is_refused_the_second_time():
    errors = errors_of(csv_bytes(GOOD, GOOD.replace("120", "80").replace("RH;", "rh;", 1)))
    assert errors == ["ligne 3 : la tâche « Répondre aux questions sur la paie » du service rh est déjà ligne 2"]


# ODS


def test_ods_round_trip_keeps_every_value_and_line_numbers():
    rows, _ = parse(read_rows("t.csv", csv_bytes(GOOD, GOOD2)))
    data = write_ods(rows)
    again, errors = parse(read_rows("taches.ods", data))
    assert errors == []
    assert again == rows


def test_a_bad_row_of_an_ods_file_is_named_by_its_line():
    rows, _ = parse(read_rows("t.csv", csv_bytes(GOOD, GOOD2)))
    bad = rows[1].__class__(**{**rows[1].__dict__, "repetitiveness": 7})
    _rows, errors = parse(read_rows("t.ods", write_ods([rows[0], bad])))
    assert [str(e) for e in errors] == ["ligne 3 : repetitivite : 7 hors des limites (1 à 5)"]


def test_csv_export_is_bom_semicolon_french_decimals_and_protects_formulas():
    rows, _ = parse(read_rows("t.csv", csv_bytes(GOOD2, "RH;;=HYPERLINK(1);;1;60;1;3;3;non;non;")))
    text = write_csv(rows).decode("utf-8")
    assert text.startswith("\ufeff" + HEADER + "\r\n")
    assert "DSI;Julien Roussel;Réinitialiser les mots de passe;GLPI;2,5;10;3;5;5;non;non;\r\n" in text
    assert "RH;;'=HYPERLINK(1);" in text
    again, errors = parse(read_rows("t.csv", write_csv(rows)))
    assert errors == [] and again == rows


# Saving into the database


@pytest.mark.django_db
def test_import_saves_good_rows_and_reimporting_the_same_file_changes_nothing():
    campaign = campaign_for("Diagnostic 2026")
    data = csv_bytes(GOOD, "RH;;Tâche;;x;5;1;3;3;non;non;", GOOD2)
    first = import_file("t.csv", data, campaign)
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    assert [str(e) for e in first.errors] == [
        "ligne 3 : frequence_par_mois : « x » n'est pas un nombre (écrivez par exemple 2,5)"
    ]
    assert first.new_services == ["RH", "DSI"]
    before = list(Task.objects.order_by("pk").values())
    second = import_file("t.csv", data, campaign)
    assert (second.added, second.updated, second.unchanged, second.new_services) == (0, 0, 2, [])
    assert list(Task.objects.order_by("pk").values()) == before
    assert Service.objects.count() == 2


@pytest.mark.django_db
def test_a_changed_row_updates_its_task_found_by_service_and_task():
    campaign = campaign_for("Diagnostic 2026")
    import_file("t.csv", csv_bytes(GOOD, GOOD2), campaign)
    result = import_file("t.csv", csv_bytes(GOOD.replace(";120;", ";80;").replace("RH;", "rh;", 1)), campaign)
    assert (result.added, result.updated, result.unchanged) == (0, 1, 0)
    task = Task.objects.get(title="Répondre aux questions sur la paie")
    assert task.frequency_per_month == Decimal("80.00") and task.service.name == "RH"
    assert Task.objects.count() == 2  # a row missing from the file is not deleted


@pytest.mark.django_db
def test_dry_run_saves_nothing():
    result = import_file("t.csv", csv_bytes(GOOD), campaign_for("C"), dry_run=True)
    assert result.added == 1
    assert Task.objects.count() == 0 and Service.objects.count() == 0


@pytest.mark.django_db
def test_export_of_the_database_reimports_without_change():
    campaign = campaign_for("C")
    import_file("t.csv", csv_bytes(GOOD, GOOD2), campaign)
    exported = write_csv(task_rows(Task.objects.filter(campaign=campaign)))
    assert import_file("export.csv", exported, campaign).unchanged == 2
    ods = write_ods(task_rows(Task.objects.filter(campaign=campaign)))
    assert import_file("export.ods", ods, campaign).unchanged == 2


# The command


@pytest.mark.django_db
def test_command_imports_reports_refused_lines_and_fails(tmp_path, capsys):
    path = tmp_path / "taches.csv"
    path.write_bytes(csv_bytes(GOOD, "RH;;Tâche;;1;60;1;3;3;non;peut-être;"))
    with pytest.raises(CommandError, match=r"1 ligne\(s\) refusée\(s\), les autres sont importées"):
        call_command("diagnostic", "import", str(path), campaign="Diagnostic 2026")
    out, err = capsys.readouterr()
    assert "taches.csv, ligne 3 : decision_sur_personnes : « peut-être » n'est ni oui ni non" in err
    assert "Diagnostic 2026 : 1 tâche(s) ajoutée(s), 0 modifiée(s), 0 inchangée(s), 1 ligne(s) refusée(s)" in out
    assert Task.objects.get().title == "Répondre aux questions sur la paie"


@pytest.mark.django_db
def test_command_refuses_a_file_with_wrong_headers(tmp_path):
    path = tmp_path / "taches.csv"
    path.write_text("service;tache\nRH;x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="colonnes manquantes"):
        call_command("diagnostic", "import", str(path))


@pytest.mark.django_db
def test_template_and_export_commands(tmp_path, capsys):
    call_command("diagnostic", "template")
    assert capsys.readouterr().out == "\ufeff" + HEADER + "\r\n"
    path = tmp_path / "modele.ods"
    call_command("diagnostic", "template", format="ods", out=path)
    assert read_rows("modele.ods", path.read_bytes()) == []
    src = tmp_path / "t.csv"
    src.write_bytes(csv_bytes(GOOD, GOOD2))
    call_command("diagnostic", "import", str(src))
    capsys.readouterr()
    call_command("diagnostic", "export")
    assert capsys.readouterr().out.splitlines()[1:] == [
        "DSI;Julien Roussel;Réinitialiser les mots de passe;GLPI;2,5;10;3;5;5;non;non;",
        "RH;Nadia Lefort;Répondre aux questions sur la paie;Ciril RH;120;6;4;5;4;oui;non;Questions par téléphone",
    ]


@pytest.mark.django_db
def test_opportunities_json_best_first(tmp_path, capsys):
    src = tmp_path / "t.csv"
    src.write_bytes(csv_bytes(GOOD, GOOD2, "RH;;Attribuer les primes;Tableur;10;60;1;4;4;oui;oui;"))
    call_command("diagnostic", "import", str(src))
    capsys.readouterr()
    call_command("diagnostic", "opportunities", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert [r["tache"] for r in rows] == [
        "Répondre aux questions sur la paie",
        "Attribuer les primes",
        "Réinitialiser les mots de passe",
    ]
    first = rows[0]
    assert {k: first[k] for k in ["service", "heures_par_an", "score", "risque", "recommandation"]} == {
        "service": "RH",
        "heures_par_an": 144.0,
        "score": 52,
        "risque": "modéré",
        "recommandation": "Réponse dans la base de connaissances de Relais",
    }
    assert rows[1]["risque"] == "élevé" and rows[1]["recommandation"] == "Assistance sous contrôle humain"
    assert rows[2]["heures_par_an"] == 5.0 and rows[2]["score"] == 0
    assert rows[2]["recommandation"] == "Non recommandé"
    assert all(isinstance(r["raisons"], list) and r["raisons"] for r in rows)


@pytest.mark.django_db
def test_campaign_command_opens_and_sets_the_deadline(capsys):
    call_command("diagnostic", "campaign", "Diagnostic 2027", deadline=__import__("datetime").date(2027, 3, 31))
    out = capsys.readouterr().out
    assert "Campagne ouverte : Diagnostic 2027" in out
    assert "date limite 31/03/2027, 0 tâche(s)" in out
    assert Campaign.objects.current().name == "Diagnostic 2027"


@pytest.mark.parametrize("action", ["import", "template", "export", "opportunities", "campaign"])
def test_each_action_has_help(tmp_path, action):
    env = {**os.environ, "RELAIS_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-m", "relais.cli", "diagnostic", action, "--help"], env=env, capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    assert f"diagnostic {action}" in out
