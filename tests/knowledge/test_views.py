import pytest


@pytest.mark.django_db
def test_home_page_in_french_with_the_town_name(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="fr">' in body and "Val-de-Brume" in body
