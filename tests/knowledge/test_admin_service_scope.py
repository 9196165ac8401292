"""Service scope in the admin: a référent sees, adds, changes, moves and deletes only their own service's objects.

The matrix runs every scoped admin (collections, documents, FAQ entries, guided procedures, agents' runs) for two
référents of different services (RH and DSI) and for an administrator, who keeps every right. Each test posts to
the admin's real URLs and checks what came out: status codes, the database, the files on disk.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory

from relais.accounts.models import Profile
from relais.accounts.roles import REFERENT_DSI, REFERENT_RH, ensure_groups
from relais.knowledge.ingestion import get_or_create_collection
from relais.knowledge.models import Collection, Document, FaqEntry
from relais.knowledge.uploads import store_and_ingest, upload_folder
from relais.procedures.admin import TEMPLATE
from relais.procedures.models import Procedure, Run

pytestmark = pytest.mark.django_db

SERVICES = ("RH", "DSI")
OTHER = {"RH": "DSI", "DSI": "RH"}
USERS = {"referent.rh": "RH", "referent.dsi": "DSI", "admin": None}  # None: an administrator, every service
REFERENTS = ["referent.rh", "referent.dsi"]
MODELS = {
    "collection": "/admin/knowledge/collection/",
    "document": "/admin/knowledge/document/",
    "faqentry": "/admin/knowledge/faqentry/",
    "procedure": "/admin/procedures/procedure/",
    "run": "/admin/procedures/run/",
}
MODEL_CLASSES = {
    "collection": Collection,
    "document": Document,
    "faqentry": FaqEntry,
    "procedure": Procedure,
    "run": Run,
}
UPLOAD_URL = "/admin/knowledge/document/ajouter-des-fichiers/"
SHARED = "Partage commun"
# In the shared collection each service owns one document: the other service's référent tries to replace it.
SHARED_FILES = {"RH": "badge-perdu.md", "DSI": "consignes-poste.md"}
DELETE_ACTION = {"document": "delete_with_passages"}  # deleting a document also updates the search index


def markdown(title: str, body: str) -> bytes:
    return f"# {title}\n\n## Règle\n\n{body}\n".encode()


def procedure_yaml(service: str, code: str, title: str) -> str:
    text = TEMPLATE.format(service=service)
    return text.replace("code: demande-de-badge", f"code: {code}").replace(
        "titre: Demande de badge d'accès", f"titre: {title}"
    )


@pytest.fixture()
def world(settings, tmp_path):
    """For RH and DSI each: a collection, a document in it and one in the shared collection, a FAQ entry,
    a procedure and an agent's run of it; plus the three accounts."""
    settings.MEDIA_ROOT = tmp_path / "media"
    objects: dict[str, dict] = {model: {} for model in MODELS}
    shared = get_or_create_collection(SHARED, audience="agents", service="")
    agent = get_user_model().objects.create_user("agent.scope")
    for service in SERVICES:
        collection = get_or_create_collection(f"Collection {service}", audience="agents", service=service)
        own = SimpleUploadedFile(f"guide-{service.lower()}.md", markdown(f"Guide {service}", f"Règle du {service}."))
        store_and_ingest(collection, [own], {"service": service})
        in_shared = SimpleUploadedFile(SHARED_FILES[service], markdown(f"Consignes {service}", f"Texte {service}."))
        store_and_ingest(shared, [in_shared], {"service": service})
        procedure = Procedure(definition=procedure_yaml(service, f"badge-{service.lower()}", f"Demarche {service}"))
        procedure.save()
        objects["collection"][service] = collection
        objects["document"][service] = Document.objects.get(collection=collection)
        objects["faqentry"][service] = FaqEntry.objects.create(
            collection=collection, question=f"Question {service} ?", answer=f"Réponse {service}.", service=service
        )
        objects["procedure"][service] = procedure
        objects["run"][service] = Run.objects.create(procedure=procedure, revision=1, definition={}, user=agent)
    groups = ensure_groups()
    for username, service in USERS.items():
        if service is None:
            get_user_model().objects.create_superuser(username, f"{username}@valdebrume.example", None)
            continue
        user = get_user_model().objects.create_user(username, is_staff=True)
        user.groups.set([groups[REFERENT_RH if service == "RH" else REFERENT_DSI]])
        Profile.objects.create(user=user, service=service)
    objects["shared"] = shared
    objects["shared_document"] = {
        service: Document.objects.get(collection=shared, source__endswith=f"/{name}")
        for service, name in SHARED_FILES.items()
    }
    return objects


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def names(world: dict, service: str) -> list[str]:
    """What would betray a service's objects on a page: their names and titles."""
    return [
        world["collection"][service].name,
        world["document"][service].title,
        world["shared_document"][service].title,
        world["faqentry"][service].question,
        world["procedure"][service].title,
    ]


def change_url(model: str, obj) -> str:
    return f"{MODELS[model]}{obj.pk}/change/"


def form_data(client: Client, url: str) -> dict:
    """What the change form would post back as it is shown (its inlines too); disabled fields are not posted."""
    response = client.get(url)
    assert response.status_code == 200, url
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if not field.disabled and value is not None and value is not False:
                data[form.add_prefix(name)] = value
    return data


def refused(response) -> bool:
    """403, or Django admin's « not found »: a redirect to the admin's index (never the object's page)."""
    return response.status_code == 403 or (response.status_code, response.get("Location")) == (302, "/admin/")


def snapshot(obj) -> dict:
    fresh = type(obj).objects.get(pk=obj.pk)
    return {**model_to_dict(fresh), "service": getattr(fresh, "service", None)}


# ------------------------------------------------------------------------------------------- what a list shows


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("model", MODELS)
def test_a_list_shows_only_the_users_services_objects(world, model, username):
    body = client_for(username).get(MODELS[model]).content.decode()
    for service in SERVICES:
        visible = USERS[username] in (None, service)
        assert (change_url(model, world[model][service]) in body) is visible, service
    if USERS[username] is not None:  # not even a name in the filters
        foreign = OTHER[USERS[username]]
        assert [name for name in names(world, foreign) if name in body] == []


# ------------------------------------------------------------------------------- another service's object pages


@pytest.mark.parametrize("username", REFERENTS)
@pytest.mark.parametrize("model", MODELS)
def test_another_services_object_pages_are_not_found_and_a_post_changes_nothing(world, model, username):
    client = client_for(username)
    service = USERS[username]
    foreign = world[model][OTHER[service]]
    assert client.get(change_url(model, world[model][service])).status_code == 200  # their own: shown
    before = snapshot(foreign)
    for page in ("change/", "history/", "delete/"):
        assert refused(client.get(f"{MODELS[model]}{foreign.pk}/{page}")), page
    assert refused(client.post(change_url(model, foreign), {"service": service, "name": "x", "question": "x ?"}))
    assert refused(client.post(f"{MODELS[model]}{foreign.pk}/delete/", {"post": "yes"}))
    assert snapshot(foreign) == before


@pytest.mark.parametrize("model", MODELS)
def test_the_administrator_opens_every_services_object(world, model):
    client = client_for("admin")
    assert [client.get(change_url(model, world[model][s])).status_code for s in SERVICES] == [200, 200]


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("model", MODELS)
def test_object_permissions_say_no_to_another_services_object(world, model, username):
    model_admin = admin.site.get_model_admin(MODEL_CLASSES[model])
    request = RequestFactory().get(MODELS[model])
    request.user = get_user_model().objects.get(username=username)
    for service in SERVICES:
        obj = world[model][service]
        own = USERS[username] in (None, service)
        assert model_admin.has_view_permission(request, obj) is own, service
        if not own:
            assert not model_admin.has_change_permission(request, obj)
            assert not model_admin.has_delete_permission(request, obj)


def test_a_referent_cannot_delete_their_collection_when_it_holds_another_services_document(world):
    """Deleting a collection deletes its documents: one of them belongs to the DSI, so the RH référent may not."""
    collection = world["collection"]["RH"]
    store_and_ingest(collection, [SimpleUploadedFile("dsi-ici.md", markdown("Note DSI", "Texte."))], {"service": "DSI"})
    response = client_for("referent.rh").post(f"/admin/knowledge/collection/{collection.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Collection.objects.filter(pk=collection.pk).exists()
    assert Document.objects.filter(collection=collection, service="DSI").exists()


# ------------------------------------------------------------------------------------------------------ adding


@pytest.mark.parametrize("username", USERS)
def test_a_new_collection_belongs_to_the_referents_service(world, username):
    asked = OTHER[USERS[username] or "DSI"]  # a référent asks for the other service; the administrator for RH
    data = {"name": "Nouvelle collection", "audience": "agents", "service": asked, "description": ""}
    response = client_for(username).post("/admin/knowledge/collection/add/", data)
    assert response.status_code == 302
    assert Collection.objects.get(name="Nouvelle collection").service == (USERS[username] or asked)


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("model", ["document", "run"])
def test_documents_and_runs_are_never_typed_in(world, model, username):
    response = client_for(username).post(f"{MODELS[model]}add/", {"service": "RH"})
    assert response.status_code == 403
    assert MODEL_CLASSES[model].objects.count() == (4 if model == "document" else 2)


def faq_post(collection: Collection, question: str, service: str, source: Document | None = None) -> dict:
    data = {
        "collection": collection.pk,
        "question": question,
        "phrasings_text": "",
        "answer": "Oui.",
        "service": service,
    }
    return data | ({"source_document": source.pk} if source else {})


@pytest.mark.parametrize("username", USERS)
def test_a_faq_entry_goes_only_into_the_referents_or_shared_collections(world, username):
    service, client = USERS[username], client_for(username)
    foreign = OTHER[service or "DSI"]
    response = client.post("/admin/knowledge/faqentry/add/", faq_post(world["collection"][foreign], "Piège ?", foreign))
    if service is None:
        assert response.status_code == 302 and FaqEntry.objects.get(question="Piège ?").service == foreign
        return
    assert response.status_code == 200 and "Sélectionnez un choix valide" in response.content.decode()
    assert not FaqEntry.objects.filter(question="Piège ?").exists()  # agents never get it as a validated answer
    # Into their own collection or the shared one: accepted, and theirs whatever service was posted.
    for collection in (world["collection"][service], world["shared"]):
        question = f"Dans {collection.name} ?"
        response = client.post("/admin/knowledge/faqentry/add/", faq_post(collection, question, foreign))
        assert response.status_code == 302
        assert FaqEntry.objects.get(question=question).service == service


@pytest.mark.parametrize("username", REFERENTS)
def test_a_faq_entry_cites_only_the_referents_documents(world, username):
    service, client = USERS[username], client_for(username)
    collection = world["collection"][service]
    foreign_document = world["document"][OTHER[service]]
    data = faq_post(collection, "Source ?", service, source=foreign_document)
    assert client.post("/admin/knowledge/faqentry/add/", data).status_code == 200
    assert not FaqEntry.objects.filter(question="Source ?").exists()
    data = faq_post(collection, "Source ?", service, source=world["document"][service])
    assert client.post("/admin/knowledge/faqentry/add/", data).status_code == 302
    assert FaqEntry.objects.get(question="Source ?").source_document == world["document"][service]


@pytest.mark.parametrize("username", USERS)
def test_the_source_document_search_offers_only_the_users_documents(world, username):
    query = "/admin/autocomplete/?app_label=knowledge&model_name=faqentry&field_name=source_document&term="
    response = client_for(username).get(query)
    assert response.status_code == 200
    offered = {int(result["id"]) for result in response.json()["results"]}
    expected = Document.objects.all()
    if USERS[username] is not None:
        expected = expected.filter(service=USERS[username])
    assert offered == set(expected.values_list("pk", flat=True)) and len(offered) == (
        4 if USERS[username] is None else 2
    )


@pytest.mark.parametrize("username", USERS)
def test_a_new_procedure_is_only_of_the_referents_service(world, username):
    service, client = USERS[username], client_for(username)
    foreign = OTHER[service or "DSI"]
    data = {"definition": procedure_yaml(foreign, "badge-pirate", "Demarche pirate"), "is_active": "on"}
    response = client.post("/admin/procedures/procedure/add/", data)
    if service is None:
        assert response.status_code == 302 and Procedure.objects.get(slug="badge-pirate").service == foreign
        return
    assert response.status_code == 200
    assert f"Vous pouvez écrire les démarches du service {service} seulement" in response.content.decode()
    assert not Procedure.objects.filter(slug="badge-pirate").exists()
    data = {"definition": procedure_yaml(service, "badge-neuf", "Demarche neuve"), "is_active": "on"}
    assert client.post("/admin/procedures/procedure/add/", data).status_code == 302
    assert Procedure.objects.get(slug="badge-neuf").service == service


# ---------------------------------------------------------------------------------------- moving and relabelling


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("model", ["document", "faqentry"])
def test_moving_into_another_services_collection_is_refused(world, model, username):
    service, client = USERS[username], client_for(username)
    obj = world[model][service or "RH"]
    target = world["collection"][OTHER[service or "RH"]]
    data = form_data(client, change_url(model, obj)) | {"collection": target.pk}
    response = client.post(change_url(model, obj), data)
    obj.refresh_from_db()
    if service is None:
        assert response.status_code == 302 and obj.collection == target
    else:
        assert response.status_code == 200 and "Sélectionnez un choix valide" in response.content.decode()
        assert obj.collection == world["collection"][service] and obj.service == service


@pytest.mark.parametrize("username", REFERENTS)
def test_a_referent_moves_their_document_into_the_shared_collection(world, username):
    service, client = USERS[username], client_for(username)
    document = world["document"][service]
    data = form_data(client, change_url("document", document)) | {"collection": world["shared"].pk}
    assert client.post(change_url("document", document), data).status_code == 302
    document.refresh_from_db()
    assert document.collection == world["shared"] and document.service == service


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("model", ["collection", "document", "faqentry"])
def test_relabelling_to_another_service_is_refused(world, model, username):
    service, client = USERS[username], client_for(username)
    obj = world[model][service or "RH"]
    data = form_data(client, change_url(model, obj)) | {"service": "DSI" if service != "DSI" else "RH"}
    response = client.post(change_url(model, obj), data)
    assert response.status_code == 302  # saved: the posted service is ignored for a référent
    obj.refresh_from_db()
    assert obj.service == (service or "DSI")


@pytest.mark.parametrize("username", USERS)
def test_relabelling_a_procedure_to_another_service_is_refused(world, username):
    service, client = USERS[username], client_for(username)
    procedure = world["procedure"][service or "RH"]
    foreign = OTHER[service or "RH"]
    data = {"definition": procedure_yaml(foreign, procedure.slug, procedure.title), "is_active": "on"}
    response = client.post(change_url("procedure", procedure), data)
    procedure.refresh_from_db()
    if service is None:
        assert response.status_code == 302 and procedure.service == foreign
    else:
        assert response.status_code == 200 and procedure.service == service and procedure.revision == 1


# ------------------------------------------------------------------------------------------------------ uploads


def upload(client: Client, collection: Collection, *files, **fields):
    return client.post(UPLOAD_URL, {"collection": collection.pk, "files": list(files), **fields}, follow=True)


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


@pytest.mark.parametrize("username", REFERENTS)
def test_a_same_name_upload_over_another_services_document_is_refused_and_the_others_go_on(world, username):
    service, client = USERS[username], client_for(username)
    foreign = OTHER[service]
    target = world["shared_document"][foreign]
    stored = Path(target.source)
    original, before = stored.read_bytes(), snapshot(target)
    passages = list(target.passages.values_list("text", flat=True))
    takeover = SimpleUploadedFile(stored.name, markdown("Détournement", "Appelez le 0800 000 000."))
    mine = SimpleUploadedFile(f"nouveau-{service.lower()}.md", markdown(f"Nouveau {service}", "Texte neuf."))
    body = upload(client, world["shared"], takeover, mine).content.decode()
    assert f"Fichier {stored.name} refusé : un document du même nom appartient au service {foreign}." in body
    assert "1 ajouté(s)" in body and "1 refusé(s)" in body
    assert stored.read_bytes() == original  # the other service's file, byte for byte
    assert snapshot(target) == before and list(target.passages.values_list("text", flat=True)) == passages
    assert Document.objects.get(title=f"Nouveau {service}").service == service
    assert leftovers(stored.parent) == [] and "Détournement" not in {d.title for d in Document.objects.all()}
    assert all(b"0800" not in path.read_bytes() for path in stored.parent.iterdir())  # nothing of it stored


def test_the_administrator_replaces_any_services_document(world):
    target = world["shared_document"]["DSI"]
    stored = Path(target.source)
    new_version = markdown("Consignes DSI", "Nouvelle règle.")
    body = upload(client_for("admin"), world["shared"], SimpleUploadedFile(stored.name, new_version), service="DSI")
    assert "1 mis à jour" in body.content.decode()
    target.refresh_from_db()
    assert stored.read_bytes() == new_version and target.revision == 2 and target.service == "DSI"


@pytest.mark.parametrize("username", REFERENTS)
def test_a_referent_publishes_a_new_version_of_their_own_document(world, username):
    service, client = USERS[username], client_for(username)
    document = world["shared_document"][service]
    stored = Path(document.source)
    new_version = markdown(f"Consignes {service}", "Règle mise à jour.")
    body = upload(client, world["shared"], SimpleUploadedFile(stored.name, new_version)).content.decode()
    assert "1 mis à jour" in body
    document.refresh_from_db()
    assert stored.read_bytes() == new_version and document.revision == 2 and document.service == service


@pytest.mark.parametrize("username", REFERENTS)
def test_a_file_naming_another_service_in_its_metadata_is_refused(world, username):
    service, client = USERS[username], client_for(username)
    foreign = OTHER[service]
    text = f"---\nservice: {foreign}\n---\n# Note étiquetée\n\nTexte.\n".encode()
    collection = world["collection"][service]
    body = upload(client, collection, SimpleUploadedFile("etiquetee.md", text)).content.decode()
    assert f"Fichier etiquetee.md refusé : ses métadonnées indiquent le service {foreign}" in body
    assert not Document.objects.filter(title="Note étiquetée").exists()
    folder = upload_folder(collection)
    assert not (folder / "etiquetee.md").exists() and leftovers(folder) == []


@pytest.mark.parametrize("username", REFERENTS)
def test_an_upload_into_another_services_collection_is_refused(world, username):
    service, client = USERS[username], client_for(username)
    collection = world["collection"][OTHER[service]]
    folder = upload_folder(collection)
    files_before = sorted(folder.iterdir())
    response = upload(client, collection, SimpleUploadedFile("intrus.md", markdown("Intrus", "Texte.")))
    assert response.status_code == 200 and "Sélectionnez un choix valide" in response.content.decode()
    assert sorted(folder.iterdir()) == files_before and not Document.objects.filter(title="Intrus").exists()


def test_store_and_ingest_keeps_a_document_without_service_from_a_referent(world):
    """Any caller that names the acting service gets the check: an unowned document is the administrators'."""
    shared = world["shared"]
    store_and_ingest(shared, [SimpleUploadedFile("commun.md", markdown("Commun", "Pour tous."))])
    unowned = Document.objects.get(title="Commun")
    assert unowned.service == ""
    summary = store_and_ingest(
        shared, [SimpleUploadedFile("commun.md", markdown("Repris", "Texte."))], acting_service="RH"
    )
    [failure] = summary.failed
    assert failure.code == "other_service" and "sans service propriétaire" in failure.french
    assert Path(unowned.source).read_bytes() == markdown("Commun", "Pour tous.")
    assert store_and_ingest(shared, [SimpleUploadedFile("commun.md", markdown("Repris", "Texte."))]).updated


# ------------------------------------------------------------------------------------------------------ actions


@pytest.mark.parametrize("username", USERS)
@pytest.mark.parametrize("model", MODELS)
def test_a_delete_action_acts_only_on_the_users_own_objects(world, model, username):
    service, client = USERS[username], client_for(username)
    own, foreign = world[model][service or "RH"], world[model][OTHER[service or "RH"]]
    data = {"action": DELETE_ACTION.get(model, "delete_selected"), "_selected_action": [foreign.pk, own.pk]}
    client.post(MODELS[model], data | {"post": "yes"})
    remaining = set(MODEL_CLASSES[model].objects.filter(pk__in=[own.pk, foreign.pk]).values_list("pk", flat=True))
    # Référents delete knowledge, never procedures (nor anyone the agents' runs: evidence of a request).
    deletable = model in {"collection", "document", "faqentry"}
    if service is None:
        assert remaining == (set() if deletable else {own.pk, foreign.pk})
    else:
        assert remaining == ({foreign.pk} if deletable else {own.pk, foreign.pk})
