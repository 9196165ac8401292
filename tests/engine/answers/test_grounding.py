"""The groundedness check: sentences cite given passages, facts come from the passages they cite."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from relais.engine.answers.grounding import (
    UNCITED_SENTENCE,
    UNKNOWN_CITATION,
    UNSUPPORTED_FACT,
    check_grounding,
    extract_facts,
    split_sentences,
)

CONGES = (
    "Chaque agent à temps complet bénéficie de 25 jours de congés annuels. Les demandes se font dans le "
    "Portail Agent au moins 15 jours à l'avance. Les congés non pris au 31 décembre peuvent être versés sur le CET."
)
PAIE = (
    "Service paie (RH) : 01 40 12 34 56, paie@ville-exemple.fr. Les bulletins de paie sont déposés dans le "
    "coffre-fort numérique le 25 de chaque mois."
)
SUPPORT = (
    "Support informatique (DSI) : 01 40 12 99 00, poste 4214, du lundi au vendredi de 8 h 30 à 17 h. "
    "Connexion VPN : https://vpn.ville-exemple.fr/ (guide sur intranet.ville-exemple.fr/vpn)."
)
MISSION = (
    "Tout déplacement doit être couvert par un ordre de mission signé avant le départ. Les indemnités "
    "kilométriques sont de 0,25 € par kilomètre ; l'indemnité de repas est de 15,25 euros. La demande est "
    "faite 10 jours ouvrés avant le départ."
)
TEMPS = (
    "La durée annuelle du travail est de 1 607 heures. Le cycle de référence est de 37 h 30 par semaine, "
    "ce qui ouvre droit à 15 jours de RTT."
)
TELETRAVAIL = (
    "Le télétravail est possible jusqu'à deux jours par semaine depuis le 3 mars 2026. L'allocation forfaitaire "
    "est de 2,88 € par jour, dans la limite de 253,44 € par an. Le deuxième jour est facultatif."
)
FRACTIONNEMENT = (
    "Un jour supplémentaire est accordé si vous avez pris 5, 6 ou 7 jours de congé hors période ; "
    "deux jours si vous en avez pris au moins 8. Le service compte 25 agents."
)

# --- Grounded answers pass -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "passages"),
    [
        pytest.param("Vous avez droit à 25 jours de congés par an [1].", [CONGES], id="same-number"),
        pytest.param("Vous avez droit à vingt-cinq jours de congés [1].", [CONGES], id="number-in-words"),
        pytest.param("Posez vos congés quinze jours à l'avance [1].", [CONGES], id="quinze-jours"),
        pytest.param("Pour la paie, appelez le 01.40.12.34.56 [1].", [PAIE], id="phone-dots"),
        pytest.param("Pour la paie, appelez le +33 1 40 12 34 56 [1].", [PAIE], id="phone-international"),
        pytest.param("Pour la paie, appelez le 0140123456 [1].", [PAIE], id="phone-compact"),
        pytest.param("Le support répond au poste 4214 [2].", [PAIE, SUPPORT], id="extension"),
        pytest.param("Pour le support, composez le 4214 [1].", [SUPPORT], id="bare-extension"),
        pytest.param("L'indemnité de repas est de 15,25 € [1].", [MISSION], id="amount-euro-sign"),
        pytest.param("Les indemnités kilométriques sont de 0.25 euro par kilomètre [1].", [MISSION], id="decimal-dot"),
        pytest.param("La durée annuelle est de 1607 heures, soit 37,5 heures par semaine [1].", [TEMPS], id="hours"),
        pytest.param("Le cycle de 37h30 ouvre droit à quinze jours de RTT [1].", [TEMPS], id="hours-compact"),
        pytest.param("Depuis le 03/03/2026, jusqu'à 2 jours par semaine [1].", [TELETRAVAIL], id="numeric-date"),
        pytest.param("Le télétravail est possible depuis le 3 mars [1].", [TELETRAVAIL], id="date-without-year"),
        pytest.param("Depuis 2026, deux jours de télétravail par semaine [1].", [TELETRAVAIL], id="year-in-date"),
        pytest.param(
            "L'allocation est de 2,88 euros par jour, au plus 253,44 € par an [1].", [TELETRAVAIL], id="money"
        ),
        pytest.param("Le 2e jour est facultatif [1].", [TELETRAVAIL], id="ordinal-in-passage"),
        pytest.param("Le VPN se trouve sur http://vpn.ville-exemple.fr [1].", [SUPPORT], id="url-scheme-slash"),
        pytest.param("Le guide est sur www.intranet.ville-exemple.fr [1].", [SUPPORT], id="url-site-root"),
        pytest.param("Écrivez à Paie@Ville-Exemple.fr [1].", [PAIE], id="email-case"),
        pytest.param("Le support est ouvert de 8h30 à 17 h [1].", [SUPPORT], id="clock-times"),
        pytest.param(
            "Appelez le 01 40 12 34 56 pour la paie ou le 01 40 12 99 00 pour l'informatique [1, 2].",
            [PAIE, SUPPORT],
            id="two-citations-comma",
        ),
        pytest.param("La paie : 01 40 12 34 56 ; le support : poste 4214 [1][2].", [PAIE, SUPPORT], id="two-markers"),
        pytest.param("Pour la paie, appelez le 01 40 12 34 56. [1]", [PAIE], id="marker-after-period"),
        pytest.param("M. Martin, de la paie, répond au 01 40 12 34 56 [1].", [PAIE], id="abbreviation"),
        pytest.param(
            "Connectez-vous sur https://vpn.ville-exemple.fr. [1] Le support répond de 8 h 30 à 17 h [1].",
            [SUPPORT],
            id="url-then-sentence",
        ),
        pytest.param(
            "Une demande suffit : un agent peut la faire depuis un ordinateur neuf après avoir remis à zéro son mot "
            "de passe [1].",
            [CONGES],
            id="un-une-neuf-zero",
        ),
        pytest.param(
            "Pour partir en mission :\n- faites signer un ordre de mission avant le départ [1] ;\n"
            "- déposez la demande 10 jours ouvrés avant [1].",
            [MISSION],
            id="lead-in-takes-items-citations",
        ),
        pytest.param(
            "Selon la note [1], il faut :\n- une demande dans le Portail Agent ;\n\n- 15 jours d'avance.",
            [CONGES],
            id="items-take-lead-in-citation",
        ),
        pytest.param(
            "1. Ouvrez le Portail Agent [1].\n2. Choisissez « Mes congés » [1].\n3. Validez la demande [1].",
            [CONGES],
            id="numbered-list",
        ),
        pytest.param("**Étape 2** : validez la demande dans le Portail Agent [1].", [CONGES], id="step-number"),
        pytest.param("Voir la procédure dans le Portail Agent. [1]", [CONGES], id="marker-only-after-period"),
        pytest.param(
            "Voici la marche à suivre :\nConnectez-vous sur https://vpn.ville-exemple.fr [1].",
            [SUPPORT],
            id="lead-in-then-paragraph",
        ),
        pytest.param(
            "## Support informatique\nLe support répond au **poste 4214**, sur **https://vpn.ville-exemple.fr** [1].",
            [SUPPORT],
            id="heading-and-bold",
        ),
        pytest.param(
            "Avec 6 jours pris hors période, vous obtenez un jour de plus [1].", [FRACTIONNEMENT], id="enumeration"
        ),
        pytest.param(
            "À partir de 8 jours pris hors période, vous obtenez 2 jours de plus [1].",
            [FRACTIONNEMENT],
            id="bare-number-in-a-passage-counting-days",
        ),
        pytest.param(
            "Étapes : 1. Ouvrez le Portail Agent [1]. 2. Déposez la demande 15 jours avant [1].",
            [CONGES],
            id="inline-numbering",
        ),
        pytest.param("Bonjour Madame, vous avez droit à 25 jours [1]. Cordialement.", [CONGES], id="courtesy"),
        pytest.param("[1]", [CONGES], id="marker-only"),
        pytest.param("", [CONGES], id="empty"),
        pytest.param("Comment poser un congé ? Passez par le Portail Agent [1] !", [CONGES], id="question-lead"),
    ],
)
def test_grounded_answers_pass(answer, passages):
    report = check_grounding(answer, passages)
    assert report.grounded, [v.as_dict() for v in report.violations]
    assert report.violations == []


# --- Crafted failures are caught --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "passages", "kind", "fact", "normalized"),
    [
        pytest.param(
            "Pour la paie, appelez le 01 40 12 99 00 [1].",
            [PAIE, SUPPORT],
            UNSUPPORTED_FACT,
            "phone",
            "0140129900",
            id="phone-from-another-passage",
        ),
        pytest.param(
            "Le service paie se joint au 01 40 12 34 56 [1]. Pour la paie, appelez le 01 40 12 99 00 [1].",
            [PAIE, SUPPORT],
            UNSUPPORTED_FACT,
            "phone",
            "0140129900",
            id="phone-uncited-in-that-sentence",
        ),
        pytest.param(
            "L'indemnité de repas est de 17,50 € [1].", [MISSION], UNSUPPORTED_FACT, "amount", "17.5 EUR", id="amount"
        ),
        pytest.param(
            "Le télétravail est possible depuis le 1er avril 2026 [1].",
            [TELETRAVAIL],
            UNSUPPORTED_FACT,
            "date",
            "2026-04-01",
            id="invented-date",
        ),
        pytest.param(
            "Le télétravail est possible depuis le 3 mars 2025 [1].",
            [TELETRAVAIL],
            UNSUPPORTED_FACT,
            "date",
            "2025-03-03",
            id="wrong-year",
        ),
        pytest.param(
            "Le VPN est sur https://vpn.ville.fr/ [1].",
            [SUPPORT],
            UNSUPPORTED_FACT,
            "url",
            "vpn.ville.fr",
            id="invented-url",
        ),
        pytest.param(
            "Pour vos congés, écrivez à rh@ville-exemple.fr [1].",
            [PAIE],
            UNSUPPORTED_FACT,
            "email",
            "rh@ville-exemple.fr",
            id="invented-email",
        ),
        pytest.param(
            "Vous avez droit à 23 jours de congés [1].", [CONGES], UNSUPPORTED_FACT, "duration", "23 day", id="23-days"
        ),
        pytest.param(
            "La durée annuelle est de 1 600 heures [1].",
            [TEMPS],
            UNSUPPORTED_FACT,
            "duration",
            "96000 min",
            id="hours-changed",
        ),
        pytest.param(
            "Le télétravail est possible cinq jours par semaine [1].",
            [TELETRAVAIL],
            UNSUPPORTED_FACT,
            "duration",
            "5 day",
            id="days-in-words",
        ),
        pytest.param(
            "Vous avez droit à 25 semaines de congés [1].",
            [CONGES],
            UNSUPPORTED_FACT,
            "duration",
            "25 week",
            id="unit-changed",
        ),
        pytest.param(
            "Le cycle ouvre droit à 12 RTT [1].", [TEMPS], UNSUPPORTED_FACT, "number", "12", id="bare-number-changed"
        ),
        pytest.param(
            "Le temps partiel à 80 % est possible [1].", [TEMPS], UNSUPPORTED_FACT, "percentage", "80 %", id="percent"
        ),
        pytest.param(
            "Le support répond au poste 4215 [1].", [SUPPORT], UNSUPPORTED_FACT, "phone", "ext 4215", id="extension"
        ),
        pytest.param(
            "Le support est ouvert de 9 h à 17 h [1].", [SUPPORT], UNSUPPORTED_FACT, "duration", "540 min", id="clock"
        ),
        pytest.param(
            "Selon la note [1], avant de partir :\n- faites signer l'ordre de mission ;\n"
            "- déposez la demande 20 jours avant.",
            [MISSION],
            UNSUPPORTED_FACT,
            "duration",
            "20 day",
            id="list-item-inherits-and-fails",
        ),
        pytest.param(
            "Avec 4 jours pris hors période, vous obtenez un jour de plus [1].",
            [FRACTIONNEMENT],
            UNSUPPORTED_FACT,
            "duration",
            "4 day",
            id="outside-enumeration",
        ),
        pytest.param(
            "Le service accorde 25 semaines [1].",
            [FRACTIONNEMENT],
            UNSUPPORTED_FACT,
            "duration",
            "25 week",
            id="bare-number-needs-the-unit-in-the-passage",
        ),
        pytest.param(
            "Vous avez droit à 25 jours de congés [1]. Pensez à prévenir votre responsable.",
            [CONGES],
            UNCITED_SENTENCE,
            None,
            None,
            id="sentence-without-citation",
        ),
        pytest.param(
            "Les congés se posent dans le Portail Agent [3].", [CONGES, PAIE], UNKNOWN_CITATION, None, None, id="[3]"
        ),
        pytest.param(
            "Les congés se posent dans le Portail Agent [0].", [CONGES], UNKNOWN_CITATION, None, None, id="[0]"
        ),
    ],
)
def test_crafted_failures_are_caught(answer, passages, kind, fact, normalized):
    report = check_grounding(answer, passages)
    assert not report.grounded
    assert [(v.kind, v.fact, v.normalized) for v in report.violations] == [(kind, fact, normalized)]


def test_the_unit_of_an_enumeration_applies_to_each_number():
    assert {f.value for f in extract_facts("de 2 à 5 jours, 5, 6 ou 7 jours, de 9 à 12 h")} == {
        "2 day",
        "5 day",
        "6 day",
        "7 day",
        "540 min",
        "720 min",
    }


def test_a_fact_is_supported_by_any_passage_the_sentence_cites():
    answer = "Pour la paie, appelez le 01 40 12 99 00 [1][2]."
    assert check_grounding(answer, [PAIE, SUPPORT]).grounded


def test_an_uncited_sentence_has_its_facts_reported_too():
    report = check_grounding("Vous avez droit à 25 jours de congés.", [CONGES])
    assert [v.kind for v in report.violations] == [UNCITED_SENTENCE, UNSUPPORTED_FACT]


def test_only_unknown_citations_are_not_also_uncited():
    report = check_grounding("Vous avez droit à 25 jours de congés [2].", [CONGES])
    assert [(v.kind, v.value) for v in report.violations] == [(UNKNOWN_CITATION, "[2]"), (UNSUPPORTED_FACT, "25 jours")]


def test_report_as_dict():
    report = check_grounding("Appelez le 01 40 12 99 00 [1].", [PAIE])
    payload = report.as_dict()
    assert payload["grounded"] is False
    assert payload["violations"] == [
        {
            "kind": "unsupported_fact",
            "sentence": "Appelez le 01 40 12 99 00 [1].",
            "value": "01 40 12 99 00",
            "fact": "phone",
            "normalized": "0140129900",
            "detail": "phone '01 40 12 99 00' (0140129900) not found in cited passage(s) [1]",
        }
    ]
    assert json.loads(json.dumps(payload)) == payload


# --- Sentence splitting -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "M. Dupont signe l'ordre de mission [1]. Le pôle Missions le valide [2].",
            ["M. Dupont signe l'ordre de mission [1].", "Le pôle Missions le valide [2]."],
        ),
        (
            "Le taux est de 1,5 % [1]. Voir https://intranet.ville-exemple.fr/conges. [1] Écrire à rh@ville.fr. Fin",
            [
                "Le taux est de 1,5 % [1].",
                "Voir https://intranet.ville-exemple.fr/conges. [1]",
                "Écrire à rh@ville.fr.",
                "Fin",
            ],
        ),
        (
            "Prévoir stylos, carnets, etc. pour la formation [1].",
            ["Prévoir stylos, carnets, etc. pour la formation [1]."],
        ),
        (
            "Prévoir stylos, carnets, etc. [1] Le reste est fourni [1].",
            ["Prévoir stylos, carnets, etc. [1]", "Le reste est fourni [1]."],
        ),
        ("Comment faire ? Connectez-vous au VPN [1] !", ["Comment faire ?", "Connectez-vous au VPN [1] !"]),
        (
            "Étapes :\n- ouvrir le portail [1] ;\n1. signer [2].\n\nLa note\nprécise cela [1].",
            ["Étapes :", "- ouvrir le portail [1] ;", "1. signer [2].", "La note précise cela [1]."],
        ),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


# --- Normalisation ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("5 jours", "duration", "5 day"),
        ("2,5 jours", "duration", "2.5 day"),
        ("cinq jours", "duration", "5 day"),
        ("une semaine", "duration", "1 week"),
        ("quatre-vingt-dix jours", "duration", "90 day"),
        ("vingt et un jours", "duration", "21 day"),
        ("2 h 30", "duration", "150 min"),
        ("deux heures et demie", "duration", "150 min"),
        ("150 minutes", "duration", "150 min"),
        ("1 607 heures", "duration", "96420 min"),
        ("1\u202f607 heures", "duration", "96420 min"),
        ("1.607 heures", "duration", "96420 min"),
        ("mille six cent sept heures", "duration", "96420 min"),
        ("01 23 45 67 89", "phone", "0123456789"),
        ("01.23.45.67.89", "phone", "0123456789"),
        ("+33 1 23 45 67 89", "phone", "0123456789"),
        ("0123456789", "phone", "0123456789"),
        ("poste 4214", "phone", "ext 4214"),
        ("15,25 €", "amount", "15.25 EUR"),
        ("15,25 euros", "amount", "15.25 EUR"),
        ("25 centimes", "amount", "0.25 EUR"),
        ("deux cent cinquante euros", "amount", "250 EUR"),
        ("50 %", "percentage", "50 %"),
        ("cinquante pour cent", "percentage", "50 %"),
        ("3 mars 2026", "date", "2026-03-03"),
        ("03/03/2026", "date", "2026-03-03"),
        ("2026-03-03", "date", "2026-03-03"),
        ("1er janvier", "date", "--01-01"),
        ("mars 2026", "date", "2026-03"),
        ("HTTPS://www.Ville-Exemple.fr/", "url", "ville-exemple.fr"),
        ("http://intranet.ville-exemple.fr/conges.", "url", "intranet.ville-exemple.fr/conges"),
        ("Support.DSI@Ville-Exemple.fr", "email", "support.dsi@ville-exemple.fr"),
        ("0,25", "number", "0.25"),
        ("0.25", "number", "0.25"),
        ("soixante et onze", "number", "71"),
    ],
)
def test_normalisation(text, kind, value):
    assert [(f.type, f.value) for f in extract_facts(text)] == [(kind, value)]


@pytest.mark.parametrize(
    "text",
    [
        "Une demande dans le Portail Agent",
        "un ordinateur neuf",
        "remettre à zéro le compteur",
        "l'authentification 2FA",
        "le protocole COVID-19",
        "une imprimante A4",
        "le premier jour",
        "l'un ou l'autre",
    ],
)
def test_no_fact_in_ordinary_prose(text):
    assert extract_facts(text) == []


# --- `relais grounding check` -----------------------------------------------------------------------------------

LINES = [
    {"answer": "Le support répond au poste 4214 [1].", "passages": [SUPPORT]},
    {"answer": "Pour la paie, appelez le 01 40 12 99 00 [1].", "passages": [PAIE, SUPPORT]},
]


def test_command_reads_json_lines():
    stdin = StringIO("\n".join([json.dumps(LINES[0]), "", json.dumps(LINES[1]), '{"answer": 3}', "[]"]) + "\n")
    out = StringIO()
    call_command("grounding", "check", stdin=stdin, stdout=out)
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r.get("grounded") for r in results] == [True, False, None, None]
    assert results[1]["violations"][0]["normalized"] == "0140129900"
    assert results[2] == {"error": 'line 4: "answer" must be a string'}
    assert results[3]["error"].startswith("line 5: expected a JSON object")


def test_relais_grounding_check_subprocess(tmp_path):
    env = {**os.environ, "RELAIS_DATA_DIR": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    stdin = "\n".join([json.dumps(LINES[0], ensure_ascii=False), json.dumps(LINES[1]), "{not json"]) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "relais.cli", "grounding", "check"],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert result.returncode == 0, result.stderr
    grounded, ungrounded, malformed = (json.loads(line) for line in result.stdout.splitlines())
    assert grounded == {"grounded": True, "violations": []}
    assert ungrounded["grounded"] is False and ungrounded["violations"][0]["fact"] == "phone"
    assert malformed["error"].startswith("line 3: invalid JSON")
