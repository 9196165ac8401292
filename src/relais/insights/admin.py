from django.contrib import admin

from relais.insights.models import CategoryBaseline, ServiceBaseline


class CategoryInline(admin.TabularInline):
    model = CategoryBaseline
    fields = ["category", "handling_minutes", "monthly_requests", "sample_size", "documents"]
    autocomplete_fields = ["documents"]
    extra = 1


@admin.register(ServiceBaseline)
class ServiceBaselineAdmin(admin.ModelAdmin):
    """Each service enters what its recurring requests cost before the assistant (or imports a helpdesk export)."""

    list_display = [
        "service", "monthly_requests", "staff_hours_per_month", "hours", "default_minutes", "source", "updated_at",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["service", "monthly_requests", "staff_hours_per_month", "default_minutes"]}),
        ("Mesure", {"fields": ["period_start", "period_end", "source", "notes"]}),
    ]
    inlines = [CategoryInline]

    @admin.display(description="heures par mois retenues")
    def hours(self, baseline: ServiceBaseline) -> str:
        value = baseline.hours_per_month()
        return "—" if value is None else f"{value:.1f}".replace(".", ",")
