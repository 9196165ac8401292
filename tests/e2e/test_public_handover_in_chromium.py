"""A visitor on /citoyens/ whom the assistant cannot answer: the hand-over names a desk, its hours and whether it is
open now; the visitor writes to the service through the form, gets a reference, and the request is in the
service's queue. axe finds nothing serious on either page, on a desktop and on a phone (390 px)."""

from __future__ import annotations

import os
import sqlite3

import pytest

from tests.e2e.conftest import SCREENSHOTS, serious_violations

# Nothing in the town's pages answers it (the demo's public pages: demo/public/documents).
QUESTION = "Est-ce que la mairie rembourse une partie du permis de conduire des jeunes ?"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_visitor_is_handed_over_and_writes_to_the_service(server, browser, width):
    base, database = server
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{base}/citoyens/")
    page.get_by_role("textbox", name="Votre question").fill(QUESTION)
    page.get_by_role("button", name="Envoyer", exact=True).click()
    handover = page.locator("section.handover")
    handover.wait_for()
    title = handover.get_by_role("heading").inner_text()
    assert title.startswith("Qui contacter : "), title
    status = handover.locator(".handover-status").inner_text()
    assert status.startswith(("Ouvert en ce moment", "Fermé en ce moment")), status
    assert handover.locator(".handover-hours li").count() >= 2
    assert not page.context.cookies()
    handover.get_by_text("Écrire au service").click()
    page.screenshot(path=str(SCREENSHOTS / f"public-handover-{width}.png"), full_page=True)
    assert serious_violations(page) == []
    handover.get_by_label("Votre nom").fill("Claire Dubois")
    handover.get_by_label("Votre courriel (ou votre téléphone ci-dessous)").fill("claire.dubois@exemple.fr")
    handover.get_by_label("J'accepte que la mairie garde ces informations").check()
    handover.get_by_role("button", name="Envoyer au service").click()
    page.get_by_role("heading", name="Votre demande est envoyée").wait_for()
    confirmation = page.get_by_role("status").inner_text()
    assert "référence" in confirmation and "claire.dubois@exemple.fr" in confirmation
    page.screenshot(path=str(SCREENSHOTS / f"public-contact-sent-{width}.png"), full_page=True)
    assert serious_violations(page) == []
    assert not page.context.cookies()
    page.close()
    with sqlite3.connect(os.fspath(database)) as db:
        rows = db.execute(
            "SELECT service, visitor_name, requester_id FROM helpdesk_ticket WHERE visitor_email = ?",
            ("claire.dubois@exemple.fr",),
        ).fetchall()
    assert rows and all(name == "Claire Dubois" and requester is None for _, name, requester in rows)
