"""The services' desks of the citizens' hand-over (knowledge.ServiceDesk, knowledge/directory.py): checked hours,
one town hall, and the YAML file `relais demo` loads (demo/public/desks.yaml), all or nothing."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from relais.knowledge.directory import DeskFileError, load_desks
from relais.knowledge.models import ServiceDesk

pytestmark = pytest.mark.django_db

DEMO_DESKS = Path(__file__).resolve().parents[2] / "demo" / "public" / "desks.yaml"


def test_the_demo_desks_load_and_each_gets_its_handler_group():
    assert load_desks(DEMO_DESKS, demo=True) == 12
    town_hall = ServiceDesk.objects.get(town_hall=True)
    assert town_hall.service == "Accueil" and town_hall.phone == "01 99 00 40 00"
    assert ServiceDesk.objects.filter(demo=True).count() == 12
    assert Group.objects.filter(name="Traitement État civil").exists()
    assert load_desks(DEMO_DESKS, demo=True) == 12 and ServiceDesk.objects.count() == 12  # again: updated, not added


def test_unreadable_hours_are_refused_with_the_line_in_french():
    desk = ServiceDesk(
        service="Sports", label="Service des sports", opening_hours="du lundi au vendredi : 9h-12h\nle soir"
    )
    with pytest.raises(ValidationError) as error:
        desk.full_clean()
    assert "Ligne 2 (« le soir »)" in str(error.value.message_dict["opening_hours"])


def test_only_one_desk_is_the_town_halls():
    ServiceDesk.objects.create(service="Accueil", label="Accueil", opening_hours="lundi : 9h-12h", town_hall=True)
    second = ServiceDesk(service="État civil", label="État civil", opening_hours="lundi : 9h-12h", town_hall=True)
    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert "Un seul accueil peut être celui de la mairie" in str(error.value)


def test_a_bad_entry_in_the_file_loads_nothing_and_names_the_entry(tmp_path):
    path = tmp_path / "desks.yaml"
    path.write_text(
        "- service: Accueil\n  label: Accueil\n  opening_hours: 'lundi : 9h-12h'\n"
        "- service: Sports\n  label: Sports\n  opening_hours: 'tous les jours'\n",
        encoding="utf-8",
    )
    with pytest.raises(DeskFileError, match=r"entry 2 \(Sports\).*opening_hours"):
        load_desks(path)
    assert not ServiceDesk.objects.exists()
    path.write_text("- label: Sans service\n", encoding="utf-8")
    with pytest.raises(DeskFileError, match="entry 1: needs 'service'"):
        load_desks(path)
