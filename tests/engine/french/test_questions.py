"""What a question asks for, so that a curated answer serves only the same question."""

import pytest

from relais.engine.french.questions import is_follow_up, question_kind, same_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Comment poser un jour de RTT ?", "how"),
        ("Combien de jours de RTT ai-je selon mon cycle ?", "how_many"),
        ("c combien le passeport", "how_many"),
        ("Combien de temps à l'avance faut-il demander une formation ?", "how_long"),
        ("Dans quel délai envoyer mes justificatifs ?", "how_long"),
        ("Quand faut-il se connecter au VPN ?", "when"),
        ("Qui valide mon ordre de mission ?", "who"),
        ("À qui envoyer mon arrêt de travail ?", "who"),
        ("Où trouver mon bulletin de paie ?", "where"),
        ("Pourquoi mon badge ne marche plus ?", "why"),
        ("Mon compte est verrouillé, que faire ?", "how"),
        # A « quand » clause closed by a comma is a condition; the question comes after it.
        ("Quand je suis malade, que dois-je faire ?", "how"),
        ("Quand je suis d'astreinte, à combien de temps de trajet dois-je rester ?", "how_long"),
        # Inside the question, « quand » and a subject says when something happens; it does not ask when.
        ("raccourci clavier pour verrouiller l'écran vite fait quand je quitte le guichet ?", None),
        ("Que devient ma boîte mail quand je quitte la commune ?", None),
        ("A partir de quand on peut préinscrire bébé en crèche ?", "when"),
        ("Mon bébé est né lundi, jusqu'à quand on a pour déclarer la naissance ?", "how_long"),
        ("C'est quand le prochain conseil municipal ?", "when"),
        ("Quand est-ce que la paie arrive ?", "when"),
        # No interrogative word, or words that only look like one.
        ("Les agents qui travaillent le samedi ont-ils une prime ?", None),
        ("RTT ou congés pour le pont de mai ?", None),
        ("jveux passer a 80% c possible ?", None),
    ],
)
def test_question_kind(question, kind):
    assert question_kind(question) == kind


def test_same_kind_separates_how_from_how_many_and_when():
    assert not same_kind("Comment poser un jour de RTT ?", "Combien de jours de RTT ai-je selon mon cycle ?")
    assert not same_kind("Comment me connecter au VPN depuis chez moi ?", "Quand faut-il se connecter au VPN ?")
    assert not same_kind("Qui paie un logiciel métier ?", "Comment demander un logiciel ?")


def test_same_kind_concludes_nothing_without_an_interrogative_and_groups_amounts_and_times():
    assert same_kind("j'ai droit au télétravail ?", "Combien de jours de télétravail par semaine ?")
    assert same_kind("Dans quel délai envoyer mes justificatifs ?", "Quand envoyer mes justificatifs de frais ?")
    assert same_kind("Combien de jours de congé pour un mariage ?", "Combien de temps dure le congé pour mariage ?")


@pytest.mark.parametrize(
    "question",
    [
        "et pour les contractuels ?",
        "Et sur un mac perso ça marche ?",
        "mais si je suis à temps partiel, je dois faire comment pour le poser ?",  # long, but opens on « mais »
        "c'est combien ?",
        "c'est payant ?",  # « c' » points back, whatever follows it
        "combien de jours ?",
        "il faut l'accord du chef ?",
        "Comment faire ?",
        "Est-ce possible à distance ?",
        "dans ce cas je le pose quand ?",
    ],
)
def test_a_follow_up_says_so_or_names_nothing_of_its_own(question):
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "Comment demander une formation ?",  # short, but its own subject: read alone (issue 19's first week)
        "Comment poser un jour de RTT ?",
        "Mot de passe oublié",
        "Qui contacter pour un badge perdu ?",
        "je veux passer à 80 %, c'est possible ?",
        "Combien de jours de congés annuels ai-je droit en tant que contractuel ?",
    ],
)
def test_a_question_that_names_its_own_subject_stands_alone(question):
    assert not is_follow_up(question)
