"""The dashboard /pilotage/: who may see it, the figures of a small hand-built log, CSV exports, filters, gaps."""

import csv
import html
import io
import itertools
import re
from datetime import datetime
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from relais.accounts.models import Profile
from relais.accounts.roles import AGENT
from relais.assistant.models import Conversation, Exchange, Feedback
from relais.helpdesk.models import Ticket
from relais.insights.measure import SIMULATED_NOTICE, TABLES
from relais.insights.models import CategoryBaseline, ServiceBaseline, Source
from relais.knowledge.models import Document

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

PASSWORD = "valdebrume-demo"
PERIOD = {"start": "2026-11-02", "end": "2026-11-15"}  # 14 days = 14 / 30.4375 = 0.459959 month
MONTHS = 14 / 30.4375


def client_for(username: str | None) -> Client:
    client = Client()
    if username:
        assert client.login(username=username, password=PASSWORD)
    return client


def at(day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(2026, 11, day, hour))


def document(stem: str) -> Document:
    return Document.objects.get(source__contains=f"/{stem}.")


def exchange(user, question, mode, when, service, cited: Document | None = None, rating="", reason=""):
    conversation = Conversation.objects.create(user=user)
    citations = [{"document_id": cited.pk, "document": cited.title}] if cited else []
    row = Exchange.objects.create(
        conversation=conversation, user=user, question=question, search_query=question, answer="…", mode=mode,
        confidence=0.8, citations=citations, latency_ms=50, service=service,
    )  # fmt: skip
    Exchange.objects.filter(pk=row.pk).update(created_at=when)
    if rating:
        Feedback.objects.create(exchange=row, user=user, rating=rating, reason=reason)
    return row


@pytest.fixture()
def log():
    """Five questions, one ticket, two baselines; every expected figure below is worked out by hand.

    | # | agent | mode       | service | category (minutes)           | day   | avis        | outcome          |
    | 1 | u2    | extractive | RH      | Congés (15)                  | 2/11  | 👍          | deflected        |
    | 2 | u2    | faq        | DSI     | Comptes (10)                 | 3/11  |             | deflected        |
    | 3 | u1    | extractive | RH      | Congés (15)                  | 4/11  |             | ticket on 5/11   |
    | 4 | u2    | none       |         |                              | 5/11  |             | abstention       |
    | 5 | u2    | extractive | DSI     | the document's title (12)    | 9/11  | 👎 inexacte | down             |
    """
    group = Group.objects.get(name=AGENT)
    u1 = get_user_model().objects.create_user("u1", password=PASSWORD)
    u2 = get_user_model().objects.create_user("u2", password=PASSWORD)
    group.user_set.add(u1, u2)
    conges, mdp, imprimantes = document("conges-annuels"), document("mots-de-passe-et-double-authentification"), (
        document("imprimantes-et-impression-securisee")
    )  # fmt: skip
    rh = ServiceBaseline.objects.create(service="RH", monthly_requests=300, staff_hours_per_month=100)
    CategoryBaseline.objects.create(baseline=rh, category="Congés", handling_minutes=15).documents.add(conges)
    dsi = ServiceBaseline.objects.create(service="DSI", monthly_requests=200, default_minutes=12)
    CategoryBaseline.objects.create(
        baseline=dsi, category="Comptes", handling_minutes=10, monthly_requests=100
    ).documents.add(mdp)
    # u1's ticket on 5/11 follows #3 (1 day after), and would follow any RH answer of u1's since 29/10.
    exchange(u2, "Combien de jours de congés ?", "extractive", at(2), "RH", conges, "up")
    exchange(u2, "Mot de passe oublié", "faq", at(3), "DSI", mdp)
    exchange(u1, "Congés d'été ?", "extractive", at(4), "RH", conges)
    exchange(u2, "Quel est le menu de la cantine ?", "none", at(5), "")
    exchange(u2, "Ajouter une imprimante", "extractive", at(9), "DSI", imprimantes, "down", "inexacte")
    Ticket.objects.create(requester=u1, service="RH", title="Congés", description="Congés d'été", created_at=at(5))
    return {"u1": u1, "u2": u2}


def rows_of(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


# ---------------------------------------------------------------- access


def test_anonymous_visitors_are_sent_to_sign_in():
    for url in ("/pilotage/", "/pilotage/lacunes/", "/pilotage/export/usage-par-service.csv"):
        response = client_for(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_agents_are_refused():
    agent = client_for("agent.demo")
    for url in ("/pilotage/", "/pilotage/lacunes/", "/pilotage/export/usage-par-service.csv"):
        assert agent.get(url).status_code == 403
    assert "/pilotage/" not in agent.get("/").content.decode()  # no link in the menu either


@pytest.mark.parametrize("username", ["pilotage.demo", "referent.rh", "referent.dsi", "admin"])
def test_pilotage_referents_and_administrators_see_the_dashboard(username):
    client = client_for(username)
    page = client.get("/pilotage/")
    assert page.status_code == 200
    assert '<a href="/pilotage/">Pilotage</a>' in client.get("/").content.decode()


def test_baselines_are_entered_in_the_admin_by_referents_not_agents():
    referent = client_for("referent.rh")
    assert referent.get("/admin/insights/servicebaseline/add/").status_code == 200
    response = referent.post(
        "/admin/insights/servicebaseline/add/",
        {
            "service": "RH", "monthly_requests": "400", "staff_hours_per_month": "120", "default_minutes": "15",
            "source": "saisie", "categories-TOTAL_FORMS": "1", "categories-INITIAL_FORMS": "0",
            "categories-0-category": "Paie", "categories-0-handling_minutes": "20",
        },
    )  # fmt: skip
    assert response.status_code == 302
    baseline = ServiceBaseline.objects.get(service="RH")
    assert baseline.staff_hours_per_month == 120 and baseline.categories.get().handling_minutes == 20
    assert client_for("agent.demo").get("/admin/insights/servicebaseline/").status_code == 302


# ---------------------------------------------------------------- figures


def test_page_shows_the_hand_computed_figures(log):
    page = client_for("pilotage.demo").get("/pilotage/", PERIOD).content.decode()
    assert "<h1>Pilotage de l'assistant</h1>" in page and "du 02/11/2026 au 15/11/2026" in page
    # 5 questions, 4 answers, 1 abstention (20 %), 2 deflected (#1, #2): 40 %.
    assert re.search(r"<dt>Questions posées</dt><dd>5</dd>", page)
    assert re.search(r"<dt>Taux de déflexion</dt><dd>40\u00a0%</dd>", page)
    assert "1 abstention (20\u00a0%)" in page
    # Hours: #1 15 min + #2 10 min = 25 min = 0.4 h (one decimal); satisfaction 1 👍 of 2 rated.
    assert re.search(r"<dt>Heures économisées</dt><dd>0,4\u00a0h</dd>", page)
    assert re.search(r"<dt>Satisfaction</dt><dd>50\u00a0%</dd>", page)
    assert "Heures économisées</strong> = Σ par catégorie" in page  # the formula next to the figure
    assert "Incertitude." in page and "intervalle de Wilson" in page


def test_simulated_rows_are_said_to_be_simulated(log):
    client = client_for("pilotage.demo")
    assert SIMULATED_NOTICE not in client.get("/pilotage/", PERIOD).content.decode()  # real data only
    assert SIMULATED_NOTICE not in client.get("/pilotage/rapport.html", PERIOD).content.decode()
    Profile.objects.update_or_create(user=log["u1"], defaults={"simulated": True})  # one simulated agent
    for url in ("/pilotage/", "/pilotage/lacunes/", "/pilotage/rapport.html"):
        assert f"<strong>{SIMULATED_NOTICE}</strong>" in client.get(url, PERIOD).content.decode(), url
    assert (
        SIMULATED_NOTICE not in client.get("/pilotage/", {"start": "2026-11-06", "end": "2026-11-15"}).content.decode()
    )
    Profile.objects.filter(user=log["u1"]).update(simulated=False)
    ServiceBaseline.objects.filter(service="DSI").update(source=Source.SIMULATED)  # one simulated baseline
    page = client.get("/pilotage/", PERIOD).content.decode()
    assert f"<strong>{SIMULATED_NOTICE}</strong>" in page and "Simulation (démonstration)" in page
    # A page filtered on another service shows none of the DSI's simulated baseline.
    assert SIMULATED_NOTICE not in client.get("/pilotage/", {**PERIOD, "service": "RH"}).content.decode()


def test_hours_saved_per_service_by_hand(log):
    response = client_for("pilotage.demo").get("/pilotage/export/heures-par-service.csv", PERIOD)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="relais-heures-par-service-20261102-20261115.csv"' in response["Content-Disposition"]
    header, *rows = rows_of(response)
    assert header[:3] == ["Service", "Déflexions", "Heures économisées (h)"]
    by_service = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    rh, dsi = by_service["RH"], by_service["DSI"]
    # RH: #1 deflected, 15 min = 0.25 h; baseline 100 h/month × 0.459959 month = 46.00 h;
    # 0.25 / 45.9959 = 0.54 % of the time; / 15 % = 3.6 % of the target.
    assert (rh["Déflexions"], rh["Heures économisées (h)"], rh["Heures de référence sur la période (h)"]) == (
        "1", "0,25", f"{100 * MONTHS:.2f}".replace(".", ","),
    )  # fmt: skip
    assert rh["Part du temps économisée (%)"] == f"{0.25 / (100 * MONTHS) * 100:.1f}".replace(".", ",") == "0,5"
    assert rh["Part de l'objectif atteinte (%)"] == f"{0.25 / (100 * MONTHS) / 0.15 * 100:.1f}".replace(".", ",")
    assert rh["Part de l'objectif atteinte (%)"] == "3,6"
    # DSI: #2 deflected, 10 min; #5 was rated 👎. No staff hours entered: 200 requests × 10 min (the mean of
    # its one category) / 60 = 33.33 h a month × 0.459959 = 15.33 h; 0.1667 / 15.33 / 0.15 = 7.2 %.
    assert (dsi["Déflexions"], dsi["Heures économisées (h)"], dsi["Heures de référence sur la période (h)"]) == (
        "1", "0,17", "15,33",
    )  # fmt: skip
    assert dsi["Part de l'objectif atteinte (%)"] == "7,2"
    # The high bound counts #5 (👎, no ticket) at the DSI default 12 min: (10 + 12) / 60 = 0.37 h.
    assert dsi["Fourchette haute (h)"] == "0,37" and dsi["Fourchette basse (h)"] == "0,00"
    assert by_service["(non attribué)"]["Heures de référence sur la période (h)"] == ""


def test_categories_come_from_the_linked_documents(log):
    response = client_for("pilotage.demo").get("/pilotage/export/heures-par-categorie.csv", PERIOD)
    _, *rows = rows_of(response)
    cells = {(r[0], r[1]): r for r in rows}
    assert cells[("RH", "Congés")][2:5] == ["15,00", "catégorie", "1"]
    assert cells[("DSI", "Comptes")][2:5] == ["10,00", "catégorie", "1"]
    imprimantes = document("imprimantes-et-impression-securisee").title
    assert cells[("DSI", imprimantes)][2:5] == ["12,00", "défaut du service", "0"]


def test_usage_per_service_and_week(log):
    client = client_for("pilotage.demo")
    header, *rows = rows_of(client.get("/pilotage/export/usage-par-service.csv", PERIOD))
    table = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert table["RH"]["Questions"] == "2" and table["RH"]["Demandes après une réponse"] == "1"
    assert table["DSI"]["👎"] == "1" and table["Total"]["Agents actifs"] == "2"
    assert table["Total"]["Taux de déflexion (%)"] == "40,0"
    header, *rows = rows_of(client.get("/pilotage/export/evolution.csv", {**PERIOD, "granularity": "week"}))
    assert [(r[0], r[1]) for r in rows] == [("2026-S45", "4"), ("2026-S46", "1")]
    header, *rows = rows_of(client.get("/pilotage/export/evolution.csv", {**PERIOD, "granularity": "month"}))
    assert header[0] == "Mois" and [(r[0], r[1]) for r in rows] == [("2026-11", "5")]
    header, *rows = rows_of(client.get("/pilotage/export/raisons-des-avis-negatifs.csv", PERIOD))
    assert rows == [["La réponse est inexacte", "1", "100,0"]]


def test_service_filter(log):
    client = client_for("pilotage.demo")
    _, *rows = rows_of(client.get("/pilotage/export/usage-par-service.csv", {**PERIOD, "service": "RH"}))
    assert [r[0] for r in rows] == ["RH", "Total"] and rows[-1][1] == "2"
    page = client.get("/pilotage/", {**PERIOD, "service": "RH"}).content.decode()
    assert '<option value="RH" selected>RH</option>' in page


def test_every_table_is_exported_and_has_a_caption(log):
    client = client_for("referent.dsi")
    page = client.get("/pilotage/", PERIOD).content.decode()
    for slug in TABLES:
        link = f"/pilotage/export/{slug}.csv?start=2026-11-02&amp;end=2026-11-15"
        assert link in page, slug
        response = client.get(f"/pilotage/export/{slug}.csv", PERIOD)
        assert response.status_code == 200 and len(rows_of(response)) >= 1
    assert client.get("/pilotage/export/inconnu.csv").status_code == 404
    assert page.count("<caption") == page.count("<table") == len(TABLES)
    assert page.count('<th scope="col"') > 40 and 'role="region"' in page


def test_accessible_charts_and_form(log):
    page = client_for("pilotage.demo").get("/pilotage/", PERIOD).content.decode()
    # Charts: images with a text name, patterns and legends for the series, values written; no script, no CDN.
    assert page.count('role="img"') == 3
    assert '<title id="graphique-objectif-titre">Part de l&#x27;objectif de 15\u00a0% atteinte par service' in page
    assert (
        "Déflexions (plein)" in page
        and "Abstentions (points)" in page
        and 'pattern id="graphique-evolution-hatch"' in page
    )
    assert "<script" not in page.split("<main", 1)[1] and "http" not in re.sub(
        r'xmlns="http[^"]+"', "", page.split("<main", 1)[1]
    )
    # Labelled filters, headings in order.
    for field in ("start", "end", "service", "granularity"):
        assert f'<label for="id_{field}">' in page
    headings = re.findall(r"<h([1-3])", page)
    assert headings[0] == "1" and all(int(b) - int(a) <= 1 for a, b in itertools.pairwise(headings))


def test_invalid_period_is_explained(log):
    page = client_for("pilotage.demo").get("/pilotage/", {"start": "2026-11-15", "end": "2026-11-02"})
    assert page.status_code == 200 and "La fin de la période précède son début." in page.content.decode()


# ---------------------------------------------------------------- knowledge gaps


@pytest.fixture()
def gaps_log(log):
    u1, u2 = log["u1"], log["u2"]
    for k, text in enumerate(
        ["La commune donne-t-elle des titres-restaurant ?", "titres-restaurant pour les agents de la mairie ?",
         "A-t-on droit aux titres restaurant ?"]
    ):  # fmt: skip
        exchange(u1 if k % 2 else u2, text, "none", at(10 + k), "RH")
    exchange(u1, "Quel est le menu de la cantine demain ?", "none", at(12), "")
    worker_sweep()
    return log


def worker_sweep() -> None:
    """What `relais worker` does each minute for these pages: embed the new questions (the pages never do)."""
    from relais.insights.gaps import embed_questions

    embed_questions.enqueue()  # run at once by the tests' immediate task backend


class QueueSpy:
    """Stands for the worker's `embed_questions` task: counts the jobs queued instead of running them."""

    def __init__(self) -> None:
        self.queued = 0

    def enqueue(self) -> None:
        self.queued += 1


def test_the_gaps_page_never_embeds_and_queues_new_questions_for_the_worker(log, monkeypatch):
    from relais.insights import gaps

    worker_sweep()
    exchange(log["u1"], "Combien de jours d'absence pour mon mariage ?", "none", at(10), "RH")
    exchange(log["u2"], "combien de jours d'absence pour un mariage", "none", at(11), "RH")
    embedded: list[str] = []
    embedder = gaps._embedder()
    monkeypatch.setattr(embedder, "embed_queries", lambda texts: embedded.extend(texts) or pytest.fail("embedded"))
    spy = QueueSpy()
    monkeypatch.setattr(gaps, "embed_questions", spy)
    client = client_for("pilotage.demo")
    pages = [client.get("/pilotage/lacunes/", PERIOD).content.decode() for _ in range(3)]
    # Not one embedding inside a request, first load or later; one job for the worker, not one per view.
    assert embedded == [] and spy.queued == 1
    pending = re.search(r"(\d+) questions récentes en cours d'analyse", pages[0])
    assert pending and int(pending[1]) == 2 and "mariage" not in pages[0]
    monkeypatch.undo()
    worker_sweep()  # what the queued job does
    page = client.get("/pilotage/lacunes/", PERIOD).content.decode()
    assert "en cours d'analyse" not in page and "mariage" in page  # the cached report was replaced


def test_a_later_load_reads_the_cached_report(gaps_log, monkeypatch):
    from relais.insights import gaps

    def cards(page: str) -> str:
        return page[page.index('<ol class="gaps">') : page.index("</ol>")]

    client = client_for("pilotage.demo")
    first = cards(client.get("/pilotage/lacunes/", PERIOD).content.decode())
    monkeypatch.setattr(gaps, "find_gaps", lambda *args, **kwargs: pytest.fail("computed again"))
    assert cards(client_for("pilotage.demo").get("/pilotage/lacunes/", PERIOD).content.decode()) == first


def test_gaps_are_ranked_routed_and_offer_a_prefilled_faq_entry(gaps_log):
    referent = client_for("referent.rh")
    page = referent.get("/pilotage/lacunes/", {**PERIOD, "service": ""}).content.decode()
    assert "<h1>Lacunes de la documentation</h1>" in page
    first = page.split('<li class="gap gap-', 2)[1]
    assert "titres" in first.split("</h2>")[0] and "3 questions" in first and "service : RH" in first
    assert "Ouverte" in first
    second = page.split('<li class="gap gap-', 3)[2]
    assert "cantine" in second and "2 questions" in second  # #4 and the new one
    link = re.search(r'href="(/admin/knowledge/faqentry/add/\?[^"]+)"', first)[1].replace("&amp;", "&")
    params = parse_qs(urlparse(link).query)
    assert params["service"] == ["RH"] and "titres" in params["question"][0].lower()
    assert len(params["phrasings_text"][0].splitlines()) == 2
    form = referent.get(link).content.decode()
    assert params["question"][0].replace("'", "&#x27;") in form and params["phrasings_text"][0].splitlines()[0] in form


def test_a_gap_whose_question_an_faq_entry_already_asks_offers_to_review_that_entry(gaps_log):
    """A ticket after a curated answer makes a gap labelled with the entry's own question: the form would refuse a
    second entry with it (one question per collection), so the référent is sent to the entry that did not suffice."""
    from relais.insights.gaps import faq_collection
    from relais.knowledge.models import FaqEntry

    referent = client_for("referent.rh")
    page = referent.get("/pilotage/lacunes/", {**PERIOD, "service": ""}).content.decode()
    label = html.unescape(page.split('<h2 class="gap-title">', 1)[1].split("</h2>", 1)[0])
    entry = FaqEntry.objects.create(
        collection=faq_collection("RH"), question=label, answer="Non, la commune n'en donne pas.", service="RH"
    )
    page = referent.get("/pilotage/lacunes/", {**PERIOD, "service": ""}).content.decode()
    first = page.split('<li class="gap gap-', 2)[1]  # up to the next gap
    assert "Créer une entrée FAQ" not in first and "Revoir l'entrée FAQ" in first
    assert f'href="/admin/knowledge/faqentry/{entry.pk}/change/"' in first
    assert referent.get(f"/admin/knowledge/faqentry/{entry.pk}/change/").status_code == 200


def test_a_gap_closes_when_its_questions_are_answered(gaps_log):
    u1 = gaps_log["u1"]
    client = client_for("pilotage.demo")
    exchange(u1, "La commune donne-t-elle des titres-restaurant ?", "faq", at(14), "RH")
    page = client.get("/pilotage/lacunes/", PERIOD).content.decode()
    assert "En voie de résolution" in page.split('<li class="gap gap-', 2)[1]
    exchange(u1, "titres restaurant agents", "faq", at(15), "RH")
    worker_sweep()
    first = client.get("/pilotage/lacunes/", PERIOD).content.decode().split('<li class="gap gap-', 2)[1]
    assert first.startswith("fermee") and "Fermée" in first and "2 réponses réussies depuis" in first


def test_pilotage_sees_gaps_without_the_faq_button_and_exports_them(gaps_log):
    client = client_for("pilotage.demo")
    page = client.get("/pilotage/lacunes/", PERIOD).content.decode()
    assert "Créer une entrée FAQ" not in page and "Les référents créent les entrées de FAQ" in page
    header, *rows = rows_of(client.get("/pilotage/export/lacunes.csv", PERIOD))
    assert header[:3] == ["Rang", "Thème (question la plus représentative)", "Questions"]
    assert rows[0][2] == "3" and rows[0][6] == "RH" and rows[0][7] == "Ouverte"


# ---------------------------------------------------------------- words a digital lead or an elected official reads

# Field names (snake_case), command lines (« relais insights … », settings), code set apart in <code>.
DEVELOPER_WORDS = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\brelais [a-z]|RELAIS_[A-Z]|\bmanage\.py\b")


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_pilotage_pages_speak_french_not_code(gaps_log):
    from pypdf import PdfReader

    client = client_for("pilotage.demo")
    for url in ("/pilotage/", "/pilotage/lacunes/", "/pilotage/rapport.html"):
        page = client.get(url, PERIOD).content.decode()
        assert "<code" not in page and DEVELOPER_WORDS.findall(visible_text(page)) == [], url
    pdf = PdfReader(io.BytesIO(client.get("/pilotage/rapport.pdf", PERIOD).content))
    assert DEVELOPER_WORDS.findall(" ".join(p.extract_text() for p in pdf.pages)) == []
    dashboard = " ".join(visible_text(client.get("/pilotage/", PERIOD).content.decode()).split())
    assert "le temps économisé déclaré par chaque démarche" in dashboard
    assert "importés d'un export de l'outil de demandes par l'équipe informatique" in dashboard


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://x";"clic")', "+33 6", "-1", "@SUM(A1)", "\tcmd"])
def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_made_text(typed):
    from relais.insights.measure import Column
    from relais.insights.views import csv_value

    assert csv_value(typed, Column("Question")) == f"'{typed}"
    assert csv_value("Comment poser un RTT ?", Column("Question")) == "Comment poser un RTT ?"
    assert csv_value(-0.5, Column("Écart", "float")) == "-0,50"  # numbers stay numbers


def test_the_citizens_questions_are_not_counted_with_the_agents(db):
    """The dashboard measures the agents' trial: a visitor's exchange (audience public) is left out of its rows."""
    from datetime import date

    from relais.assistant.models import Conversation, Exchange
    from relais.insights.measure import exchange_rows

    for audience in ("agents", "public"):
        Exchange.objects.create(
            conversation=Conversation.objects.create(),
            question=f"question {audience}",
            search_query="q",
            answer="a",
            mode="none",
            confidence=0.0,
            latency_ms=1.0,
            audience=audience,
        )
    today = date.today()
    assert len(exchange_rows(today, today)) == 1
