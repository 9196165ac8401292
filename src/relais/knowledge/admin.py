from django.contrib import admin

from relais.knowledge.models import Collection, Document, Passage


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["name", "audience", "service", "created_at"]
    list_filter = ["audience", "service"]


class PassageInline(admin.TabularInline):
    model = Passage
    fields = ["position", "section_path", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "collection", "service", "version", "valid_from", "valid_until", "ingested_at"]
    list_filter = ["collection", "service", "file_format"]
    search_fields = ["title", "source"]
    readonly_fields = ["content_hash", "revision", "ingested_at", "size_bytes", "file_format"]
    inlines = [PassageInline]
