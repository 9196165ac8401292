from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone

from relais.accounts.models import ApiToken, Charter, CharterAcceptance, Profile
from relais.admin_base import ReadOnlyAdmin


class ProfileInline(admin.StackedInline):
    model = Profile
    fk_name = "user"
    can_delete = False
    fields = ["service", "manager"]
    autocomplete_fields = ["manager"]


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class RelaisUserAdmin(UserAdmin):
    inlines = [ProfileInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    fields = ["user", "name", "hint", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["hint", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False if obj is not None and obj.pk else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        token, raw = ApiToken.objects.create_for(obj.user, obj.name)
        obj.pk = token.pk
        self.message_user(
            request, f"Jeton créé. Copiez-le maintenant, il ne sera plus affiché : {raw}", messages.WARNING
        )

    @admin.action(description="Révoquer les jetons sélectionnés")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} jeton(s) révoqué(s).", messages.SUCCESS)


@admin.register(Charter)
class CharterAdmin(admin.ModelAdmin):
    """Publishing = adding a new version; a published version is never edited (acceptances refer to it)."""

    list_display = ["version", "title", "published_at", "published_by", "acceptances_count"]
    fields = ["title", "body"]

    def get_readonly_fields(self, request, obj=None):
        return ["title", "body"] if obj is not None else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.published_by = request.user
            super().save_model(request, obj, form, change)

    @admin.display(description="acceptations")
    def acceptances_count(self, charter: Charter) -> int:
        return charter.acceptances.count()


@admin.register(CharterAcceptance)
class CharterAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["user", "charter", "accepted_at"]
    list_filter = ["charter"]
    search_fields = ["user__username"]
