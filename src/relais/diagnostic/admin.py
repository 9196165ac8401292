"""Administrators designate each service's référents and fix the campaign's deadline; référents use /diagnostic/."""

from django.contrib import admin

from relais.diagnostic.models import Campaign, Practice, Service, Submission, Task, Tool


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "referent_names", "demo"]
    search_fields = ["name", "label"]
    filter_horizontal = ["referents"]

    @admin.display(description="référents numériques")
    def referent_names(self, service: Service) -> str:
        return ", ".join(u.get_full_name() or u.username for u in service.referents.all()) or "—"


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "opened_on", "deadline", "demo"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "service", "frequency_per_month", "minutes_per_occurrence", "decision_about_people"]
    list_filter = ["campaign", "service", "personal_data", "decision_about_people"]
    search_fields = ["title", "tool", "comment"]


admin.site.register(Tool, list_display=["name", "service", "hosting", "users", "satisfaction"], list_filter=["service"])
admin.site.register(Practice, list_display=["service", "campaign", "skills_level"])
admin.site.register(Submission, list_display=["service", "campaign", "submitted_at"])
