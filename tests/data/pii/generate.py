"""Build `labelled.jsonl`, the labelled French test set of the personal-data guard (relais.engine.privacy.pii).

The messages below are hand-written; only the numbers that carry a checksum (NIR, IBAN, card)
and the phone numbers and e-mail addresses are filled in by this script, from a fixed seed, so
that they are valid (or, for the negatives, deliberately invalid). Everyone named is fictional.

Markup in a message:

- ``{kind}`` or ``{kind:variant}``: a generated value; labelled when ``kind`` is a personal-data type
  (``nir``, ``iban``, ``card``, ``phone``, ``email``), unlabelled for the decoys (``iban_bad``,
  ``card_bad``, ``siret``, ``siren``). ``nir_bad``, a NIR with a wrong key, is labelled ``nir``: it is still
  someone's social-security number, mistyped, and the guard masks it by its shape;
- ``⟦type|text⟧``: hand-written text labelled with ``type`` (birth dates, addresses, health, and any
  hand-written identifier).

Each output line is ``{"text": ..., "spans": [{"type", "start", "end"}], "batch": ...}`` (character offsets).
``batch`` is « dev » for the messages written while the detector was built (its rules were fixed on
them) and « held-out » for those written after it was frozen, never used to change it.

    .venv/bin/python tests/data/pii/generate.py          # rewrites labelled.jsonl next to this file
"""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

SEED = 2026
OUTPUT = Path(__file__).with_name("labelled.jsonl")

FIRST = "camille julien sophie karim nathalie thomas amandine mehdi lucie pierre ines olivier chloe yannick fatou"
FIRST = [*FIRST.split(" "), "bruno", "elodie", "hugo", "sandrine", "marc"]
LAST = "martin roux lefebvre benali garnier dupuis morel traore fontaine chevalier nguyen perrin lambert giraud"
LAST = [*LAST.split(" "), "diallo", "mercier", "bonnet", "lemaire", "caron", "vidal"]


# --- checksummed values ---------------------------------------------------------------------------------------


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def nir_parts(rng: random.Random, variant: str) -> list[str]:
    sex = rng.choice("78") if variant == "nia" else rng.choice("12")
    year = f"{rng.randint(55, 99) if rng.random() < 0.8 else rng.randint(0, 5):02d}"
    month = f"{rng.randint(1, 12):02d}"
    if variant == "corse":
        place = [rng.choice(["2A", "2B"]), f"{rng.randint(1, 366):03d}"]
    elif variant == "dom":
        place = [rng.choice(["971", "972", "973", "974", "976"]), f"{rng.randint(1, 34):02d}"]
    else:
        place = [rng.choice(["75", "69", "13", "33", "59", "44", "31", "67", "35", "06", "99", "93"]), digits(rng, 3)]
    order = f"{rng.randint(1, 999):03d}"
    body = sex + year + month + "".join(place) + order
    number = body.replace("2A", "19").replace("2B", "18") if variant == "corse" else body
    key = f"{97 - int(number) % 97:02d}"
    return [sex, year, month, *place, order, key]


def nir(rng: random.Random, variant: str = "", bad: bool = False) -> str:
    parts = nir_parts(rng, variant)
    if bad:
        parts[-1] = f"{(int(parts[-1]) + rng.randint(1, 90)) % 97 + 1:02d}"
    if variant == "compact":
        return "".join(parts)
    if variant == "key":
        return "".join(parts[:-1]) + " " + parts[-1]
    if variant == "dots":
        return ".".join(parts)
    return " ".join(parts)


def iban_check(country: str, bban: str) -> str:
    value = bban + country + "00"
    return f"{98 - int(''.join(str(int(c, 36)) for c in value)) % 97:02d}"


def rib_key(bank: str, branch: str, account: str) -> str:
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97:02d}"


def bban(rng: random.Random, country: str) -> str:
    if country in ("FR", "MC"):
        bank, branch, account = digits(rng, 5), digits(rng, 5), digits(rng, 11)
        return bank + branch + account + rib_key(bank, branch, account)
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(4))
    return {
        "DE": lambda: digits(rng, 18),
        "BE": lambda: digits(rng, 12),
        "ES": lambda: digits(rng, 20),
        "IT": lambda: rng.choice(string.ascii_uppercase) + digits(rng, 22),
        "LU": lambda: digits(rng, 16),
        "CH": lambda: digits(rng, 17),
        "GB": lambda: letters + digits(rng, 14),
        "PT": lambda: digits(rng, 21),
        "NL": lambda: letters + digits(rng, 10),
    }[country]()


def iban(rng: random.Random, variant: str = "", bad: bool = False) -> str:
    others = ("DE", "BE", "ES", "IT", "LU", "CH", "GB", "PT", "NL", "MC")
    country = variant.upper() if variant.upper() in others else "FR"
    body = bban(rng, country)
    value = country + iban_check(country, body) + body
    if bad:
        position = rng.randint(6, len(value) - 1)
        while not value[position].isdigit():
            position -= 1
        value = value[:position] + str((int(value[position]) + rng.randint(1, 9)) % 10) + value[position + 1 :]
    if variant == "compact":
        return value
    if variant == "lower":
        value = value.lower()
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def luhn_digit(partial: str) -> str:
    total = 0
    for position, char in enumerate(reversed(partial)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


def card(rng: random.Random, variant: str = "", bad: bool = False) -> str:
    prefix, length = {
        "mc": (str(rng.randint(51, 55)), 16),
        "mc2": (str(rng.randint(2221, 2720)), 16),
        "amex": (rng.choice(["34", "37"]), 15),
        "maestro": ("6759", 19),
    }.get(variant, ("4" + digits(rng, 1), 16))
    partial = prefix + digits(rng, length - len(prefix) - 1)
    check = luhn_digit(partial)
    if bad:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    number = partial + check
    if variant == "compact":
        return number
    if variant == "amex":
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    separator = "-" if variant == "dash" else " "
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


def siret(rng: random.Random, variant: str = "") -> str:
    partial = digits(rng, 8)
    siren = partial + luhn_digit(partial)
    establishment = "0" + digits(rng, 3)
    number = siren + establishment + luhn_digit(siren + establishment)
    return f"{number[:3]} {number[3:6]} {number[6:9]} {number[9:]}" if variant == "spaced" else number


def siren(rng: random.Random, variant: str = "") -> str:
    partial = digits(rng, 8)
    number = partial + luhn_digit(partial)
    return f"{number[:3]} {number[3:6]} {number[6:]}" if variant == "spaced" else number


def phone(rng: random.Random, variant: str = "") -> str:
    first = {"fixe": rng.choice("12345"), "09": "9"}.get(variant, rng.choice("67"))
    pairs = [digits(rng, 2) for _ in range(4)]
    national = "0" + first
    if variant == "dots":
        return ".".join([national, *pairs])
    if variant == "dash":
        return "-".join([national, *pairs])
    if variant == "compact":
        return national + "".join(pairs)
    if variant == "intl":
        return "+33 " + first + " " + " ".join(pairs)
    if variant == "intl0":
        return "+33 (0)" + first + " " + " ".join(pairs)
    if variant == "intlc":
        return "+33" + first + "".join(pairs)
    if variant == "00":
        return "0033 " + first + " " + " ".join(pairs)
    return " ".join([national, *pairs])


def email(rng: random.Random, variant: str = "") -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    if variant == "perso":
        domain = rng.choice(["gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "yahoo.fr"])
        return f"{first}.{last}{rng.randint(1, 99)}@{domain}"
    if variant == "initial":
        return f"{first[0]}.{last}@ville-exemple.fr"
    if variant == "plus":
        return f"{first}.{last}+rh@laposte.net"
    if variant == "sub":
        return f"{first}.{last}@dsi.ville-exemple.fr"
    if variant == "caps":
        return f"{first.capitalize()}.{last.upper()}@Ville-Exemple.fr"
    if variant == "dash":
        return f"{first}-{last}@agglo-exemple.org"
    return f"{first}.{last}@ville-exemple.fr"


GENERATORS = {
    "nir": lambda rng, v: nir(rng, v),
    "iban": lambda rng, v: iban(rng, v),
    "card": lambda rng, v: card(rng, v),
    "phone": phone,
    "email": email,
    "nir_bad": lambda rng, v: nir(rng, v, bad=True),
    "iban_bad": lambda rng, v: iban(rng, v, bad=True),
    "card_bad": lambda rng, v: card(rng, v, bad=True),
    "siret": siret,
    "siren": siren,
}
LABELLED = {"nir", "iban", "card", "phone", "email", "nir_bad"}
LABEL_OF = {"nir_bad": "nir"}

# --- the messages ---------------------------------------------------------------------------------------------

POSITIVES = [
    # NIR
    "Bonjour, mon numéro de sécurité sociale est le {nir}, pouvez-vous le mettre à jour dans mon dossier ?",
    "NIR : {nir} — c'est pour l'attestation employeur.",
    "Je vous transmets mon numéro de sécu {nir:compact} pour la mutuelle.",
    "mon num de secu c {nir:compact} merci",
    "Numéro INSEE {nir:key}, nom de naissance Garnier.",
    "Voici le NIR de mon fils pour l'ajout sur la mutuelle : {nir}.",
    "Sur ma carte vitale il y a {nir:dots}, est-ce le bon format pour le formulaire ?",
    "Mon n° de sécurité sociale ({nir}) est mal saisi sur ma fiche de paie.",
    "Je suis né en Corse, mon NIR est {nir:corse}, le logiciel le refuse.",
    "NIR {nir:corse} : la paie dit que la clé est fausse, pouvez-vous vérifier ?",
    "Je suis née en Guadeloupe : {nir:dom}.",
    "mon numéro de sécu commence par 2A, le voici : {nir:corse}",
    "Le numéro provisoire qu'on m'a donné est {nir:nia}, il est encore valable ?",
    "Secu: {nir:compact}",
    "Bonjour, pour mon dossier retraite CNRACL : {nir} (agent titulaire depuis 2009).",
    "Ma collègue Lucie m'a demandé de vous transmettre son numéro : {nir:key}.",
    "Est-ce normal que mon numéro {nir} n'apparaisse pas sur le bulletin d'octobre ?",
    "{nir} c'est mon numéro, l'ancien était erroné",
    "Pour la déclaration d'accident de service, NIR = {nir:compact}.",
    "J'ai renseigné {nir:dots} dans le formulaire mais il me dit « format invalide ».",
    "numero secu {nir} nom Dupuis prénom Hugo",
    "Mon numéro de sécurité sociale : {nir}. Mon ancien numéro provisoire : {nir:nia}.",
    "Carte vitale perdue, mon numéro est le {nir}, comment en avoir une nouvelle ?",
    "Le NIR de ma fille ({nir:compact}) doit être rattaché au mien pour la mutuelle.",
    "Dossier de titularisation : numéro de sécurité sociale {nir:key}, né en Martinique.",
    "Bonjour,\tmon NIR est {nir} et ma date d'entrée le 1er septembre.",
    "Pouvez-vous corriger mon numéro ? Le bon est {nir:compact} et pas celui de la fiche.",
    "Je n'ai pas encore de numéro définitif, seulement {nir:nia}.",
    "NIR agent : {nir} / service voirie",
    "Voici mon numéro de sécurité sociale : {nir:dom}, je suis arrivé de La Réunion.",
    # IBAN
    "Je change de banque, voici mon nouveau RIB : {iban}. Faut-il faire autre chose ?",
    "Mon IBAN est {iban:compact}, pour le versement des frais de déplacement.",
    "IBAN : {iban} BIC : AGRIFRPP882",
    "Nouvel IBAN {iban} à compter de la paie de décembre svp",
    "Le remboursement doit aller sur mon compte {iban:compact} et pas sur l'ancien.",
    "Je suis frontalier, mon compte est en Allemagne : {iban:de}.",
    "Mon compte belge : {iban:be}, est-ce possible pour la paie ?",
    "Pouvez-vous verser l'indemnité sur {iban:es} (compte en Espagne) ?",
    "IBAN italien de mon conjoint pour le remboursement : {iban:it}",
    "Compte luxembourgeois : {iban:lu}",
    "J'habite en Suisse, voici mon IBAN : {iban:ch}.",
    "Mon IBAN britannique {iban:gb} est-il accepté ?",
    "iban {iban:lower} merci de mettre à jour",
    "Pour le CNAS : IBAN {iban}, titulaire Mme Perrin.",
    "Changement de RIB : ancien compte fermé, nouveau {iban}.",
    "Compte au Portugal : {iban:pt}, pour les frais de mission.",
    "Mon IBAN néerlandais : {iban:nl}.",
    "Compte monégasque : {iban:mc}",
    "Bonjour, mon RIB a changé ({iban:compact}), merci de prévenir la paie.",
    "Voici les coordonnées bancaires : {iban} — Banque Postale.",
    "Pour le remboursement de la formation, mon IBAN : {iban}",
    "rib: {iban:compact}",
    "Je vous confirme l'IBAN {iban}, l'autre était celui de mon ancienne banque ({iban:compact}).",
    "Est-ce que je dois fournir un RIB papier si j'ai déjà donné l'IBAN {iban} par mail ?",
    "Le virement de la prime est parti sur {iban} alors que j'ai changé de compte.",
    # cards
    "J'ai payé l'inscription au colloque avec ma carte {card}, comment me faire rembourser ?",
    "La carte achat du service se termine par 4521, numéro complet {card:mc} : elle est bloquée.",
    "Ma CB {card:compact} a été débitée deux fois pour la même formation.",
    "Carte bancaire : {card:dash} (expire 09/28).",
    "Carte affaires {card:amex}, je l'ai perdue en déplacement.",
    "j'ai utilisé ma carte perso {card} pour le train, je joins le justificatif",
    "Numéro de carte : {card:mc2}",
    "Pour le paiement de la cantine j'ai donné ma carte {card:compact} par erreur au lieu de celle du service.",
    "Le site de réservation a enregistré ma carte {card}, comment la supprimer ?",
    "Mastercard {card:mc}, crypto au dos, c'est pour payer l'hôtel de la mission.",
    "ma carte {card:maestro} ne passe pas sur le portail de formation",
    "La carte de la régie : {card:dash}.",
    "Carte {card:amex} (American Express du cabinet) refusée à l'hôtel.",
    "J'ai payé avec la carte {card:mc2} et le montant n'apparaît pas dans l'état de frais.",
    "CB : {card} — expiration 11/27",
    "Je crois que ma carte {card:compact} a été piratée après un mail frauduleux, que faire ?",
    "Carte achat n° {card}, plafond atteint.",
    "Paiement refusé avec {card:mc}, pourtant la carte est valide.",
    "Voici ma carte pour l'avance : {card}",
    "Est-ce grave si j'ai envoyé ma carte {card:compact} par Teams ?",
    # phones
    "Vous pouvez me joindre au {phone} en cas de besoin.",
    "Mon portable : {phone:dots}",
    "Rappelez-moi au {phone:compact} svp",
    "Tél. {phone:fixe} (ligne directe)",
    "Mon numéro a changé, c'est maintenant le {phone}.",
    "Je suis d'astreinte ce week-end, joignable au {phone:dash}.",
    "Numéro perso pour la double authentification : {phone:intl}",
    "Mon téléphone professionnel {phone:intl0} ne reçoit plus les SMS.",
    "La ligne {phone:fixe} sonne occupée en permanence au service état civil.",
    "Pour l'activation de la MFA j'ai mis {phone:intlc}, c'est bon ?",
    "Je suis en télétravail, vous pouvez m'appeler sur mon fixe {phone:09}.",
    "Appelez ma femme au {phone:00} si je ne réponds pas.",
    "mon tel {phone:compact}",
    "Le technicien peut me rappeler au {phone:dots} entre 14 h et 16 h.",
    "Contact d'urgence : Mme Morel, {phone}.",
    "Joignable au {phone} ou au {phone:fixe}.",
    "Mon numéro de mobile pro est le {phone} et le perso {phone:dots}.",
    "Nouveau numéro de portable {phone:intl}, pouvez-vous mettre à jour l'annuaire ?",
    "Le code de validation arrive sur {phone:compact} alors que ce n'est plus mon numéro.",
    "Pouvez-vous transférer la ligne vers le {phone:dash} pendant mes congés ?",
    "Je n'arrive pas à joindre le {phone:fixe}, le standard est fermé ?",
    "Mon père (contact en cas d'urgence) : {phone:intl0}",
    "SMS de vérification envoyé au {phone}, je ne l'ai pas reçu.",
    "Tél : {phone:dots} — poste 4321 au bureau.",
    "Le numéro {phone:fixe} affiché sur l'intranet est faux, le bon est le {phone:fixe}.",
    "Mon numéro pour l'astreinte est le {phone:compact}, celui de la mairie est le {phone:fixe}.",
    "Merci de me rappeler au {phone}.",
    "Mobile {phone:00}",
    "Je suis joignable au {phone:09} (box internet), pas sur le portable.",
    "Pour la visio, appelez-moi plutôt au {phone:intlc}.",
    "Le numéro du référent à l'école est le {phone:dots}, c'est pour l'accompagnement de ma fille.",
    "Est-ce que je peux donner mon numéro perso {phone} aux administrés ?",
    "mon 06 a changé : {phone:compact}",
    "Vous avez mon numéro ? C'est le {phone:dash}.",
    "Téléphone : {phone} / e-mail : {email}",
    # e-mails
    "Pouvez-vous envoyer l'attestation à {email} ?",
    "Mon adresse perso : {email:perso}, je n'ai plus accès à ma messagerie pro.",
    "Je ne reçois plus les mails sur {email:initial}.",
    "Transférez mes mails vers {email:perso} pendant mon congé maternité svp.",
    "L'adresse {email:sub} est bloquée depuis ce matin.",
    "Mon adresse est {email:caps}, avec une majuscule ?",
    "Contact : {email:plus}",
    "Le mail de réinitialisation est parti sur {email:perso} alors que c'est une vieille adresse.",
    "Ajoutez {email} à la liste de diffusion du service urbanisme.",
    "Pouvez-vous créer un alias {email:initial} pour la nouvelle collègue ?",
    "j'ai reçu un mail bizarre de {email:perso}, c'est du phishing ?",
    "Merci de répondre à {email} et pas à mon ancienne adresse {email:perso}.",
    "Courriel : {email:dash}",
    "Mon identifiant de connexion est {email}, mais le mot de passe ne marche plus.",
    "L'adresse {email:sub} doit être mise en copie des tickets imprimante.",
    "Envoyez la fiche de poste à {email:perso} (candidat externe).",
    "Quand j'écris à {email}, j'ai un message d'erreur « destinataire inconnu ».",
    "Adresse de mon responsable : {email:initial}.",
    "Le justificatif est à envoyer à {email:plus} ?",
    "Je voudrais que {email} soit supprimée de l'annuaire, elle a quitté la collectivité.",
    "Mes bulletins de paie doivent aller sur {email:perso}.",
    "{email} ne reçoit plus les invitations Teams",
    "mail : {email:caps}",
    "Pour le covoiturage, contactez-moi sur {email:perso}.",
    "Je vous mets en copie de {email:dash} pour le dossier.",
    "L'adresse {email:initial} renvoie une erreur 550.",
    "Merci d'écrire à {email} ou d'appeler le {phone:fixe}.",
    # birth dates
    "Je suis née le ⟦birthdate|14/02/1978⟧, à quel âge puis-je partir à la retraite ?",
    "Mon fils, né le ⟦birthdate|3 mai 2015⟧, peut-il être rattaché à ma mutuelle ?",
    "Date de naissance : ⟦birthdate|22/09/1969⟧ — c'est pour le calcul de mes droits CNRACL.",
    "DDN ⟦birthdate|05.11.1983⟧, nom Chevalier",
    "Je suis né le ⟦birthdate|1er janvier 1964⟧, est-ce que je suis concerné par la réforme ?",
    "Ma fille est née le ⟦birthdate|12 août 2024⟧ et je voudrais mon congé de naissance.",
    "né(e) le ⟦birthdate|30/06/1990⟧ à Nantes",
    "date de naissance de mon conjoint : ⟦birthdate|1975-04-18⟧",
    "Je suis née à Lille le ⟦birthdate|9 décembre 1972⟧, quand aurai-je 62 ans ?",
    "Ma date de naissance est le ⟦birthdate|27/03/1981⟧ mais le logiciel affiche 1987.",
    "Naissance : ⟦birthdate|02/02/2026⟧, je joins l'acte pour le supplément familial.",
    "Mon mari est né le ⟦birthdate|17 juillet 1966⟧, peut-il bénéficier de la pension de réversion ?",
    "Je suis né le ⟦birthdate|8/4/79⟧ et j'ai commencé à travailler à 18 ans.",
    "Mes jumeaux sont nés le ⟦birthdate|21 octobre 2025⟧ : combien de jours de congé ?",
    "née le ⟦birthdate|11-01-1958⟧, je voudrais savoir si je peux prolonger d'un an",
    "Agent né le ⟦birthdate|19 mars 1962⟧, titulaire depuis 1988.",
    "Ma mère, née le ⟦birthdate|4 juin 1941⟧, est dépendante : ai-je droit au congé de proche aidant ?",
    "⟦birthdate|13/05/1986⟧ (date de naissance) — erreur sur mon dossier",
    "Ma DDN est le ⟦birthdate|29/02/1984⟧.",
    "Je suis née le ⟦birthdate|1er févr. 1970⟧, ça fait combien de trimestres ?",
    "L'enfant est né le ⟦birthdate|06/09/2025⟧ à 23 h, le congé commence quand ?",
    "Nés le ⟦birthdate|15 avril 2019⟧, mes enfants ont-ils droit au CESU ?",
    # addresses
    "J'ai déménagé : ma nouvelle adresse est ⟦address|12 rue des Lilas, 69003 Lyon⟧.",
    "Nouvelle adresse : ⟦address|4 bis avenue du Général de Gaulle, 94170 Le Perreux-sur-Marne⟧",
    "J'habite ⟦address|27 boulevard Gambetta⟧, est-ce que j'ai droit au forfait mobilités durables ?",
    "Envoyez le courrier au ⟦address|3 impasse des Tilleuls 44300 Nantes⟧ svp.",
    "Mon adresse a changé, c'est ⟦address|158 chemin de la Croix-Rouge⟧ depuis le mois dernier.",
    "Le colis du matériel peut être livré chez moi au ⟦address|8 allée des Pins, 33600 Pessac⟧ ?",
    "j'habite au ⟦address|45 rue victor hugo⟧ pour le télétravail c'est ok ?",
    "Domicile : ⟦address|2 place du 8 Mai 1945, 59000 Lille⟧.",
    "Adresse de télétravail : ⟦address|10 quai de la Saône⟧.",
    "Mon adresse fiscale reste le ⟦address|6 route de Fontainebleau, 77300 Avon⟧.",
    "Je loge temporairement ⟦address|19 cours Lafayette⟧ chez ma sœur.",
    "Le trajet entre le ⟦address|33 avenue Jean Jaurès⟧ et l'hôtel de ville compte-t-il ?",
    "Adresse pour l'envoi de la carte vitale : ⟦address|5 rue de l'Église, 67000 Strasbourg⟧",
    "Je réside au ⟦address|14 bd Victor Hugo 06000 Nice⟧ depuis juillet.",
    "merci de changer mon adresse : ⟦address|71 rue des Acacias⟧",
    "L'agent habite ⟦address|9 ter impasse du Moulin⟧, c'est à plus de 30 km ?",
    "Mes fiches de paie partent encore au ⟦address|40 rue Nationale, 37000 Tours⟧ alors que j'ai déménagé.",
    "Adresse : ⟦address|1 allée Jacques Brel⟧, appartement 12.",
    "Je déménage au ⟦address|22 avenue de la République 13001 Marseille⟧ le 1er décembre.",
    "Mon nouveau domicile est au ⟦address|7 chemin des Vignes⟧ à Montpellier.",
    "Le médecin agréé m'a convoqué mais le courrier est allé au ⟦address|18 rue Pasteur⟧.",
    "La résidence administrative est ⟦address|2 place de l'Hôtel de Ville⟧ et j'habite ⟦address|3 rue Pasteur⟧.",
    "Adresse de ma mère (aidant familial) : ⟦address|11 rue Saint-Jacques, 75005 Paris⟧",
    "j'ai déménagé au ⟦address|54 avenue Foch⟧ mais l'adresse sur ma fiche est toujours l'ancienne",
    "Le remboursement des frais de transport tient-il compte de mon adresse au ⟦address|99 route de Lyon⟧ ?",
    # health (the asker, or someone close)
    "Je suis en arrêt pour ⟦health|dépression⟧ depuis trois semaines, est-ce que je garde ma prime ?",
    "Depuis mon ⟦health|cancer du sein⟧ je suis fatiguée, puis-je demander un temps partiel thérapeutique ?",
    "Je suis ⟦health|diabétique⟧ et je dois faire des pauses pour mes injections d'⟦health|insuline⟧.",
    "J'ai une ⟦health|hernie discale⟧, puis-je avoir un fauteuil adapté ?",
    "Mon médecin m'a diagnostiqué un ⟦health|burn-out⟧, que dois-je faire vis-à-vis de mon chef ?",
    "Je prends des ⟦health|antidépresseurs⟧ qui me fatiguent, est-ce que je peux adapter mes horaires ?",
    "Je suis ⟦health|enceinte⟧ de quatre mois, à quel moment prévenir mon service ?",
    "Ma fille a une ⟦health|leucémie⟧, ai-je droit à un congé de présence parentale ?",
    "Je suis atteint de ⟦health|sclérose en plaques⟧ et je voudrais faire reconnaître ma ⟦health|RQTH⟧.",
    "J'ai été ⟦health|hospitalisée⟧ la semaine dernière, comment transmettre mon arrêt ?",
    "Ma ⟦health|chimio⟧ commence lundi, pourrai-je télétravailler les jours de traitement ?",
    "Je souffre de ⟦health|lombalgies chroniques⟧ depuis l'accident de service.",
    "Mon mari est ⟦health|séropositif⟧, est-ce que je dois le signaler ?",
    "J'ai fait un ⟦health|AVC⟧ en juin, quelles aides pour la reprise ?",
    "Je suis suivie pour ⟦health|troubles bipolaires⟧, j'aimerais un aménagement de poste.",
    "Mes ⟦health|crises d'angoisse⟧ reviennent avant chaque réunion, qui peut m'aider ?",
    "Je suis ⟦health|épileptique⟧, puis-je conduire un véhicule de service ?",
    "J'ai fait une ⟦health|fausse couche⟧ hier, ai-je droit à un congé ?",
    "Ma ⟦health|dépression⟧ est reconnue comme maladie professionnelle ?",
    "Je sors d'une ⟦health|opération du genou⟧, la reprise est prévue dans un mois.",
    "Je fais une ⟦health|FIV⟧, les absences pour les rendez-vous sont-elles autorisées ?",
    "Mon collègue a un ⟦health|cancer⟧ et je voudrais lui donner des jours de RTT.",
    "J'ai de l'⟦health|asthme⟧ et le bureau est plein de poussière, que faire ?",
    "Je suis en ⟦health|burn out⟧ et je n'ose pas en parler à mon responsable.",
    "j'ai le ⟦health|covid long⟧ depuis 2022, est-ce reconnu ?",
    "On m'a découvert une ⟦health|endométriose⟧, les absences sont-elles couvertes ?",
    "Je vis avec une ⟦health|fibromyalgie⟧ et les trajets sont difficiles.",
    "Mon fils est ⟦health|hospitalisé⟧, puis-je poser des congés tout de suite ?",
    "Je suis ⟦health|dépressive⟧ depuis la réorganisation du service.",
    "J'ai eu une ⟦health|tendinite⟧ à cause de la souris, c'est un accident de service ?",
    # harder variants, written after a first run of the detector (see docs/benchmarks.md)
    "Mon NIR : ⟦nir|2 90 02 69 123 456 clé 86⟧ ?",
    "joignable au ⟦phone|06 1234 5678⟧",
    "Standard de la mairie : ⟦phone|(+33) 4 72 10 30 30⟧",
    "Mon mobile : ⟦phone|+33 6.12.34.56.78⟧",
    "Le numéro d'accueil de la mairie, c'est le {phone:fixe}, pas le 3939.",
    "Mon adresse : <{email}>",
    "Écrire à {email:initial}; merci.",
    "(mail : {email:perso})",
    "RIB : ⟦iban|FR76 30006 00001 12345678901 89⟧ ?",
    "Ma carte {card:compact}, expiration 03/29, cryptogramme au dos.",
    "DDN : ⟦birthdate|12/03/85⟧",
    "Je suis née le ⟦birthdate|12 mars 85⟧, c'est bien pris en compte ?",
    "date de naissance ⟦birthdate|3 septembre 1977⟧ — Mme Lambert",
    "J'habite ⟦address|12, rue des Écoles⟧ depuis septembre.",
    "Nouvelle adresse : ⟦address|12 r. des Lilas⟧, même ville.",
    "Adresse perso : ⟦address|6 av. Jean Moulin, 38000 Grenoble⟧",
    "Appartement 3, ⟦address|15 rue Gambetta 21000 Dijon⟧.",
    "Je suis sous ⟦health|chimio⟧ jusqu'en mars.",
    "J'ai été ⟦health|opéré de l'épaule⟧, la reprise se fait à mi-temps.",
    "Je souffre d'un ⟦health|cancer de la prostate⟧, est-ce que je peux demander un CLM ?",
    "Mon traitement contre la ⟦health|dépression⟧ me fait dormir le matin.",
    "Ma femme est ⟦health|enceinte⟧, combien de jours de congé pour moi ?",
    "Je suis en arrêt pour une ⟦health|sciatique⟧, est-ce un accident de service ?",
]

NEGATIVES = [
    # invoice, order, ticket and reference numbers
    "La facture FAC-2026-004512 n'a pas été payée, qui relance le fournisseur ?",
    "Mon ticket 2026110412 est toujours en attente depuis lundi.",
    "Ticket GLPI n° 2026110587 : imprimante du 2e étage en panne.",
    "Référence de commande BC-2026-00871, livraison prévue semaine 48.",
    "Bon de commande 45001234 validé par le DGS.",
    "Facture n° 20261104512 du fournisseur de papier.",
    "Numéro de dossier 2026-RH-00412, demande de temps partiel.",
    "L'incident INC0045871 a été fermé sans solution.",
    "Le ticket #48213 concerne le VPN.",
    "Commande n° 0612345678 passée chez le fournisseur de fournitures.",
    "Le ticket 0412345678 n'apparaît pas dans GLPI.",
    "Numéro de contrat 2026/0456/AC, marché de nettoyage.",
    "Réf. devis DV-77812-2026, 4 560,00 € HT.",
    "Demande n° 2611-0048 transmise à la DSI.",
    "Dossier 24-00871 : demande de mutation.",
    # extensions and short numbers
    "Appelez le poste 4321 pour le support informatique.",
    "Le standard, c'est le 3939 ou le poste 1200.",
    "Ma ligne interne est le 4321, mon ancienne le 4387.",
    "Composez le 0 puis le poste 5612 pour sortir.",
    "Le numéro court du support est 8800.",
    "Extension 2245, bureau 112 au 1er étage.",
    "Le code de la photocopieuse est 4471.",
    "Pour l'astreinte, le numéro interne est le 5555.",
    "Il faut composer le 17 ou le 112 en cas d'urgence.",
    "Appelez le 3114 (numéro national de prévention du suicide) pour être orienté.",
    # dates that are not birth dates
    "Je suis en congés du 3 au 14 août 2026.",
    "Mon arrêt court du 12/11/2026 au 26/11/2026.",
    "La formation aura lieu le 15 janvier 2027 en salle du conseil.",
    "Entretien professionnel prévu le 04.12.2026 à 10 h.",
    "Date d'entrée dans la collectivité : 01/09/2009.",
    "Mon contrat se termine le 31/12/2026, sera-t-il renouvelé ?",
    "La note de service du 2023-06-15 est-elle toujours valable ?",
    "La réunion du 1er décembre 2026 est reportée.",
    "Je reprends le travail le 5 janvier 2027 après mon congé.",
    "Les agents nés avant le 1er janvier 1961 ont-ils un régime particulier ?",
    "Quelle est la date limite pour poser mes congés 2026 ?",
    "Le congé de naissance commence à partir du 12 mai 2026 ?",
    "Mon dernier bulletin date du 28/10/2026.",
    "Titularisation au 01/03/2018, échelon 5 depuis le 01/03/2024.",
    "Mon CET a été ouvert le 14/02/2015.",
    "Mise à jour Windows du 10/11/2026 : l'ordinateur redémarre en boucle.",
    "Jour férié le 11 novembre 2026 : les astreintes sont-elles majorées ?",
    "La naissance de mon fils est prévue pour début mars, comment poser le congé ?",
    # amounts and quantities
    "Mon salaire net est de 1 845,32 € ce mois-ci, est-ce normal ?",
    "La durée annuelle de travail est de 1 607 heures.",
    "Remboursement de 123,40 € de frais de repas.",
    "L'indemnité kilométrique est de 0,32 € pour 5 000 km.",
    "Il me reste 12,5 jours de congés et 3 jours de RTT.",
    "Le budget formation est de 25 000 € pour 2026.",
    "J'ai fait 35 heures supplémentaires en octobre.",
    "La prime annuelle passe de 1 200 € à 1 350 €.",
    "Indice majoré 356, indice brut 390.",
    "Le forfait mobilités durables est de 300 € par an.",
    "Le CET est plafonné à 60 jours.",
    "Plafond de la sécurité sociale 2026 : 48 060 €.",
    # SIRET, SIREN and other identifiers
    "Le SIRET de la mairie est {siret}.",
    "SIRET : {siret:spaced}",
    "Le fournisseur a le SIREN {siren}.",
    "SIREN {siren:spaced}, code APE 8411Z.",
    "Numéro SIRET du prestataire de formation : {siret}",
    "N° TVA intracommunautaire FR40303265045.",
    "Matricule agent 004512, grade adjoint administratif.",
    "Mon matricule est le 12458, service des sports.",
    "Numéro d'engagement juridique 2026-000145.",
    "Code budgétaire 011-6226-020.",
    "Numéro de série de l'ordinateur : PF3K9XZ2, modèle ThinkPad T14.",
    "L'UAI de l'école est 0690123A.",
    "Le code postal de la mairie annexe est 69003.",
    "C'est à 69100, pas à 69003 ?",
    # invalid checksums (a NIR with a wrong key is labelled: see the module's docstring)
    "Mon numéro de sécurité sociale est {nir_bad} (je ne suis pas sûr de la clé).",
    "NIR : {nir_bad:compact}",
    "Le formulaire refuse {nir_bad}, est-ce la clé qui est fausse ?",
    "Mon IBAN {iban_bad} est refusé par le logiciel de paie.",
    "IBAN : {iban_bad:compact} — le système dit « clé invalide ».",
    "J'ai recopié {iban_bad} depuis mon RIB mais il y a une erreur.",
    "Carte {card_bad} refusée : numéro invalide selon le site.",
    "J'ai saisi {card_bad:compact} mais le paiement est rejeté.",
    "Le terminal affiche « carte non reconnue » pour {card_bad}.",
    "Mon NIR {nir_bad:dots} ne passe pas, il doit manquer un chiffre.",
    "Le RIB indique {iban_bad}, c'est peut-être une faute de frappe.",
    "Numéro de carte {card_bad:mc} invalide.",
    # versions, IP addresses, technical numbers
    "Il faut installer la version 2.4.1 de l'application.",
    "Le serveur est en 192.168.10.25, le VPN en 10.0.0.1.",
    "Mon poste a l'adresse IP 172.16.4.122, il ne voit pas l'imprimante.",
    "Windows 11 23H2, build 22631.4460.",
    "L'imprimante a l'adresse MAC 00:1B:44:11:3A:B7.",
    "Le code d'erreur est 0x80070005.",
    "Firefox 128.5.0esr ne lance plus l'intranet.",
    "Le partage est \\\\srv-fic-01\\services\\rh\\2026.",
    "Le mot de passe doit faire au moins 12 caractères.",
    "Il y a 3 imprimantes au 2e étage et 1 au rez-de-chaussée.",
    "La salle 204 du bâtiment B est réservée de 9 h à 12 h.",
    "Le lien https://intranet.ville-exemple.fr/rh/conges ne marche plus.",
    "Tapez @support dans Teams pour joindre la DSI.",
    "Le compte de service svc-glpi@ expire demain ?",
    "Le numéro de version affiché est 06.12.34.5, c'est le bon ?",
    "Code de l'alarme : 2026 puis #.",
    # streets and places that are not postal addresses
    "J'ai suivi 5 cours de formation cette année.",
    "Il reste 2 places de parking derrière la mairie.",
    "Réservez 1 place pour la formation incendie.",
    "Le service est au 3e étage, bureau 312.",
    "La mairie annexe est rue de la République.",
    "Combien de km entre la mairie et le centre technique ?",
    "Le centre technique est en bas de l'avenue, après le rond-point.",
    "Il y a 2 routes pour aller au dépôt, laquelle est remboursée ?",
    "J'ai 12 rues à nettoyer dans mon secteur.",
    "La place du marché est fermée jeudi pour travaux.",
    "Je travaille au service voirie, secteur nord.",
    "3 cours de yoga sont proposés par l'amicale.",
    # health and sick-leave procedure questions (not personal)
    "Comment déclarer un arrêt maladie ?",
    "Quel est le délai de carence en cas d'arrêt maladie ?",
    "Le burn-out est-il reconnu comme maladie professionnelle ?",
    "Combien de temps dure un congé de longue maladie ?",
    "Le congé de longue durée couvre-t-il le cancer ?",
    "Qu'est-ce que le temps partiel thérapeutique ?",
    "Existe-t-il une campagne de dépistage du cancer pour les agents ?",
    "La vaccination contre la grippe est-elle proposée par la médecine préventive ?",
    "Qui contacter pour une demande de RQTH ?",
    "Le diabète fait-il partie des affections de longue durée ?",
    "Où trouver la procédure en cas d'accident de service ?",
    "La formation premiers secours aborde-t-elle l'AVC ?",
    "Une agente enceinte a-t-elle droit à un aménagement d'horaires ?",
    "Comment fonctionne le congé de présence parentale ?",
    "Quels sont les droits d'un agent en cas de dépression reconnue imputable au service ?",
    "J'ai une question sur la prise en charge des lunettes par la mutuelle.",
    "Le médecin du travail peut-il refuser une reprise ?",
    "Peut-on télétravailler pendant un temps partiel thérapeutique ?",
    # disciplinary procedure questions (not personal data)
    "Qu'est-ce qu'un conseil de discipline ?",
    "Quelles sont les sanctions disciplinaires du premier groupe ?",
    "Combien de temps un blâme reste-t-il dans le dossier ?",
    "J'ai un avertissement de sécurité Windows quand j'ouvre l'intranet.",
    # other lookalikes: phones written wrongly, e-mail-like strings
    "Le numéro 01 23 45 67 n'a que huit chiffres, c'est normal ?",
    "Appelez le 36 46 pour l'Assurance maladie.",
    "Le fax du service est hors service depuis 2019.",
    "Le format attendu est prénom.nom@ville, sans le domaine ?",
    "Écrivez-nous via le formulaire de contact de l'intranet.",
    "La note 2026/11/04-DRH précise les nouvelles règles.",
    # harder negatives, written after a first run of the detector
    "La loi n° 84-53 du 26 janvier 1984 s'applique-t-elle aux contractuels ?",
    "Décret n° 2020-1557 du 8 décembre 2020 sur le forfait mobilités.",
    "Article L. 822-1 du code général de la fonction publique.",
    "Coordonnées GPS du centre technique : 45.7640, 4.8357.",
    "L'arrêté 2026-0412 du maire fixe les horaires.",
    "Code EAN du toner : 3760123456789.",
    "Numéro fiscal : 30 12 345 678 901, c'est pour l'avis d'impôt ?",
    "Horaires d'accueil : 08 30 - 12 00 et 13 30 - 17 00.",
    "Le compte 6411 correspond aux rémunérations des titulaires.",
    "Le numéro Vigik de la porte est 125874.",
    "Le ticket 2026-11-04-0087 est clos.",
    "Mon badge porte le numéro 04 72 10.",
    "Les congés de 2025 sont à prendre avant le 31 mai 2026.",
    "Le télétravail est possible 2 jours par semaine depuis le 1er septembre 2023.",
    "Quand suis-je né ? Le logiciel affiche une date vide.",
    "La procédure de naissance : déclarer l'enfant dans les 5 jours.",
    "Comment faire si un collègue a un malaise au bureau ?",
    "La campagne Octobre rose sur le cancer du sein commence lundi.",
    "Mon chef m'a dit que le burn-out n'était pas un motif d'arrêt, est-ce vrai ?",
    "Je voudrais savoir si la RQTH donne droit à des jours de congé.",
    "Le 4 rue… non, je ne connais pas l'adresse exacte du dépôt.",
]

# Written after the detector was frozen and never used to change it: the « held-out » batch.
HELD_OUT = [
    "Bonjour, suite à mon mariage mon nom change, mon numéro de sécu reste {nir} ?",
    "Pour l'ouverture de mes droits : n° SS {nir:compact}, régime général avant 2012.",
    "Numéro de sécurité sociale de mon conjoint : {nir:key}",
    "nir {nir:dots}",
    "Le NIR de ma fille est {nir:corse}, la mutuelle dit qu'il est inconnu.",
    "Mon nouveau RIB est FR76 au nom de M. Vidal : {iban}.",
    "Coordonnées bancaires pour la régie de recettes : {iban:compact}",
    "Compte joint {iban:de} (banque allemande), est-ce un problème ?",
    "iban : {iban:lower}",
    "L'avance sur frais doit être versée sur {iban}, merci.",
    "J'ai réglé les frais d'inscription avec ma carte {card:dash}, ils n'ont pas été remboursés.",
    "Carte {card:mc} : débit de 89 € inconnu, est-ce la cantine ?",
    "ma carte gold {card:amex} est refusée pour la réservation du train",
    "Numéro de la carte carburant du véhicule : {card:compact}",
    "Rappel au {phone:intl} après 17 h svp.",
    "Le télétravailleur est joignable au {phone:fixe}, bureau à domicile.",
    "Mon nouveau numéro pro est le {phone:compact} (flotte mobile).",
    "Numéro de ma remplaçante pendant mon congé : {phone:dots}.",
    "Contact urgence : {phone:00} (mon frère)",
    "Mon numéro {phone:dash} ne reçoit plus les codes de connexion.",
    "Merci de me répondre sur {email:perso}, je n'ai plus accès à l'intranet.",
    "Mon adresse de messagerie est {email:sub}.",
    "Copie à {email:initial} et {email:dash}",
    "Adresse mail du candidat : {email:caps}",
    "Né le ⟦birthdate|02/11/1961⟧, je voudrais connaître la date de mon départ possible.",
    "Mon enfant est né le ⟦birthdate|18 janvier 2026⟧, je n'ai pas reçu le supplément familial.",
    "Date de naissance : ⟦birthdate|07/07/1988⟧, lieu : Roubaix.",
    "ma date de naissance est fausse sur le bulletin, c'est le ⟦birthdate|23/08/1979⟧",
    "Je viens d'emménager au ⟦address|31 rue du Faubourg Saint-Antoine, 75011 Paris⟧.",
    "Mon adresse pour le télétravail : ⟦address|5 impasse des Glycines⟧, Villeurbanne.",
    "Le courrier doit partir au ⟦address|120 avenue de Saxe 69003 Lyon⟧.",
    "J'habite ⟦address|2 chemin du Lavoir⟧, à 25 km de la mairie.",
    "Adresse de ma nouvelle résidence : ⟦address|17 allée Marie Curie⟧.",
    "Je suis en arrêt depuis mon ⟦health|infarctus⟧ en septembre.",
    "J'ai un ⟦health|diabète de type 1⟧ et j'ai besoin de pauses pour ma glycémie.",
    "Depuis ma ⟦health|grossesse⟧ j'ai du mal à rester assise toute la journée.",
    "Je suis suivi par un ⟦health|psychiatre⟧ et je voudrais en parler à la médecine du travail.",
    "Mon épouse a la ⟦health|maladie de Parkinson⟧, puis-je avoir un congé de proche aidant ?",
    "J'ai des ⟦health|migraines chroniques⟧ avec les écrans, peut-on changer mon moniteur ?",
    "Je reprends après une ⟦health|radiothérapie⟧, à mi-temps thérapeutique.",
    "Mon ⟦health|asthme⟧ s'aggrave avec les produits d'entretien.",
]

HELD_OUT_NEGATIVES = [
    "Mon ticket 2026111803 sur la messagerie n'a pas été traité.",
    "Facture FAC-2026-011874 : le montant de 2 345,60 € est-il correct ?",
    "Le poste 4412 ne répond pas, le technicien est-il absent ?",
    "La formation CACES a lieu du 8 au 10 décembre 2026.",
    "Mon entretien annuel est fixé au 15/12/2026 à 14 h 30.",
    "J'ai 1 607 heures annuelles et 25 jours de congés, combien de RTT ?",
    "Le SIRET de l'organisme de formation est {siret:spaced}, il faut le mettre sur le bon de commande ?",
    "L'application est en version 3.12.0, faut-il la mettre à jour ?",
    "Le serveur d'impression est 10.12.4.30.",
    "Nous sommes 12 agents au 4 place... enfin au centre technique municipal.",
    "Qu'est-ce que le congé de longue maladie et combien de temps dure-t-il ?",
    "Un agent en arrêt maladie peut-il partir en vacances ?",
    "Comment est calculée l'indemnité de départ volontaire ?",
    "Quelles sont les démarches en cas de décès d'un agent ?",
    "Le numéro de sécurité sociale doit-il figurer sur le contrat ?",
    "Où trouver mon IBAN sur l'application de ma banque ?",
    "Le code APE 8411Z figure sur l'attestation employeur.",
    "Le badge 0412 est désactivé, le mien est le 0413.",
    "L'avis de mutation est paru le 03/11/2026 sur la bourse de l'emploi.",
    "La note du 12 mars 1985 sur les astreintes est-elle abrogée ?",
]


# Passwords, written with the rule that finds them (batch « dev »): hand-written only, so that they draw
# nothing from the seeded generator and leave every other message's values as they were.
PASSWORDS = [
    "Mon mot de passe est ⟦password|Soleil2024⟧, pourquoi le portail le refuse ?",
    "mdp : ⟦password|azerty123⟧",
    "Identifiant jdupont, mot de passe : ⟦password|Mairie#2026⟧",
    "On m'a donné le mot de passe provisoire ⟦password|Xy7#kP2q⟧ mais il ne marche pas.",
    "password: ⟦password|hunter2⟧",
    "Le mot de passe du wifi de la médiathèque est ⟦password|Biblio-75!⟧ ?",
    "mon mdp c'est ⟦password|chaton⟧.",
    "Mon code PIN est ⟦password|4821⟧, le téléphone est bloqué.",
    "Je n'arrive pas à me connecter à ma session, le code est ⟦password|0712⟧.",
    "MDP = ⟦password|Printemps!2025⟧ pour le compte de la régie",
    "Mon nouveau mot de passe sera ⟦password|Marianne1789⟧, c'est assez sûr ?",
    "Le mot de passe temporaire reçu par SMS : ⟦password|K4m9pQ⟧",
    "Mon mot de passe est « ⟦password|le chat noir⟧ », il est refusé.",
    "mdp ⟦password|Azerty123⟧ ne passe plus depuis ce matin",
    "Je vous donne mon mot de passe pour l'ENT : ⟦password|lucie.roux2024⟧",
    "Code de déverrouillage du portable : ⟦password|159753⟧",
    "Mon mot de passe Windows c'est ⟦password|Garnier56⟧ si besoin.",
    "mon mot de passe est ⟦password|marseille⟧ mais il ne marche pas",
]

PASSWORD_NEGATIVES = [
    "Comment changer mon mot de passe ?",
    "Mot de passe oublié, que faire ?",
    "Mon mot de passe est expiré depuis hier.",
    "Mon mot de passe est bloqué après trois essais.",
    "Le mot de passe doit contenir 12 caractères dont un chiffre.",
    "Quel est le mot de passe du wifi invités ?",
    "Mot de passe : 12 caractères minimum, c'est obligatoire ?",
    "Le mot de passe est-il sensible à la casse ?",
    "J'ai reçu un mail qui demande mon mot de passe, est-ce une arnaque ?",
    "Mon code PIN est bloqué, qui peut le débloquer ?",
    "Mon mot de passe est le même sur tous les logiciels, est-ce grave ?",
    "Combien de temps mon mot de passe provisoire reste-t-il valable ?",
    "Je n'arrive pas à me connecter, le code d'erreur est 0x80070005.",
    "Mon mot de passe MonCompte ne fonctionne plus.",
    "mot de passe GLPI oublié",
    "Mon identifiant est jdupont, j'ai oublié mon mot de passe.",
]


_MARKUP = re.compile(r"\{(\w+)(?::(\w+))?\}|⟦(\w+)\|([^⟧]+)⟧")


def render(template: str, rng: random.Random, batch: str) -> dict:
    text, spans, last = "", [], 0
    for m in _MARKUP.finditer(template):
        text += template[last : m.start()]
        last = m.end()
        if m.group(1):
            kind, value = m.group(1), GENERATORS[m.group(1)](rng, m.group(2) or "")
        else:
            kind, value = m.group(3), m.group(4)
        if kind in LABELLED or m.group(3):
            spans.append({"type": LABEL_OF.get(kind, kind), "start": len(text), "end": len(text) + len(value)})
        text += value
    return {"text": text + template[last:], "spans": spans, "batch": batch}


def build() -> list[dict]:
    rng = random.Random(SEED)
    records = [render(template, rng, "dev") for template in POSITIVES + NEGATIVES]
    records += [render(template, rng, "held-out") for template in HELD_OUT + HELD_OUT_NEGATIVES]
    return records + [render(template, rng, "dev") for template in PASSWORDS + PASSWORD_NEGATIVES]


def dump(records: list[dict]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


if __name__ == "__main__":
    records = build()
    OUTPUT.write_text(dump(records), encoding="utf-8")
    print(f"{OUTPUT}: {len(records)} snippets")
