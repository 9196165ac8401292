"""Every metric of relais.engine.measure on a small hand-built log, the expected figures worked out by hand.

The log (autumn 2026; 29 Oct is a Thursday of ISO week 44, 2 Nov the Monday of week 45):

| # | agent | question | mode | service | category | when | ms | avis |
|---|---|---|---|---|---|---|---|---|
| 1 | a | Combien de jours de congés ? | extractive | RH | Congés | 29/10 09:00 | 100 | 👍 |
| 2 | b | Comment changer mon mot de passe ? | faq | DSI | Mots de passe | 30/10 10:00 | 40 | |
| 3 | a | combien de jours de CONGÉS | extractive | RH | Congés | 02/11 09:00 | 120 | 👎 inexacte |
| 4 | c | Le wifi invité ne marche pas | none | DSI | Wi-Fi | 03/11 14:00 | 300 | |
| 5 | b | Quel est le menu de la cantine ? | none | | | 04/11 12:00 | 200 | |
| 6 | c | Comment changer mon mot de passe ? | faq | DSI | Mots de passe | 05/11 08:00 | 60 | 👍 |
| 7 | b | Télétravail à l'étranger ? | extractive | RH | Télétravail | 05/11 16:00 | 150 | 👎 hors_sujet |
| 8 | b | Ajouter une imprimante | extractive | DSI | Imprimantes | 09/11 10:00 | 80 | |

Tickets: T1 a→RH 06/11 10:00; T2 c→DSI 03/11 15:00 opened from exchange 4; T3 b→DSI 20/11 09:00.
Deflection window: 7 days.
"""

from datetime import date, datetime

import numpy as np
import pytest

from relais.engine.measure.clustering import (
    adjusted_rand_index,
    agglomerate,
    center,
    inverse_purity,
    purity,
    representatives,
)
from relais.engine.measure.deflection import (
    ExchangeRow,
    TicketRow,
    figures,
    figures_by,
    followed_by_ticket,
    month_key,
    outcome,
    question_key,
    week_key,
    wilson_interval,
)
from relais.engine.measure.hours_saved import baseline_hours_for, months_between, savings
from relais.engine.measure.knowledge_gaps import GapItem, close_gaps, find_gaps


def at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour)


LOG = [
    ExchangeRow(1, "a", "Combien de jours de congés ?", "extractive", at(29, 9, 10), "RH", "Congés", 100, "up"),
    ExchangeRow(2, "b", "Comment changer mon mot de passe ?", "faq", at(30, 10, 10), "DSI", "Mots de passe", 40),
    ExchangeRow(3, "a", "combien de jours de CONGÉS", "extractive", at(2, 9), "RH", "Congés", 120, "down", "inexacte"),
    ExchangeRow(4, "c", "Le wifi invité ne marche pas", "none", at(3, 14), "DSI", "Wi-Fi", 300),
    ExchangeRow(5, "b", "Quel est le menu de la cantine ?", "none", at(4, 12), "", "", 200),
    ExchangeRow(6, "c", "Comment changer mon mot de passe ?", "faq", at(5, 8), "DSI", "Mots de passe", 60, "up"),
    ExchangeRow(
        7, "b", "Télétravail à l'étranger ?", "extractive", at(5, 16), "RH", "Télétravail", 150, "down", "hors_sujet"
    ),
    ExchangeRow(8, "b", "Ajouter une imprimante", "extractive", at(9, 10), "DSI", "Imprimantes", 80),
]
TICKETS = [
    TicketRow(1, "a", "RH", at(6, 10)),
    TicketRow(2, "c", "DSI", at(3, 15), exchange_id=4),
    TicketRow(3, "b", "DSI", at(20, 9)),
]


@pytest.fixture()
def followed():
    return followed_by_ticket(LOG, TICKETS, deflection_days=7)


def test_tickets_after_an_exchange(followed):
    # T1 (a→RH, 6/11 10:00) is 4 days 1 h after #3, but 8 days 1 h after #1 (outside the window), and
    # 18 h after #7, which was b's, not a's. T2 was opened from #4. T3 (b→DSI) comes 10 days 23 h after #8
    # and 21 after #2. #6 (c→DSI on 5/11) comes *after* T2: a ticket before a question does not count.
    assert followed == {3, 4}
    # With 12 days, T1 also follows #1 (8 days 1 h) and T3 follows #8 (10 days 23 h).
    assert followed_by_ticket(LOG, TICKETS, deflection_days=12) == {1, 3, 4, 8}


def test_outcome_of_each_exchange(followed):
    assert [outcome(e, followed) for e in LOG] == [
        "deflected", "deflected", "ticket", "abstention", "abstention", "deflected", "down", "deflected",
    ]  # fmt: skip


def test_overall_figures(followed):
    f = figures(LOG, followed)
    assert f.questions == 8
    assert f.answered == 6 and f.by_mode == {"extractive": 4, "faq": 2}
    assert f.abstentions == 2 and f.abstention_rate == 2 / 8
    assert f.tickets_after_answer == 1  # #3
    assert f.tickets_after_abstention == 1  # #4
    assert f.ticket_rate == 1 / 6
    # Deflected: #1, #2, #6, #8. Confirmed by a 👍: #1, #6. Every answer without a ticket: #1, #2, #6, #7, #8.
    assert (f.deflected, f.deflected_low, f.deflected_high) == (4, 2, 5)
    assert f.deflection_rate == 4 / 8
    # Wilson, z = 1.96, p = 0.5, n = 8: centre = (0.5 + 3.8416/16) / (1 + 3.8416/8) = 0.5;
    # half = 1.96 × √(0.25/8 + 3.8416/256) / 1.4802 = 1.96 × 0.215073 / 1.4802 = 0.284790.
    low, high = f.deflection_interval
    assert low == pytest.approx(0.5 - 0.284790, abs=1e-5) and high == pytest.approx(0.5 + 0.284790, abs=1e-5)
    # Rated answers: #1 👍, #3 👎, #6 👍, #7 👎.
    assert (f.rated, f.up, f.down) == (4, 2, 2)
    assert f.up_rate == 0.5 and f.down_rate == 0.5 and f.feedback_rate == 4 / 6
    assert f.reasons == {"inexacte": 1, "hors_sujet": 1}
    # #3 repeats #1 (case, accents and punctuation aside), by the same agent; #6 repeats #2, by another one.
    assert f.repeat_questions == 2 and f.repeat_same_agent == 1 and f.repeat_rate == 2 / 8
    # Latencies sorted: 40 60 80 100 120 150 200 300 → (100 + 120) / 2.
    assert f.median_latency_ms == 110
    assert f.active_agents == 3


def test_figures_per_service(followed):
    by_service = figures_by(LOG, followed, key=lambda e: e.service)
    assert list(by_service) == ["", "DSI", "RH"]
    rh, dsi, none = by_service["RH"], by_service["DSI"], by_service[""]
    # RH: #1 deflected 👍, #3 ticket 👎, #7 👎 without ticket.
    assert (rh.questions, rh.answered, rh.deflected, rh.tickets_after_answer, rh.down) == (3, 3, 1, 1, 2)
    assert rh.deflection_rate == 1 / 3 and rh.repeat_same_agent == 1 and rh.active_agents == 2
    # DSI: #2, #6, #8 deflected, #4 an abstention then a ticket.
    assert (dsi.questions, dsi.abstentions, dsi.deflected, dsi.tickets_after_abstention) == (4, 1, 3, 1)
    assert dsi.deflection_rate == 3 / 4 and dsi.median_latency_ms == (60 + 80) / 2
    assert (none.questions, none.abstentions, none.deflection_rate) == (1, 1, 0)


def test_figures_per_category(followed):
    by_category = figures_by(LOG, followed, key=lambda e: e.category)
    assert by_category["Congés"].questions == 2 and by_category["Congés"].deflected == 1
    assert by_category["Mots de passe"].deflected == 2 and by_category["Mots de passe"].repeat_questions == 1


def test_figures_per_week_and_month(followed):
    assert week_key(at(29, 9, 10)) == "2026-S44" and week_key(at(2, 9)) == "2026-S45"
    assert month_key(at(29, 9, 10)) == "2026-10"
    weeks = figures_by(LOG, followed, key=lambda e: week_key(e.created_at))
    assert {k: (v.questions, v.deflected) for k, v in weeks.items()} == {
        "2026-S44": (2, 2),  # #1, #2
        "2026-S45": (5, 1),  # #3 to #7: only #6
        "2026-S46": (1, 1),  # #8
    }
    months = figures_by(LOG, followed, key=lambda e: month_key(e.created_at))
    assert {k: (v.questions, v.deflected, v.abstentions) for k, v in months.items()} == {
        "2026-10": (2, 2, 0),
        "2026-11": (6, 2, 2),
    }


def test_question_key_ignores_case_accents_and_punctuation():
    assert question_key("Combien de jours de congés ?") == question_key("combien  de jours de CONGES") != ""


def test_hours_saved_against_the_baseline_and_the_target(followed):
    result = savings(
        LOG,
        followed,
        minutes={("RH", "Congés"): 12, ("DSI", "Mots de passe"): 10, ("DSI", "Imprimantes"): 15},
        default_minutes={"RH": 20},
        baseline_hours={"RH": 10, "DSI": 5},
    )
    by_service = {s.service: s for s in result}
    rh, dsi = by_service["RH"], by_service["DSI"]
    rh_categories = {c.category: c for c in rh.categories}
    # RH Congés: #1 deflected (👍) → 1 × 12 min; #3 had a ticket. Télétravail takes the service's 20 min:
    # #7 (👎, no ticket) is only in the high bound.
    assert rh_categories["Congés"].minutes_source == "category"
    assert rh_categories["Télétravail"].minutes == 20 and rh_categories["Télétravail"].minutes_source == "service"
    assert rh.hours == pytest.approx(12 / 60)
    assert rh.hours_low == pytest.approx(12 / 60)
    assert rh.hours_high == pytest.approx(12 / 60 + 20 / 60)
    assert rh.share == pytest.approx(0.2 / 10)  # 0.02: 2 % of the 10 baseline hours
    assert rh.of_target == pytest.approx(0.02 / 0.15)  # 13.3 % of the way to 15 %
    assert rh.of_target_high == pytest.approx((32 / 60) / 10 / 0.15)
    # DSI: Mots de passe #2 + #6 (#6 👍) → 2 × 10 min; Imprimantes #8 → 15 min; Wi-Fi: an abstention, no time.
    assert dsi.deflected == 3 and dsi.unpriced == 0
    assert dsi.hours == pytest.approx((2 * 10 + 15) / 60)
    assert dsi.hours_low == pytest.approx(10 / 60)
    assert dsi.share == pytest.approx(35 / 60 / 5)  # 11.7 %
    assert dsi.of_target == pytest.approx(35 / 60 / 5 / 0.15)  # 77.8 % of the target
    # The question with no service has no baseline: no share.
    assert by_service[""].share is None and by_service[""].of_target is None


def test_unpriced_categories_are_listed_not_counted(followed):
    result = {s.service: s for s in savings(LOG, followed, minutes={}, default_minutes={}, baseline_hours={})}
    assert result["DSI"].deflected == 3 and result["DSI"].unpriced == 3 and result["DSI"].hours == 0


def test_baseline_hours_over_a_period():
    # November has 30 days; an average month 365.25 / 12 = 30.4375 days.
    assert months_between(date(2026, 11, 1), date(2026, 11, 30)) == pytest.approx(30 / 30.4375)
    assert baseline_hours_for(100, date(2026, 11, 1), date(2026, 11, 30)) == pytest.approx(100 * 30 / 30.4375)


def test_wilson_interval_edges():
    assert wilson_interval(0, 0) == (0.0, 0.0)
    low, high = wilson_interval(10, 10)
    assert high == 1.0 and 0.69 < low < 0.73  # 10/10 still leaves room down to ~0.72


# ---------------------------------------------------------------- clustering

# Four unit vectors at 0°, 10°, 90° and 80°: cos 10° = 0.985, cos 80° = 0.174, cos 70° = 0.342, cos 90° = 0.
ANGLES = np.radians([0, 10, 90, 80])
FOUR = np.stack([np.cos(ANGLES), np.sin(ANGLES)], axis=1)


def test_average_linkage_by_hand():
    # At 0.5: {0°, 10°} and {90°, 80°} (0.985 each) and nothing else.
    assert agglomerate(FOUR, 0.5).tolist() == [0, 0, 1, 1]
    # The two pairs' average similarity: (cos 90° + cos 80° + cos 80° + cos 70°) / 4 = (0 + 0.174 + 0.174 + 0.342) / 4
    # = 0.1725. Single linkage would merge them at 0.342, complete linkage never above 0.
    assert agglomerate(FOUR, 0.2).tolist() == [0, 0, 1, 1]
    assert agglomerate(FOUR, 0.17).tolist() == [0, 0, 0, 0]
    assert agglomerate(FOUR, 0.99).tolist() == [0, 1, 2, 3]
    assert agglomerate(np.zeros((0, 2)), 0.5).tolist() == []


def test_labels_go_by_decreasing_size():
    rng = np.random.default_rng(0)
    axes = np.eye(8)[:3]
    sizes = [3, 7, 5]
    rows = np.concatenate([axes[k] + rng.normal(0, 0.05, (n, 8)) for k, n in enumerate(sizes)])
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    labels = agglomerate(rows, 0.8)
    assert labels.tolist() == [2] * 3 + [0] * 7 + [1] * 5


def test_representatives_are_closest_to_the_centroid():
    # Centroid of 0°, 10°, 80° points at about 30°: 10° is closest, then 0°, then 80°.
    vectors = np.stack([np.cos(np.radians([0, 10, 80])), np.sin(np.radians([0, 10, 80]))], axis=1)
    assert representatives(vectors, [0, 1, 2], top=2) == [1, 0]


def test_centering_removes_the_shared_direction():
    # Two questions in a narrow cone around (1, 1): cosine 0.98; around their mean they point apart.
    vectors = np.array([[1.0, 0.8], [0.8, 1.0]]) / np.hypot(1.0, 0.8)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(1.6 / 1.64)
    centred = center(vectors)
    assert float(centred[0] @ centred[1]) == pytest.approx(-1.0)
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0)
    assert np.allclose(center(vectors, mean=np.zeros(2)), vectors)


def test_adjusted_rand_index_and_purity_by_hand():
    truth, predicted = [0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]
    # Contingency [[2, 1, 0], [0, 1, 2]]: Σ C(nij, 2) = 1 + 1 = 2; rows C(3,2) × 2 = 6; columns 1 + 1 + 1 = 3;
    # C(6, 2) = 15 pairs; expected 6 × 3 / 15 = 1.2; maximum (6 + 3) / 2 = 4.5 → (2 − 1.2) / (4.5 − 1.2).
    assert adjusted_rand_index(truth, predicted) == pytest.approx(0.8 / 3.3)
    assert purity(truth, predicted) == pytest.approx(5 / 6)  # majorities 2 + 1 + 2
    assert inverse_purity(truth, predicted) == pytest.approx(4 / 6)  # each class keeps at most 2 together
    assert adjusted_rand_index(["x", "x", "y"], [5, 5, 7]) == 1.0
    assert purity(truth, list(range(6))) == 1.0 and inverse_purity(truth, [0] * 6) == 1.0


# ---------------------------------------------------------------- knowledge gaps


def test_gaps_grouped_ranked_routed_and_closed():
    items = [
        GapItem("echange-1", "wifi invités ?", "abstention", at(2, 9), "DSI"),
        GapItem("echange-2", "code wifi invité", "down", at(3, 9), "DSI"),
        GapItem("demande-1", "Wifi pour un visiteur", "ticket", at(4, 9), ""),
        GapItem("echange-3", "menu cantine", "abstention", at(2, 10), ""),
        GapItem("echange-4", "cantine demain ?", "abstention", at(5, 10), ""),
        GapItem("echange-5", "prime de Noël", "abstention", at(5, 11), "RH"),
    ]
    angles = np.radians([0, 5, 10, 80, 85, 45])
    vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    gaps = find_gaps(items, vectors, threshold=0.95)
    # The lone 45° question is not a topic; the wifi one (3 items) comes before the cantine one (2).
    assert [g.volume for g in gaps] == [3, 2]
    wifi, cantine = gaps
    assert wifi.label == "code wifi invité"  # 5°: the middle of 0°, 5°, 10°
    assert wifi.service == "DSI" and wifi.kinds == {"abstention": 1, "down": 1, "ticket": 1}
    assert cantine.service == "" and cantine.first_seen == at(2, 10) and cantine.last_seen == at(5, 10)
    # Settled questions later: two near the wifi topic after its last item (4/11), one before it; one cantine.
    settled = np.stack([np.cos(np.radians([4, 6, 5, 83])), np.sin(np.radians([4, 6, 5, 83]))], axis=1)
    close_gaps(gaps, settled, [at(6, 9), at(7, 9), at(3, 12), at(6, 9)], threshold=0.95)
    assert (wifi.status, wifi.answered_since) == ("fermee", 2)
    assert (cantine.status, cantine.answered_since) == ("en_voie", 1)


def test_no_gap_without_items():
    assert find_gaps([], np.zeros((0, 4)), 0.9) == []
