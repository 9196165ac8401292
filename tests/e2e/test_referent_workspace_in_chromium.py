"""The référents' workspace in a real browser: the RH référent finds it from the admin, reads their service's
page (the demo's expired documents among them), adds a FAQ entry citing a document of the service, and finds it
on the page; axe finds nothing serious on the workspace nor on the FAQ form, on a desktop and on a phone."""

from __future__ import annotations

from tests.e2e.conftest import SCREENSHOTS, log_in, serious_violations
from tests.e2e.test_phone_layout_in_chromium import PHONE, overflowing

QUESTION = "Où trouver le règlement des astreintes en vigueur ?"
ANSWER = "Dans la base documentaire du service RH : le guide des astreintes, dans sa dernière version."


def test_referent_reads_the_workspace_and_adds_a_faq_entry(server, browser):
    base, _ = server
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base, username="referent.rh")
    page.goto(f"{base}/admin/knowledge/document/")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Espace des référents").click()
    page.get_by_role("heading", level=1, name="Espace des référents : service RH").wait_for()
    assert page.url == f"{base}/referents/RH/"  # a référent of one service goes straight to it
    expired = page.locator("table#expires tbody tr").all_inner_texts()
    assert any("astreintes" in row.lower() for row in expired), expired
    assert page.locator("table#en-vigueur tbody tr").count() > 10
    assert page.locator("table#tableau-faq tbody tr").count() > 10
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "50-espace-referents.png", full_page=True)

    page.get_by_role("link", name="Ajouter une entrée de FAQ").click()
    page.get_by_label("Question").wait_for()
    assert serious_violations(page) == []
    # Pre-filled with the collection holding the service's documents.
    assert page.get_by_label("Collection").evaluate("select => select.selectedOptions[0].text") != "---------"
    page.get_by_label("Question").fill(QUESTION)
    page.get_by_label("Réponse validée").fill(ANSWER)
    source = page.get_by_label("Document source")
    titles = source.locator("option").all_inner_texts()
    guide = next(title for title in titles if "astreintes" in title.lower())
    source.select_option(label=guide)
    page.screenshot(path=SCREENSHOTS / "51-espace-referents-faq.png", full_page=True)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("a été ajouté avec succès").wait_for()

    page.goto(f"{base}/referents/RH/")
    row = page.locator("table#tableau-faq tbody tr", has_text=QUESTION)
    assert guide in row.inner_text()
    context.close()


def test_the_workspace_reads_on_a_phone(server, browser):
    base, _ = server
    context = browser.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, base, username="referent.dsi")
    page.goto(f"{base}/referents/")
    page.get_by_role("heading", level=1, name="Espace des référents : service DSI").wait_for()
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], overflowing(page)
    page.screenshot(path=SCREENSHOTS / "52-espace-referents-telephone.png", full_page=True)
    context.close()
