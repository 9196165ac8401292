"""Simulated usage of the demo knowledge, so the dashboard and the report show something in a demo.

`relais simulate --months 3` creates fictional agents (usernames ``sim.*``), then day by day
over the last months: questions drawn from demo/questions.yaml, the demo FAQ's phrasings and variations
(case, accents, typos, greetings, and paraphrases of the topics the documents do not cover), each
answered once by the real pipeline; 👍/👎 with reasons; tickets to RH and DSI at realistic rates (more
after a wrong answer or an abstention), some opened from the chat and some later by other channels;
and the RH and DSI baselines if none exist. Every run replaces the previous simulation (same seed,
same data) and leaves real data alone.

Everything it stores is marked as simulated: its agents' profiles (Profile.simulated: their questions, ratings
and tickets) and its baselines (source « Simulation (démonstration) »); the dashboard and the report then say
« Données simulées (démonstration) ».
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from relais.accounts.models import Profile
from relais.accounts.roles import AGENT
from relais.assistant.models import Conversation, Exchange, Feedback
from relais.engine.french.analysis import fold_accents
from relais.helpdesk.models import Status, Ticket, TicketMessage
from relais.helpdesk.tickets import mark_not_deflected, suggested_category
from relais.insights.models import CategoryBaseline, ServiceBaseline, Source
from relais.knowledge.models import Document, FaqEntry, IndexGeneration

PREFIX = "sim."

SERVICES = [
    ("Médiathèque", 4), ("Police municipale", 5), ("Petite enfance", 6), ("Services techniques", 9),
    ("État civil", 4), ("Urbanisme", 4), ("Finances", 4), ("Culture", 3), ("Sports", 3), ("Écoles", 7),
    ("CCAS", 4), ("Espaces verts", 5), ("Accueil", 3), ("Communication", 2), ("Direction générale", 2),
    ("RH", 3), ("DSI", 2),
]  # fmt: skip
FIRST_NAMES = [
    "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Nathan", "Emma", "Louis", "Inès", "Gabriel", "Sarah", "Jules",
    "Camille", "Arthur", "Jade", "Tom", "Zoé", "Théo", "Lina", "Paul", "Alice", "Noah", "Eva", "Adam", "Rose",
    "Yanis", "Anna", "Sacha", "Louise", "Malik", "Julie", "Karim", "Élise", "Bruno", "Nadia", "Olivier",
]  # fmt: skip
LAST_NAMES = [
    "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent",
    "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard",
    "Andre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure",
]  # fmt: skip

# Recurring questions the demo documents do not answer, with the ways agents word them, and the service
# an agent would send them to (None: no service of the helpdesk).
GAP_TOPICS: dict[str, tuple[str | None, list[str]]] = {
    "Combien de jours d'absence sont accordés pour mon mariage ?": (
        "RH",
        ["jours de congé pour un mariage", "je me marie en juin, j'ai droit à combien de jours ?",
         "autorisation d'absence pour mariage ou pacs"],
    ),
    "Y a-t-il un forfait mobilités durables pour venir à vélo ?": (
        "RH",
        ["prime vélo pour venir au travail", "forfait mobilité durable mairie",
         "je viens en vélo, y a une indemnité ?"],
    ),
    "La commune fournit-elle des titres-restaurant à ses agents ?": (
        "RH",
        ["tickets resto pour les agents ?", "a-t-on droit aux titres restaurant ?", "carte ticket restaurant commune"],
    ),
    "Est-ce qu'il y a une prime de fin d'année en décembre ?": (
        "RH",
        ["13e mois à la mairie ?", "prime de noël des agents", "quand est versée la prime de fin d'année ?"],
    ),
    "Comment obtenir la médaille d'honneur du travail ?": (
        "RH",
        ["médaille du travail conditions", "j'ai 20 ans de service, ai-je droit à une médaille ?",
         "demande de médaille d'honneur régionale, départementale et communale"],
    ),
    "Puis-je donner des jours de congé à un collègue dont l'enfant est gravement malade ?": (
        "RH",
        ["don de jours de repos à un collègue", "donner mes RTT à un collègue", "don de congés pour un enfant malade"],
    ),
    "La mairie rembourse-t-elle une partie de l'abonnement de bus domicile-travail ?": (
        "RH",
        ["remboursement abonnement transport", "prise en charge de l'abonnement de bus à 50 %",
         "mon abonnement de tram est-il remboursé ?"],
    ),
    "Quand ont lieu les prochaines élections professionnelles et comment vote-t-on ?": (
        "RH",
        ["date des élections professionnelles", "comment voter aux élections du comité social territorial"],
    ),
    "Qui appeler quand le chauffage de mon bureau ne marche plus ?": (
        None,
        ["radiateur en panne dans mon bureau", "il fait froid dans mon bureau, qui prévenir ?"],
    ),
}  # fmt: skip
# Questions with personal data in them (masked by the guard before anything else) or about the asker's own
# health or disciplinary case (directed to RH): rare, but the charter section of the report counts them.
PERSONAL_QUESTIONS = [
    ("Pouvez-vous me rappeler au 06 12 34 56 78 pour mon bulletin de paie ?", "bulletin-de-paie"),
    ("Mon adresse perso est camille.durand@exemple.fr, puis-je y recevoir mes bulletins de paie ?", "bulletin-de-paie"),
    ("Je suis en arrêt pour une dépression, est-ce que je perds ma prime ?", ""),
    ("Je suis convoqué à un entretien préalable à une sanction, ai-je droit à un avocat ?", ""),
]
PERSONAL_WEIGHT = 0.4
GAP_WEIGHT = 2.2  # each such topic is asked about as often as a popular documented one
NOISE_WEIGHT = 0.25  # off-topic questions (weather, football…)

# Demo baselines: what each service told the trial it spent on these requests before the assistant.
DEMO_BASELINES = {
    "RH": {
        "monthly_requests": 620,
        "staff_hours_per_month": 165.0,
        "default_minutes": 15.0,
        "categories": {
            "Congés et temps de travail": (12, 210, ["conges-annuels", "compte-epargne-temps",
                                                     "cycles-de-travail-et-rtt", "temps-partiel",
                                                     "badges-et-horaires-variables", "teletravail"]),
            "Paie et rémunération": (20, 90, ["bulletin-de-paie"]),
            "Absences et santé": (18, 80, ["arret-maladie-et-jour-de-carence", "accident-de-service-et-citis"]),
            "Déplacements et frais": (15, 70, ["ordre-de-mission-et-frais-de-deplacement",
                                               "frais-de-deplacement-indemnites-repas-hebergement"]),
            "Formation et carrière": (14, 60, ["formation-et-cpf", "entretien-professionnel-annuel"]),
            "Protection sociale": (16, 40, ["prevoyance-et-mutuelle", "action-sociale-cos"]),
            "Arrivées et départs": (25, 30, ["arrivee-d-un-nouvel-agent", "depart-d-un-agent"]),
            "Astreintes": (15, 40, ["guide-astreintes"]),
        },
    },
    "DSI": {
        "monthly_requests": 540,
        "staff_hours_per_month": 120.0,
        "default_minutes": 13.0,
        "categories": {
            "Comptes et mots de passe": (10, 180, ["mots-de-passe-et-double-authentification",
                                                   "premiere-connexion-au-poste-de-travail"]),
            "Impression": (15, 90, ["imprimantes-et-impression-securisee"]),
            "Messagerie et visioconférence": (12, 80, ["messagerie-et-agenda-hermes", "visioconference-agora"]),
            "Accès à distance et réseau": (18, 80, ["vpn-acces-a-distance", "wifi-agents-et-invites",
                                                    "partages-reseau-et-sauvegarde"]),
            "Matériel et téléphonie": (20, 60, ["demande-de-materiel-ou-de-logiciel", "telephonie-fixe-et-mobile"]),
            "Sécurité": (15, 25, ["hameconnage-et-securite"]),
            "Centre de services": (8, 25, ["ouvrir-un-ticket-au-centre-de-services"]),
        },
    },
}  # fmt: skip

# Rates per outcome of the answer (the agent sees whether it helped).
RATED = 0.35  # share of answers that get a 👍 or 👎
UP_IF_RIGHT, DOWN_IF_WRONG = 0.9, 0.75
TICKET_IF_RIGHT, TICKET_IF_WRONG, TICKET_IF_ABSTENTION = 0.06, 0.40, 0.45
FROM_CHAT = 0.7  # tickets opened with « Transmettre » right after the answer; the others later, by other channels
BACKGROUND_TICKETS_PER_DAY = 1.5  # requests that never went through Relais


class SimulationError(RuntimeError):
    pass


@dataclass
class Topic:
    texts: list[str]
    expected: str  # the document stem that answers it, "" when none does
    service: str | None  # where an agent would send a ticket about it
    weight: float


@dataclass
class Answered:
    question: str  # as logged: personal data masked by the guard
    masked_pii: list
    personal_situation: str
    mode: str
    answer: str
    confidence: float
    citations: list
    suggestions: list
    contact: str
    latency_ms: float
    service: str
    right: bool
    category: str


def variations(text: str, rng: random.Random) -> list[str]:
    """How the same question gets typed: lower case, no accents, no question mark, a greeting, a typo."""
    out = [text]
    bare = text.rstrip(" ?")
    out.append(bare.lower())
    out.append(fold_accents(bare).lower())
    out.append(f"Bonjour, {text[0].lower()}{text[1:]}")
    out.append(f"{bare} svp")
    words = bare.split()
    long_words = [k for k, w in enumerate(words) if len(w) > 5]
    if long_words:
        k = rng.choice(long_words)
        w = words[k]
        i = rng.randrange(1, len(w) - 2)
        words[k] = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
        out.append(" ".join(words))
    return list(dict.fromkeys(out))


def _topics(folder: Path, rng: random.Random) -> list[Topic]:
    questions = yaml.safe_load((folder / "questions.yaml").read_text(encoding="utf-8"))
    faq = yaml.safe_load((folder / "faq.yaml").read_text(encoding="utf-8"))
    topics: list[Topic] = []
    for entry in faq:
        source = Path(str(entry.get("source") or "")).stem
        texts = [str(entry["question"]), *map(str, entry.get("phrasings") or [])]
        topics.append(Topic(texts, source, entry.get("service") or None, rng.lognormvariate(0, 0.9)))
    for text, expected_stem in PERSONAL_QUESTIONS:
        topics.append(Topic([text], expected_stem, "RH", PERSONAL_WEIGHT))
    for entry in questions:
        expected = str(entry.get("expected") or "none")
        question = str(entry["question"])
        if expected == "none":
            service, extra = GAP_TOPICS.get(question, (None, []))
            weight = GAP_WEIGHT * rng.uniform(0.6, 1.4) if question in GAP_TOPICS else NOISE_WEIGHT
            topics.append(Topic([question, *extra], "", service, weight))
        else:
            texts = variations(question, rng)[: rng.randint(2, 4)]
            topics.append(Topic(texts, Path(expected).stem, None, rng.lognormvariate(-0.3, 0.8)))
    return topics


def _agents(count: int, rng: random.Random) -> list:
    User = get_user_model()
    group, _ = Group.objects.get_or_create(name=AGENT)
    names = [(f, l) for f in FIRST_NAMES for l in LAST_NAMES]  # noqa: E741
    rng.shuffle(names)
    services = [s for s, _ in SERVICES]
    weights = [w for _, w in SERVICES]
    agents = []
    for first, last in names[:count]:
        username = f"{PREFIX}{fold_accents(first).lower()}.{fold_accents(last).lower()}"
        user = User(username=username, first_name=first, last_name=last, email=f"{username}@valdebrume.example")
        user.set_unusable_password()
        agents.append(user)
    User.objects.bulk_create(agents)
    agents = list(User.objects.filter(username__startswith=PREFIX).order_by("pk"))
    group.user_set.add(*agents)
    Profile.objects.bulk_create(
        [Profile(user=a, service=rng.choices(services, weights)[0], simulated=True) for a in agents],
        ignore_conflicts=True,
    )
    Profile.objects.filter(user__in=agents).update(simulated=True)  # a profile made before keeps its service
    return agents


def clear() -> int:
    """Delete a previous simulation: its agents, their conversations, exchanges, feedback and tickets; its baselines."""
    User = get_user_model()
    users = User.objects.filter(username__startswith=PREFIX)
    count = users.count()
    Ticket.objects.filter(requester__in=users).delete()
    Conversation.objects.filter(user__in=users).delete()
    users.delete()
    ServiceBaseline.objects.filter(source=Source.SIMULATED).delete()  # made again; a service's own stay
    return count


# Answers of this process, kept while the knowledge does not change (a second simulation is then quick).
_ANSWERS: dict = {}


def _answer_all(texts: list[str], expected: dict[str, str], progress) -> dict[str, Answered]:
    from relais.assistant.pipeline import ask, citation_payload, guard

    documents = {d.pk: d for d in Document.objects.select_related("collection")}
    generation = (IndexGeneration.current(), FaqEntry.objects.count(), len(documents))
    if _ANSWERS.get("generation") != generation:  # the knowledge changed: answer again
        _ANSWERS.clear()
        _ANSWERS["generation"] = generation
    answered: dict[str, Answered] = {}
    for number, text in enumerate(texts, 1):
        if (text, expected.get(text, "")) in _ANSWERS:
            answered[text] = _ANSWERS[(text, expected.get(text, ""))]
            continue
        result = ask(text, log=False)
        answer = result.answer
        citations = [citation_payload(c, documents.get(c.document_id)) for c in answer.citations]
        suggestions = [{"document_id": s.document_id, "document": s.document_title} for s in answer.suggestions]
        probe = Exchange(citations=citations, suggestions=suggestions)
        first = documents.get(answer.citations[0].document_id) if answer.citations else None
        stem = Path(first.source).stem if first else ""
        wanted = expected.get(text, "")
        right = (answer.mode == "none") if not wanted else (answer.mode != "none" and stem == wanted)
        guarded = guard(text)
        answered[text] = Answered(
            question=guarded.text,
            masked_pii=list(guarded.masked_types),
            personal_situation=guarded.situation or "",
            mode=answer.mode,
            answer=answer.text,
            confidence=answer.confidence,
            citations=citations,
            suggestions=suggestions,
            contact=result.contact,
            latency_ms=round(result.latency_ms, 2),
            service=probe._service_of_sources(),
            right=right,
            category=suggested_category(probe),
        )
        _ANSWERS[(text, wanted)] = answered[text]
        if progress and number % 50 == 0:
            progress(f"  {number}/{len(texts)} questions answered")
    return answered


def _working_days(start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _moment(day: date, rng: random.Random) -> datetime:
    hour = rng.choices([8, 9, 10, 11, 12, 13, 14, 15, 16, 17], [4, 10, 11, 9, 3, 5, 9, 9, 7, 3])[0]
    return timezone.make_aware(datetime.combine(day, time(hour, rng.randrange(60), rng.randrange(60))))


def _baselines() -> int:
    created = 0
    stems = {Path(d.source).stem: d for d in Document.objects.all()}
    for service, spec in DEMO_BASELINES.items():
        if ServiceBaseline.objects.filter(service=service).exists():
            continue  # entered or imported by the service: never overwritten
        baseline = ServiceBaseline.objects.create(
            service=service,
            monthly_requests=spec["monthly_requests"],
            staff_hours_per_month=spec["staff_hours_per_month"],
            default_minutes=spec["default_minutes"],
            source=Source.SIMULATED,
            notes="Données simulées (démonstration) : relais simulate.",
        )
        for name, (minutes, monthly, documents) in spec["categories"].items():
            category = CategoryBaseline.objects.create(
                baseline=baseline, category=name, handling_minutes=minutes, monthly_requests=monthly
            )
            category.documents.set([stems[s] for s in documents if s in stems])
        created += 1
    return created


REASONS_IF_WRONG = [(Feedback.Reason.OFF_TOPIC, 5), (Feedback.Reason.WRONG, 3), (Feedback.Reason.INCOMPLETE, 2)]
REASONS_IF_RIGHT = [(Feedback.Reason.INCOMPLETE, 6), (Feedback.Reason.OUTDATED, 1), (Feedback.Reason.OTHER, 2)]


def simulate(
    months: int = 3,
    agents: int = 60,
    per_day: float = 15.0,
    seed: int = 2026,
    folder: Path = Path("demo"),
    progress: Callable[[str], None] | None = None,
    today: date | None = None,
) -> str:
    from relais.assistant.pipeline import guard

    if months < 1 or agents < 1 or per_day <= 0:
        raise SimulationError("--months, --agents and --per-day must be positive")
    if not (folder / "questions.yaml").is_file() or not (folder / "faq.yaml").is_file():
        raise SimulationError(f"{folder}: questions.yaml and faq.yaml not found (pass --folder demo)")
    if not Document.objects.exists():
        raise SimulationError("no knowledge to ask about: run `relais demo` first")
    rng = random.Random(seed)
    topics = _topics(folder, rng)
    expected = {text: topic.expected for topic in topics for text in topic.texts}
    today = today or timezone.localdate()
    days = _working_days(today - timedelta(days=round(months * 30.44)), today - timedelta(days=1))
    with transaction.atomic():
        removed = clear()
        people = _agents(agents, rng)
        activity = [rng.paretovariate(1.6) for _ in people]
        weights = [t.weight for t in topics]
        plan = []  # (moment, agent, topic, text)
        for k, day in enumerate(days):
            adoption = 0.3 + 0.7 * min(1.0, k / (0.5 * len(days)))  # adoption grows over the first half
            weekday = (1.2, 1.05, 1.0, 1.0, 0.8)[day.weekday()]
            mean = per_day * adoption * weekday
            count = max(0, round(rng.gauss(mean, mean**0.5)))
            for _ in range(count):
                topic = rng.choices(topics, weights)[0]
                plan.append((_moment(day, rng), rng.choices(people, activity)[0], topic, rng.choice(topic.texts)))
        plan.sort(key=lambda p: p[0])
        # Only the wordings the plan drew are answered (about a third of them for a month): the draws above do
        # not depend on the answers, so the simulation is the same as if every wording had been answered first.
        texts = list(dict.fromkeys(text for *_, text in plan))
        if progress:
            progress(f"Answering {len(texts)} distinct questions with the demo knowledge…")
        answered = _answer_all(texts, expected, progress)
        conversations = Conversation.objects.bulk_create([Conversation(user=agent) for _, agent, _, _ in plan])
        exchanges = []
        for (_, agent, _, text), conversation in zip(plan, conversations, strict=True):
            a = answered[text]
            exchanges.append(
                Exchange(
                    conversation=conversation,
                    user=agent,
                    question=a.question,
                    search_query=a.question,
                    masked_pii=a.masked_pii,
                    personal_situation=a.personal_situation,
                    answer=a.answer,
                    mode=a.mode,
                    confidence=a.confidence,
                    citations=a.citations,
                    suggestions=a.suggestions,
                    contact=a.contact,
                    backend="extractive",
                    latency_ms=round(a.latency_ms * rng.uniform(0.8, 1.6), 2),
                    service=a.service,
                )
            )
        exchanges = Exchange.objects.bulk_create(exchanges)
        for (moment, *_), conversation, exchange in zip(plan, conversations, exchanges, strict=True):
            conversation.created_at = exchange.created_at = moment
        Conversation.objects.bulk_update(conversations, ["created_at"], batch_size=500)
        Exchange.objects.bulk_update(exchanges, ["created_at"], batch_size=500)
        feedback, tickets = [], []
        now = timezone.now()
        for (moment, agent, topic, text), exchange in zip(plan, exchanges, strict=True):
            a = answered[text]
            if a.mode != "none" and rng.random() < RATED:
                up = rng.random() < (UP_IF_RIGHT if a.right else 1 - DOWN_IF_WRONG)
                reasons = REASONS_IF_RIGHT if a.right else REASONS_IF_WRONG
                reason = "" if up or rng.random() < 0.3 else rng.choices(*zip(*reasons, strict=True))[0]
                feedback.append(Feedback(exchange=exchange, user=agent, rating="up" if up else "down", reason=reason))
            chance = TICKET_IF_ABSTENTION if a.mode == "none" else TICKET_IF_RIGHT if a.right else TICKET_IF_WRONG
            service = a.service if a.service in DEMO_BASELINES else topic.service
            if a.mode == "none":
                service = topic.service  # the agent knows better than the suggestions where to ask
            if service and rng.random() < chance:
                from_chat = rng.random() < FROM_CHAT
                opened = moment + (
                    timedelta(minutes=rng.randint(1, 20)) if from_chat else timedelta(hours=rng.uniform(3, 120))
                )
                if opened < now:
                    tickets.append(_ticket(agent, service, a.question, exchange if from_chat else None, a, opened, rng))
        Feedback.objects.bulk_create(feedback)
        for day in days:
            for _ in range(round(rng.gauss(BACKGROUND_TICKETS_PER_DAY, 1.0))):
                topic = rng.choices(topics, weights)[0]
                service = topic.service or rng.choice(list(DEMO_BASELINES))
                if topic.expected or topic.service:
                    tickets.append(
                        _ticket(
                            rng.choice(people),
                            service,
                            guard(topic.texts[0]).text,  # a ticket written elsewhere: no answer to read
                            None,
                            None,
                            _moment(day, rng),
                            rng,
                        )
                    )
        Ticket.objects.bulk_create(tickets)
        for ticket in Ticket.objects.filter(requester__username__startswith=PREFIX):
            mark_not_deflected(ticket)
        handlers = list(get_user_model().objects.filter(groups__name__startswith="Traitement ").distinct())
        messages = [
            TicketMessage(
                ticket=t, author=rng.choice(handlers) if handlers else None, from_handler=True,
                body="Bonjour, voici la réponse à votre demande. Cordialement.", created_at=t.first_response_at,
            )
            for t in Ticket.objects.filter(requester__username__startswith=PREFIX, first_response_at__isnull=False)
        ]  # fmt: skip
        TicketMessage.objects.bulk_create(messages)
        baselines = _baselines()
    answered_share = sum(answered[p[3]].mode != "none" for p in plan) / max(len(plan), 1)
    return (
        f"Simulated {len(days)} working days ({days[0]:%d/%m/%Y} – {days[-1]:%d/%m/%Y}): {len(people)} agents, "
        f"{len(plan)} questions ({answered_share:.0%} answered), {len(feedback)} ratings, {len(tickets)} tickets; "
        f"{baselines} demo baseline(s) created; {removed} earlier simulated agent(s) replaced."
    )


def _ticket(agent, service, text, exchange, answered: Answered | None, opened: datetime, rng) -> Ticket:
    now = timezone.now()
    first = opened + timedelta(hours=rng.uniform(0.5, 30))
    resolved = first + timedelta(hours=rng.uniform(0.5, 72))
    status = Status.CLOSED if resolved < now - timedelta(days=7) else Status.RESOLVED if resolved < now else (
        Status.IN_PROGRESS if first < now else Status.NEW
    )  # fmt: skip
    return Ticket(
        requester=agent,
        service=service,
        category=answered.category if answered else "",
        title=text[:120],
        description=text,
        status=status,
        conversation=exchange.conversation if exchange else None,
        exchange=exchange,
        transcript=f"Agent : {text}\nRelais : {answered.answer}" if exchange and answered else "",
        created_at=opened,
        first_response_at=first if first < now else None,
        resolved_at=resolved if status in {Status.RESOLVED, Status.CLOSED} else None,
    )
