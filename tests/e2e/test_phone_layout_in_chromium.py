"""On a phone (390 × 844): no page scrolls sideways, and the AI notice leaves room for the page (issue 19, item 9)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import SCREENSHOTS, log_in, serious_violations

PHONE = {"width": 390, "height": 844}


@pytest.fixture()
def phone(server, browser):
    base, _ = server
    context = browser.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, base)
    yield base, page
    context.close()


def overflowing(page) -> list[str]:
    """The elements running past the right edge of the screen: what makes a page scroll sideways."""
    return page.evaluate(
        """width => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > width + 0.5)
            .slice(0, 5)
            .map(e => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)})`)""",
        PHONE["width"],
    )


def test_procedures_and_chat_fit_a_phone(phone):
    base, page = phone
    # A draft in the list: its table is the widest thing on « Mes démarches ».
    page.goto(f"{base}/demarches/")
    page.get_by_role("button", name="Demande d'ordre de mission").click()
    page.get_by_role("heading", name="Demande d'ordre de mission").wait_for()
    for path, name in [("/demarches/", "demarches"), ("/", "conversation"), ("/demarches/a-valider/", "a-valider")]:
        page.goto(f"{base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways ({width} px): {overflowing(page)}"
        notice = page.locator("#avertissement-ia").bounding_box()
        assert notice["height"] < 0.12 * PHONE["height"], f"{path}: the AI notice is {notice['height']:.0f} px high"
        assert serious_violations(page) == []
        page.screenshot(path=SCREENSHOTS / f"40-telephone-{name}.png", full_page=True)
    # The draft itself: its questions and its summary.
    page.goto(f"{base}/demarches/")
    page.get_by_role("link", name="Demande d'ordre de mission").first.click()
    page.get_by_role("heading", name="Demande d'ordre de mission").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], overflowing(page)
