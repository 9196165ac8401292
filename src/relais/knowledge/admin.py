from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from relais.audit.log import record
from relais.knowledge.index import get_passage_index
from relais.knowledge.ingestion import delete_documents
from relais.knowledge.models import Collection, Document, FaqEntry, Passage, ServiceDesk
from relais.knowledge.uploads import french_reason, store_and_ingest
from relais.knowledge.workspace import expiring_days, validity_filter


def user_service(request: HttpRequest) -> str | None:
    """The service a référent maintains; None for administrators, who maintain everything.

    "" for a staff member without a service: they maintain nothing (not even what no service owns).
    """
    if request.user.is_superuser:
        return None
    profile = getattr(request.user, "profile", None)
    return profile.service if profile else ""


def _has_service(model) -> bool:
    return any(field.name == "service" for field in model._meta.concrete_fields)


class ServiceScopedAdmin(admin.ModelAdmin):
    """A référent sees, adds, changes, moves and deletes only what belongs to their own service (`service_field`).

    Administrators keep every right. For a référent: the list and every object page hold only their service's
    objects (another service's object is « not found »), the object-level permissions say no to another
    service's object, the service field is fixed to theirs (shown, never editable, forced on save), and a
    foreign key offers only their service's objects, plus the collections shared by every service (service "").
    """

    service_field = "service"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        service = user_service(request)
        if service is None:
            return queryset
        return queryset.filter(**{self.service_field: service}) if service else queryset.none()

    def is_own(self, request, obj) -> bool:
        """Whether obj (as stored) belongs to the user's service; always for an administrator."""
        if obj is None or obj.pk is None or user_service(request) is None:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) and self.is_own(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self.is_own(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self.is_own(request, obj)

    def get_field_queryset(self, db, db_field, request):
        """Foreign-key choices: a référent picks among their service's objects (and the shared collections)."""
        queryset = super().get_field_queryset(db, db_field, request)
        service = user_service(request)
        related = db_field.remote_field.model
        if service is None or not _has_service(related):
            return queryset
        if queryset is None:
            queryset = related._default_manager.using(db).all()
        if not service:
            return queryset.none()
        return queryset.filter(service__in=[service, ""] if related is Collection else [service])

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        service = user_service(request)
        if formfield is not None and service is not None and db_field.name == self.service_field:
            formfield.initial, formfield.disabled = service, True  # a posted value is ignored
            formfield.help_text = "Votre service : vous ne pouvez pas le changer."
        return formfield

    def save_model(self, request, obj, form, change):
        service = user_service(request)
        if service is not None and "__" not in self.service_field:
            setattr(obj, self.service_field, service)
        super().save_model(request, obj, form, change)


@admin.register(Collection)
class CollectionAdmin(ServiceScopedAdmin):
    list_display = ["name", "audience", "service", "created_at"]
    list_filter = ["audience", "service"]
    search_fields = ["name", "description"]


class PassageInline(admin.TabularInline):
    """The passages Relais cites, read-only: they change when a new version of the file is uploaded."""

    model = Passage
    verbose_name = "passage"
    verbose_name_plural = "passages : les extraits que Relais cite dans ses réponses"
    fields = ["number", "section", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="n°")
    def number(self, passage: Passage) -> int:
        return passage.position + 1

    @admin.display(description="partie du document")
    def section(self, passage: Passage) -> str:
        return passage.section_label or "début du document"


class ValidityFilter(admin.SimpleListFilter):
    """The same four groups as the référents' workspace (knowledge/workspace.py)."""

    title = "validité"
    parameter_name = "validite"
    VALUES = {"en-vigueur": "in_force", "expire-bientot": "expiring", "expires": "expired", "a-venir": "upcoming"}

    def lookups(self, request, model_admin):
        return [
            ("en-vigueur", "En vigueur"),
            ("expire-bientot", f"Expire dans les {expiring_days()} jours"),
            ("expires", "Expirés"),
            ("a-venir", "Pas encore en vigueur"),
        ]

    def queryset(self, request, queryset):
        wanted = self.VALUES.get(self.value() or "")
        if wanted is None:
            return queryset
        return queryset.filter(validity_filter(wanted, timezone.localdate(), expiring_days()))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f] or super().clean(None)


class UploadForm(forms.Form):
    collection = forms.ModelChoiceField(
        Collection.objects.all(),
        label="Collection",
        help_text="Le public de la collection décide qui peut recevoir ces documents en réponse.",
    )
    files = MultipleFileField(
        allow_empty_file=True,  # reported per file with its reason, without refusing the others
        label="Fichiers",
        help_text="Markdown, texte, HTML, PDF, DOCX ou ODT. Un fichier du même nom remplace la version précédente.",
        error_messages={"required": "Choisissez au moins un fichier."},
    )
    service = forms.CharField(label="Service propriétaire", required=False, max_length=100)
    version = forms.CharField(
        label="Version",
        required=False,
        max_length=50,
        help_text="Le numéro ou la date de version que le service donne à ces documents.",
    )
    valid_from = forms.DateField(
        label="En vigueur à partir du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Vide : en vigueur dès maintenant.",
    )
    valid_until = forms.DateField(
        label="En vigueur jusqu'au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Vide : sans date de fin. Après cette date, Relais ne cite plus ces documents.",
    )
    contact = forms.CharField(
        label="Contact",
        required=False,
        max_length=300,
        help_text="Qui joindre sur ces sujets : Relais l'indique quand les documents ne suffisent pas à répondre.",
    )

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_until") and data["valid_until"] < data["valid_from"]:
            self.add_error("valid_until", "La fin de validité précède son début.")
        return data

    def metadata_defaults(self) -> dict[str, str]:
        data = self.cleaned_data
        dates = {key: data[key].isoformat() for key in ("valid_from", "valid_until") if data.get(key)}
        return {"service": data["service"], "version": data["version"], "contact": data["contact"], **dates}


@admin.register(Document)
class DocumentAdmin(ServiceScopedAdmin):
    list_display = [
        "title",
        "collection",
        "service",
        "version",
        "valid_from",
        "valid_until",
        "file_format",
        "ingested_at",
    ]
    list_filter = [ValidityFilter, ("collection", admin.RelatedOnlyFieldListFilter), "service", "file_format"]
    search_fields = ["title", "source"]
    readonly_fields = ["source", "file_format", "size", "ingested_at", "revision", "content_hash", "reader_version"]
    fieldsets = [
        (None, {"fields": ["title", "collection", "service", "version", "valid_from", "valid_until", "contact"]}),
        ("Fichier", {"fields": ["source", "file_format", "size", "ingested_at", "revision"]}),
        (
            "Informations techniques",
            {
                "classes": ["collapse"],  # folded: what Relais uses to know when to read a file again
                "fields": ["content_hash", "reader_version"],
            },
        ),
    ]
    inlines = [PassageInline]
    change_list_template = "admin/knowledge/document/change_list.html"
    actions = ["delete_with_passages"]

    def get_urls(self):
        upload = path(
            "ajouter-des-fichiers/", self.admin_site.admin_view(self.upload_view), name="knowledge_document_upload"
        )
        return [upload, *super().get_urls()]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deleting must also update the search index
        return actions

    def has_add_permission(self, request) -> bool:
        return False  # documents come in by upload (or `relais ingest`), never typed in

    @admin.display(description="taille du fichier")
    def size(self, document: Document) -> str:
        return filesizeformat(document.size_bytes)

    @admin.action(description="Supprimer les documents sélectionnés (et leurs passages)", permissions=["delete"])
    def delete_with_passages(self, request, queryset):
        count = queryset.count()
        delete_documents(list(queryset))
        self.message_user(request, f"{count} document(s) supprimé(s) de la base de connaissances.", messages.SUCCESS)

    def delete_model(self, request, obj):
        delete_documents([obj])

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        get_passage_index().invalidate()  # validity dates or collection may have changed

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("knowledge.add_document"):
            return HttpResponseRedirect(reverse("admin:index"))
        service = user_service(request)
        form = UploadForm(request.POST or None, request.FILES or None)
        if service is not None:  # a référent uploads into their service's collections (or shared ones) only
            collections = Collection.objects.filter(service__in=[service, ""])
            form.fields["collection"].queryset = collections if service else collections.none()
            form.fields["service"].initial = service
            form.fields["service"].disabled = True
        if request.method == "POST" and form.is_valid():
            defaults = form.metadata_defaults()
            if service is not None:
                defaults["service"] = service
            summary = store_and_ingest(
                form.cleaned_data["collection"], form.cleaned_data["files"], defaults, acting_service=service
            )
            counts = summary.counts()
            record("dépôt de documents", actor=request.user, target=form.cleaned_data["collection"], detail=counts)
            self.message_user(
                request,
                f"Ingestion terminée : {counts['added']} ajouté(s), {counts['updated']} mis à jour, "
                f"{counts['unchanged']} inchangé(s), {counts['failed']} refusé(s).",
                messages.SUCCESS if not summary.failed else messages.WARNING,
            )
            for failure in summary.failed:
                name = failure.source.rsplit("/", 1)[-1]
                self.message_user(request, f"Fichier {name} refusé : {french_reason(failure)}.", messages.ERROR)
            for source, notice in summary.notices:
                name = source.rsplit("/", 1)[-1]
                self.message_user(request, f"Fichier {name} : {notice}.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:knowledge_document_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "Ajouter des documents",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/knowledge/document/upload.html", context)


class FaqEntryForm(forms.ModelForm):
    phrasings_text = forms.CharField(
        label="Autres formulations",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Une formulation par ligne, telle qu'un agent l'écrirait.",
    )

    class Meta:
        model = FaqEntry
        fields = ["collection", "question", "phrasings_text", "answer", "source_document", "service", "example"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["phrasings_text"].initial = "\n".join(self.instance.phrasings)

    def clean_phrasings_text(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["phrasings_text"].splitlines() if line.strip()]


@admin.register(FaqEntry)
class FaqEntryAdmin(ServiceScopedAdmin):
    form = FaqEntryForm
    list_display = ["question", "collection", "service", "source_document", "example", "updated_at"]
    list_filter = [("collection", admin.RelatedOnlyFieldListFilter), "service", "example"]
    search_fields = ["question", "answer"]
    # A plain list of the référent's documents (ServiceScopedAdmin limits the choices): the search box the admin
    # offers instead has no accessible name (axe, RGAA) and needs JavaScript.

    def save_model(self, request, obj, form, change):
        """Phrasings are matched by their vectors: re-embed them on every save (the service is forced by super)."""
        obj.phrasings = form.cleaned_data["phrasings_text"]
        embedder = get_passage_index().embedder
        obj.embeddings = embedder.embed_queries(obj.all_phrasings()).astype("float32").tobytes()
        obj.embedder = embedder.name
        super().save_model(request, obj, form, change)


@admin.register(ServiceDesk)
class ServiceDeskAdmin(admin.ModelAdmin):
    """The desks the citizens' assistant hands visitors over to: kept by the digital leads and the référents."""

    list_display = ["label", "service", "phone", "town_hall", "contact_form", "open_now"]
    list_filter = ["town_hall", "contact_form"]
    search_fields = ["label", "service"]
    fieldsets = [
        (None, {"fields": ["service", "label", "town_hall"]}),
        ("Pour joindre le service", {"fields": ["phone", "email", "address", "contact_form"]}),
        ("Horaires", {"fields": ["opening_hours", "closed_on_public_holidays", "notes"]}),
    ]

    @admin.display(description="ouvert en ce moment", boolean=True)
    def open_now(self, desk: ServiceDesk) -> bool:
        return desk.hours().is_open(timezone.localtime())
