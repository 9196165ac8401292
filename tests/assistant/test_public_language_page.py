"""A visitor's question in another language (issue 20): the answer says, in that language and marked with its
`lang` and `dir` (WCAG 3.1.2), that it quotes the town's French pages; nothing is added for a French question."""

import json

import pytest
from django.test import Client

from tests.assistant import test_public_api as shared

pytestmark = pytest.mark.django_db

public_knowledge, confident = shared.public_knowledge, shared.confident


def api(question: str) -> dict:
    response = Client().post("/api/v1/public/ask", json.dumps({"question": question}), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def test_an_english_question_gets_the_note_in_english_in_the_page(public_knowledge, confident):
    html = Client().post("/citoyens/", {"question": "How do I request a birth certificate?"}).content.decode()
    assert 'lang="en" dir="ltr"' in html and "French" in html.split('lang="en" dir="ltr">')[1].split("</p>")[0]


def test_an_arabic_question_gets_a_right_to_left_note(public_knowledge, confident):
    data = api("كيف أطلب شهادة ميلاد؟")
    assert data["language"]["language"] == "ar" and data["language"]["dir"] == "rtl" and data["language"]["note"]
    html = Client().post("/citoyens/", {"question": "كيف أطلب شهادة ميلاد؟"}).content.decode()
    assert 'lang="ar" dir="rtl"' in html


def test_a_french_question_has_no_note(public_knowledge, confident):
    assert api("Comment demander un acte de naissance ?")["language"] is None
    html = Client().post("/citoyens/", {"question": "Comment demander un acte de naissance ?"}).content.decode()
    assert ' dir="' not in html
