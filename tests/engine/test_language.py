"""The visitor's language (relais.engine.language) and its phrases; the note of the citizens' assistant.

The foreign questions and the tricky French ones were written for these tests while the rules were built
(development examples). The French questions of the demo sets are a legitimate check of the one promise that
matters most (a French question is never read as another language), not a tuning set; the translated blind set is
measured by bench/public_languages.py, never here.
"""

import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml

from relais.assistant.public_language import answer_language, language_note
from relais.engine.answers.extractive import NOT_FOUND
from relais.engine.language import LANGUAGES, PHRASE_KEYS, PHRASES, detect, phrase, text_direction

ROOT = Path(__file__).resolve().parents[2]

ENGLISH = [
    "What time does the town hall open on Saturday?",
    "Where can I renew my driving licence?",
    "Do I need an appointment to get an ID card?",
    "How do I register my child for school?",
    "My car was towed, what should I do?",
    "Is there a library in town?",
    "Can I book a room for a birthday party?",
    "When is the bulky waste collected in my street?",
    "Who do I call if a streetlight is broken?",
    "I lost my wallet near the market, is there a lost and found office?",
    "how much is the school canteen",
    "Hi, I just moved here. How do I sign up on the electoral roll?",
    "where is the Maison des Services?",  # a French name: not French words
    "Is the Espace des Brumes open on Sunday?",
    "What are the opening hours of the médiathèque?",
    "I'm new in Val-de-Brume, where do I get a parking permit?",
    "Can you tell me how to apply for a building permit?",
    "need help with my water bill",
    "How long is a passport valid for?",
    "is the pool open in August",
    "how much ?",
]
SPANISH = [
    "¿A qué hora abre el ayuntamiento el sábado?",
    "¿Dónde puedo renovar mi pasaporte?",
    "Necesito una cita para el carné de identidad",
    "¿Cómo inscribo a mi hijo en la escuela?",
    "Se llevaron mi coche con la grúa, ¿qué tengo que hacer?",
    "¿Hay una biblioteca en el pueblo?",
    "Quiero alquilar una sala para una fiesta de cumpleaños",
    "¿Cuándo pasan a recoger los muebles viejos?",
    "Hola, ¿cuánto cuesta el comedor escolar?",
    "perdí mi cartera en el mercado, donde esta la oficina de objetos perdidos",
    "Buenos días, ¿está abierta la biblioteca los lunes?",
    "cuanto tiempo tarda el pasaporte",
    "¿Puedo pagar el estacionamiento con el móvil?",
    "Me acabo de mudar, ¿cómo me inscribo en el censo electoral?",
    "¿Quién se encarga de las farolas rotas en mi calle?",
    "¿Le puedo preguntar cuándo abre el ayuntamiento?",  # Spanish « le » is no sign of French
]
PORTUGUESE = [
    "A que horas abre a câmara municipal no sábado?",
    "Onde posso renovar o meu passaporte?",
    "Preciso de marcação para o cartão de cidadão?",
    "Como faço a inscrição do meu filho na escola?",
    "O meu carro foi rebocado, o que devo fazer?",
    "Há uma biblioteca na cidade?",
    "Quero alugar uma sala para uma festa de aniversário",
    "Quando é a recolha dos móveis velhos?",
    "Olá, quanto custa a cantina da escola?",
    "perdi a minha carteira no mercado, onde fica a secção de perdidos e achados",
    "Bom dia, a biblioteca está aberta à segunda-feira?",
    "quanto tempo demora o passaporte",
    "Posso pagar o estacionamento pelo telemóvel?",
    "Você sabe quem cuida da iluminação pública na minha rua?",
    "Quais são os horários da mairie?",
]
ARABIC = [
    "متى تفتح البلدية يوم السبت؟",
    "أين يمكنني تجديد جواز سفري؟",
    "هل أحتاج إلى موعد للحصول على بطاقة الهوية؟",
    "كيف أسجل ابني في المدرسة؟",
    "سحبت سيارتي إلى الحجز، ماذا أفعل؟",
    "هل توجد مكتبة في Val-de-Brume؟",  # a Latin name in an Arabic question
    "أريد استئجار قاعة لحفلة عيد ميلاد",
    "كم ثمن وجبة المطعم المدرسي؟",
    "فقدت محفظتي في السوق، أين مكتب المفقودات؟",
    "ما هي مواعيد فتح الـ médiathèque؟",
]
# French that looks foreign at a glance: loan words, SMS, English bits, names, acronyms, addresses.
TRICKY_FRENCH = [
    "mot de passe wifi",
    "parking gratuit ?",
    "week-end",
    "le planning du week-end de la médiathèque",
    "how to réserver la salle des fêtes",
    "c koi le jour du bac jaune",
    "jai pas payé le parking",
    "Le service IT est ouvert ?",
    "La Salle du Moulin est libre le 12 ?",
    "Do it yourself : atelier à la médiathèque ?",
    "le food truck du marché c'est quel jour",
    "Comment avoir un badge pour le parking de la mairie",
    "Est-ce que le drive de la médiathèque marche le samedi",
    "L'appli Val-de-Brume for you ne marche plus",
    "y a t il un parking pour les camping car",
    "horaires déchetterie",
    "la piscine est open ?",
    "team building salle des fêtes",
    "écrire à contact@valdebrume.com pour un rdv",
    "mon fils est à Los Angeles, procuration pour voter",
    "Je m'appelle Juan Carlos Da Silva, où est l'état civil ?",
    "Bonjour, mi-temps thérapeutique",
    "il y a un concert de The Cure à l'Espace des Brumes ?",
    "menu del dia de la cantine",
    "to do list pour un mariage",
    "on peut payer en ligne ?",
    "MAIRIE OUVERTE SAMEDI ?",
    "Hello, la mairie est ouverte ?",
    "Hello, how are you? Je cherche les horaires de la piscine",
    "What about le marché de nuit",
    "Do you speak français ? la mairie a un interprète ?",
    "No stress : c'est quand la collecte ?",
    "El Niño a cassé ma clôture, qui contacter ?",
    "estamos en la mairie",
    "ça coûte combien le passeport",
]
# Not one of the languages, or too little to tell: French, the default.
UNSURE = ["", "   ", "?", "hello", "merci", "ok", "Quando apre il municipio?", "Wann ist das Rathaus geöffnet?"]


def french_questions_of_the_demo() -> list[str]:
    """Every question and FAQ phrasing of the demo sets, agents' and public: all French, of every shape."""
    questions = []
    for name in ("questions.yaml", "questions-holdout.yaml", "questions-holdout-2.yaml", "public/questions.yaml"):
        questions += [str(item["question"]) for item in yaml.safe_load((ROOT / "demo" / name).read_text("utf-8"))]
    for name in ("faq.yaml", "public/faq.yaml"):
        for entry in yaml.safe_load((ROOT / "demo" / name).read_text("utf-8")):
            questions += [str(entry["question"]), *map(str, entry.get("phrasings", []))]
    return questions


def test_every_french_question_of_the_demo_sets_is_read_as_french():
    questions = french_questions_of_the_demo()
    assert len(questions) > 600
    assert [(q, detect(q)) for q in questions if detect(q) != "fr"] == []


@pytest.mark.parametrize("question", TRICKY_FRENCH)
def test_french_with_loan_words_names_and_sms_stays_french(question):
    assert detect(question) == "fr"


@pytest.mark.parametrize("question", UNSURE)
def test_when_unsure_the_answer_is_french(question):
    assert detect(question) == "fr"


@pytest.mark.parametrize(
    ("question", "language"),
    [(q, "en") for q in ENGLISH] + [(q, "es") for q in SPANISH] + [(q, "pt") for q in PORTUGUESE]
    + [(q, "ar") for q in ARABIC],
)  # fmt: skip
def test_questions_in_other_languages_are_recognised(question, language):
    assert detect(question) == language


def test_spanish_and_portuguese_are_told_apart_by_what_they_do_not_share():
    assert detect("¿Cuánto cuesta la cantina?") == "es"
    assert detect("Quanto custa a cantina?") == "pt"
    # only words both share: a tie, so French
    assert detect("para como por") == "fr"


def test_every_language_has_every_phrase():
    assert set(PHRASES) == set(LANGUAGES)
    for language in LANGUAGES:
        assert set(PHRASES[language]) == set(PHRASE_KEYS)
        for key in PHRASE_KEYS:
            if (language, key) != ("fr", "quotes_french"):
                assert phrase(language, key).strip(), (language, key)


def test_french_needs_no_note_and_abstains_with_the_engine_sentence():
    assert phrase("fr", "quotes_french") == ""
    assert phrase("fr", "not_found") == NOT_FOUND
    assert phrase("en", "quotes_french") == "This answer quotes the town's documents, which are in French."
    assert "French" in phrase("en", "quotes_french")
    assert "francés" in phrase("es", "quotes_french")
    assert "francês" in phrase("pt", "quotes_french")
    assert "الفرنسية" in phrase("ar", "quotes_french")


def test_arabic_is_written_right_to_left_in_arabic_letters():
    assert text_direction("ar") == "rtl"
    assert [text_direction(language) for language in ("fr", "en", "es", "pt")] == ["ltr"] * 4
    for key in PHRASE_KEYS:
        text = phrase("ar", key)
        assert re.search(r"[\u0600-\u06FF]", text)
        assert not re.search(r"[A-Za-z]", text), key  # no Latin letter to break the right-to-left line


def test_an_unknown_language_gets_french_and_an_unknown_key_is_an_error():
    assert phrase("de", "sources") == "Sources"
    with pytest.raises(KeyError):
        phrase("en", "no_such_phrase")


def test_the_note_is_given_in_the_visitor_language_with_its_direction():
    assert language_note("Comment refaire ma carte d'identité ?") is None
    assert language_note("How do I renew my ID card?") == {
        "language": "en",
        "note": "This answer quotes the town's documents, which are in French.",
        "dir": "ltr",
    }
    assert language_note("كيف أجدد بطاقة هويتي؟") == {
        "language": "ar",
        "note": PHRASES["ar"]["quotes_french"],
        "dir": "rtl",
    }


def test_the_answer_carries_the_note_only_when_it_quotes_pages():
    quoted = {"answer": "« La carte est valable 15 ans. » [1]", "citations": [{"document_id": 1}]}
    found_nothing = {"answer": NOT_FOUND, "citations": []}
    fixed = {"answer": "Je suis un service public et je reste neutre…", "citations": []}  # the guard's answer
    english = "How long is an ID card valid for?"
    assert answer_language(english, quoted) == language_note(english)
    assert answer_language(english, found_nothing) == {
        "language": "en",
        "note": "I did not find a reliable answer in the documentation.",
        "dir": "ltr",
    }
    assert answer_language("¿Por quién debo votar en las elecciones?", fixed) is None
    assert answer_language("Combien de temps la carte est-elle valable ?", found_nothing) is None


def load_bench():
    path = ROOT / "bench" / "public_languages.py"
    spec = importlib.util.spec_from_file_location("public_languages", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bench_scores_detection_per_language_and_lists_french_misread(tmp_path, capsys):
    translated = tmp_path / "translated.yaml"
    translated.write_text(
        yaml.safe_dump(
            [
                {"question": q, "lang": lang, "source_question": "Où est la mairie ?", "expected": "x.md"}
                for q, lang in [
                    ("Where is the town hall?", "en"),
                    ("Town hall?", "en"),  # too little to tell: read as French
                    ("¿Dónde está el ayuntamiento?", "es"),
                ]
            ],
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    french = tmp_path / "french.yaml"
    french.write_text("- question: Quels sont les horaires ?\n- question: Where is the town hall?\n", "utf-8")
    code = load_bench().main(["--detection-only", "--set", str(translated), "--french", str(french)])
    out = capsys.readouterr().out
    result = json.loads(out.strip().splitlines()[-1])
    assert result["detection"]["en"] == {
        "questions": 2,
        "detected": 1,
        "misread": [{"question": "Town hall?", "read_as": "fr"}],
    }
    assert result["detection"]["es"]["detected"] == 1
    # the English question slipped into the French file is reported; the three originals are French
    assert (result["french_read_as_french"], result["originals_read_as_french"]) == ("1/2", "3/3")
    assert "not French? [en] Where is the town hall?" in out
    assert code == 1
