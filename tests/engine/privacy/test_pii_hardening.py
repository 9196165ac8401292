"""The guard's hardening (issue 18): text normalised before every detector, NIRs by their shape, passwords,
and the helper that masks a free text before it is stored."""

import random
import unicodedata

import pytest

from relais.engine.privacy import pii
from relais.engine.privacy.pii import (
    NEVER_STORED,
    PLACEHOLDERS,
    PRIORITY,
    TYPES,
    find_pii,
    guard_free_text,
    mask,
    nir_shape_ok,
    normalize,
    personal_situation,
)


def found(text: str) -> list[tuple[str, str]]:
    return [(span.type, span.text) for span in find_pii(text)]


def spans_are_the_texts_own(text: str) -> None:
    for span in find_pii(text):
        assert span.text == text[span.start : span.end], (text, span)


# --- normalisation ---------------------------------------------------------------------------------------------

ZERO_WIDTH = "\u200b"  # zero-width space
INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202a"]


def test_normalize_is_nfkc_without_format_characters():
    assert normalize("１８５\u200b０５\u00ad７８") == "1850578"
    assert normalize("e\u0301") == "é" and normalize("ﬁchier") == "fichier"
    for char in INVISIBLES:
        assert normalize(f"a{char}b") == "ab", hex(ord(char))
    assert all(unicodedata.category(char) == "Cf" for char in INVISIBLES)


@pytest.mark.parametrize(
    "text, kind, value",
    [
        (
            "NIR 1\u200b85\u200b05\u200b78\u200b006\u200b084\u200b91 merci",
            "nir",
            "1\u200b85\u200b05\u200b78\u200b006\u200b084\u200b91",
        ),
        ("NIR １８５０５７８００６０８４９１.", "nir", "１８５０５７８００６０８４９１"),
        ("NIR 185057800\u00ad608491", "nir", "185057800\u00ad608491"),
        (
            "IBAN FR76\u200b3000\u200b6000\u200b0112\u200b3456\u200b7890\u200b189",
            "iban",
            "FR76\u200b3000\u200b6000\u200b0112\u200b3456\u200b7890\u200b189",
        ),
        ("carte 4111\u20601111\u20601111\u20601111", "card", "4111\u20601111\u20601111\u20601111"),
        ("tél ０６ １２ ３４ ５６ ７８", "phone", "０６ １２ ３４ ５６ ７８"),
        ("écrire à c.mar\u200btin@ville-exemple.fr", "email", "c.mar\u200btin@ville-exemple.fr"),
        ("mdp\u200b : Soleil2024", "password", "Soleil2024"),
        ("mot de pa\u00adsse : Soleil2024", "password", "Soleil2024"),
        ("Je suis ne\u0301e le 14/02/1978", "birthdate", "14/02/1978"),
        ("je suis en arrêt pour dé\u200bpression", "health", "dé\u200bpression"),
    ],
)
def test_invisible_and_compatibility_characters_do_not_hide_personal_data(text, kind, value):
    """Each detector reads the normalised text; the span is the caller's characters, invisible ones included."""
    assert found(text) == [(kind, value)]
    spans_are_the_texts_own(text)
    assert PLACEHOLDERS[kind] in mask(text) and value not in mask(text)


def test_mask_maps_back_after_characters_that_normalisation_changes():
    # NFKC turns « ½ » into three characters and « … » into three dots, drops the zero-width space: the spans
    # after them must still fall on the number as written.
    text = "½ journée… mon\u200b NIR : 1 85 05 78 006 084 91, tél 06 12 34 56 78."
    assert mask(text) == "½ journée… mon\u200b NIR : [NIR], tél [TÉLÉPHONE]."
    spans_are_the_texts_own(text)


@pytest.mark.parametrize(
    "text",
    [
        "Je pars en congé le 3\u202fjuin… et je reviens le 12\u00a0juin ?",
        "Le ½ traitement, c’est pour « maladie » ?",
        "Le ﬁchier du 2ᵉ étage\u200b est introuvable.",
        "Cafe\u0301 offert au 3e e\u0301tage",
        "",
    ],
)
def test_a_text_without_personal_data_comes_back_unchanged(text):
    """The text is never rewritten where nothing is masked: no NFKC, no removed character in what is stored."""
    assert find_pii(text) == []
    assert mask(text) == text


def test_personal_situation_reads_the_normalised_text():
    assert personal_situation("je suis en arrêt pour dé\u200bpression") == "health"
    assert personal_situation("je suis convoqué en conseil de disci\u00adpline") == "disciplinary"


def test_seeded_invisible_characters_anywhere_in_a_number():
    rng = random.Random("pii-invisible")
    for number, kind in [
        ("1 85 05 78 006 084 91", "nir"),
        ("FR76 3000 6000 0112 3456 7890 189", "iban"),
        ("4111 1111 1111 1111", "card"),
        ("06 12 34 56 78", "phone"),
    ]:
        for _ in range(50):
            chars = list(number)
            for _ in range(rng.randint(1, 4)):
                chars.insert(rng.randint(1, len(chars) - 1), rng.choice(INVISIBLES))
            written = "".join(chars)
            text = f"voici : {written} merci"
            assert found(text) == [(kind, written)], repr(text)


# --- NIR by its shape ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mon NIR : 1 85 05 78 006 084 92.", "1 85 05 78 006 084 92"),  # wrong key
        ("Mon NIR : 1 85 05 78 006 084", "1 85 05 78 006 084"),  # no key
        ("secu 1850578006084 merci", "1850578006084"),
        ("secu 185057800608400", "185057800608400"),  # key 00: no NIR has it
        ("carte vitale 1.85.05.78.006.084", "1.85.05.78.006.084"),
        ("NIR 1-85-05-78-006-084-17", "1-85-05-78-006-084-17"),
        ("né à Ajaccio : 2 90 02 2A 123 456", "2 90 02 2A 123 456"),
        ("né à Pointe-à-Pitre : 1 85 05 971 12 084 33", "1 85 05 971 12 084 33"),
        ("numéro provisoire 7 85 05 78 006 084", "7 85 05 78 006 084"),
        ("mois inconnu : 1 85 35 78 006 084", "1 85 35 78 006 084"),  # month 20–42
        ("mois inconnu : 2 85 62 78 006 084", "2 85 62 78 006 084"),  # month 50–99
        ("Dossier retraite, NIR 1850578006084", "1850578006084"),  # « NIR » is nearer than « dossier »
    ],
)
def test_a_nir_is_found_by_its_shape_when_the_key_is_missing_or_wrong(text, expected):
    assert found(text) == [("nir", expected)]
    assert mask(text).count("[NIR]") == 1


@pytest.mark.parametrize(
    "text",
    [
        "1 85 13 78 006 084",  # month 13
        "1 85 00 78 006 084 91",  # month 00
        "1 85 45 78 006 084",  # month 43–49
        "1 85 05 00 006 084",  # department 00
        "1 85 05 78 000 084",  # commune 000
        "1 85 05 78 006 000",  # order 000
        "5 85 05 78 006 084",  # no such sex digit
        "3 85 05 78 006 084 12",  # 3 and 4 need the right key (barcodes start with 30–37)
        "4 85 05 78 006 084 12",
    ],
)
def test_a_number_without_a_nir_structure_is_not_one(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "ticket 2026110412345",
        "Ticket GLPI n° 2611041234567 : imprimante en panne",
        "Commande 1850578006084 livrée",
        "Facture n° 2850578006084",
        "référence 1850578006084",
        "Le colis 1850578006084 est arrivé",
        "numéro de série 2850578006084",
        "Code EAN du toner : 3760123456789.",
        "EAN 2850578006084",
        "IMEI : 861234567890123",
        "IMEI 358240051111110",
        "Le montant est de 1850578006084 €",
        "Budget : 1850578006084 euros",
        "SIRET 362 521 879 00034",
        "SIRET 36252187900034",
        "SIREN 362521879",
        "12345678901234",  # 14 digits
        "1234567890123456",  # 16 digits
        "18505780060849123",  # a longer run
        "1 234 567 890 123",  # an amount grouped in thousands
        "La prime passe de 1 200 € à 1 350 €.",
        "le 12/11/2026 à 14 h 30",
        "Numéro fiscal : 1234567890123",
    ],
)
def test_look_alikes_are_not_nirs(text):
    assert "nir" not in {kind for kind, _ in found(text)}


@pytest.mark.parametrize(
    "text, kind",
    [
        ("tél 06 12 34 56 78", "phone"),
        ("+33 6 12 34 56 78", "phone"),
        ("0033612345678", "phone"),
        ("Carte 378282246310005", "card"),  # Amex, 15 digits
    ],
)
def test_phones_and_cards_stay_what_they_are(text, kind):
    assert [k for k, _ in found(text)] == [kind]


def test_nir_shape_ok():
    assert nir_shape_ok("1850578006084") and nir_shape_ok("1 85 05 2A 006 084") and nir_shape_ok("8850578006084")
    assert not nir_shape_ok("3850578006084") and not nir_shape_ok("1851378006084")
    assert not nir_shape_ok("185057800608")  # 12 characters


# --- passwords -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, secret",
    [
        ("Mon mot de passe est Soleil2024, pourquoi le portail le refuse ?", "Soleil2024"),
        ("mdp : azerty123", "azerty123"),
        ("MDP = Printemps!2025 pour le compte de la régie", "Printemps!2025"),
        ("password: hunter2", "hunter2"),
        ("my password is Summer2025", "Summer2025"),
        ("Identifiant jdupont, mot de passe : Mairie#2026", "Mairie#2026"),
        ("On m'a donné le mot de passe provisoire Xy7#kP2q mais il ne marche pas.", "Xy7#kP2q"),
        ("mot de passe provisoire : Bienvenue2026", "Bienvenue2026"),
        ("Le mot de passe temporaire reçu par SMS : K4m9pQ", "K4m9pQ"),
        ("Le mot de passe du wifi de la médiathèque est Biblio-75! ?", "Biblio-75!"),
        ("mon mdp c'est chaton.", "chaton"),
        ("mon mot de passe est marseille mais il ne marche pas", "marseille"),
        ("Mon mot de passe est « le chat noir », il est refusé.", "le chat noir"),
        ("mdp Azerty123 ne passe plus depuis ce matin", "Azerty123"),
        ("Mon code PIN est 4821, le téléphone est bloqué.", "4821"),
        ("Code de déverrouillage du portable : 159753", "159753"),
        ("Je n'arrive pas à me connecter à ma session, le code est 0712.", "0712"),
        ("Mon mot de passe MonCompte est Soleil2024", "Soleil2024"),
        ("mdp : 0612345678", "0612345678"),  # a secret, though it looks like a phone
    ],
)
def test_password_phrases_mask_the_secret(text, secret):
    assert found(text) == [("password", secret)]
    masked = mask(text)
    assert "[MOT DE PASSE]" in masked and secret not in masked


@pytest.mark.parametrize(
    "text",
    [
        "Comment changer mon mot de passe ?",
        "Mot de passe oublié, que faire ?",
        "mot de passe oublié",
        "mon mdp marche plu",
        "Mon mot de passe est expiré depuis hier.",
        "Mon mot de passe est bloqué après trois essais.",
        "Mon mot de passe est trop court selon le portail.",
        "Mon mot de passe est le même sur tous les logiciels, est-ce grave ?",
        "Mon mot de passe est correct mais la connexion échoue",
        "Le mot de passe doit contenir 12 caractères dont un chiffre.",
        "Mot de passe : 12 caractères minimum, c'est obligatoire ?",
        "Le mot de passe est-il sensible à la casse ?",
        "Quel est le mot de passe du wifi invités ?",
        "Quel est mon mot de passe ?",
        "J'ai reçu un mail qui demande mon mot de passe, est-ce une arnaque ?",
        "Combien de temps mon mot de passe provisoire reste-t-il valable ?",
        "Mon mot de passe MonCompte ne fonctionne plus.",
        "mot de passe GLPI oublié",
        "Mon identifiant est jdupont, j'ai oublié mon mot de passe.",
        "J'ai changé mon mot de passe et mon identifiant est jdupont",
        "Si vous avez saisi votre mot de passe : changez-le tout de suite.",
        "- Choisir le mot de passe : Ne fonctionne pas",
        "- Choisir le mot de passe : Fait",
        "Mon code PIN est bloqué, qui peut le débloquer ?",
        "Je n'arrive pas à me connecter, le code d'erreur est 0x80070005.",
        "Le code de la photocopieuse est 4471.",  # no login in the text: a code, not a password
        "Code de l'alarme : 2026 puis #.",
        "Pour la connexion, le code postal est 69003.",
    ],
)
def test_questions_about_passwords_are_not_masked(text):
    assert "password" not in {kind for kind, _ in found(text)}
    assert "[MOT DE PASSE]" not in mask(text)


def test_password_is_a_declared_type():
    assert "password" in TYPES and PLACEHOLDERS["password"] == "[MOT DE PASSE]"
    assert set(PRIORITY) == set(TYPES) == set(PLACEHOLDERS)
    assert PRIORITY.index("password") < PRIORITY.index("phone")
    for kind in TYPES:
        assert f"``{kind}``" in pii.__doc__, kind


# --- the guard of stored free text -----------------------------------------------------------------------------


def test_guard_free_text_masks_what_is_never_stored_and_keeps_the_rest():
    text = (
        "Bonjour, mon NIR est 1 85 05 78 006 084 92, mon IBAN FR76 3000 6000 0112 3456 7890 189, mdp : Soleil2024. "
        "Je suis en arrêt pour dépression. Joignable au 06 12 34 56 78 ou c.martin@ville-exemple.fr, "
        "j'habite 12 rue des Lilas 69003 Lyon."
    )
    masked, types = guard_free_text(text)
    assert types == ["health", "iban", "nir", "password"]
    assert masked == (
        "Bonjour, mon NIR est [NIR], mon IBAN [IBAN], mdp : [MOT DE PASSE]. Je suis en arrêt pour [SANTÉ]. "
        "Joignable au 06 12 34 56 78 ou c.martin@ville-exemple.fr, j'habite 12 rue des Lilas 69003 Lyon."
    )
    assert set(NEVER_STORED) == {"nir", "iban", "card", "password", "health"}


def test_guard_free_text_with_every_type_and_twice():
    text = "tél 06 12 34 56 78, carte 4111 1111 1111 1111"
    masked, types = guard_free_text(text, TYPES)
    assert (masked, types) == ("tél [TÉLÉPHONE], carte [CARTE]", ["card", "phone"])
    assert guard_free_text(masked, TYPES) == (masked, [])  # masking again changes nothing
    assert guard_free_text("", TYPES) == ("", [])
    assert guard_free_text("Où en est ma demande de télétravail ?") == ("Où en est ma demande de télétravail ?", [])
