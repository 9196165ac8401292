from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from relais.admin_base import ReadOnlyAdmin
from relais.assistant.models import AnswerModelFit, Exchange, Feedback, PublicAssistant, UsageCounter


class FeedbackInline(admin.StackedInline):
    model = Feedback
    fields = ["rating", "reason", "comment", "created_at"]
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Exchange)
class ExchangeAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "question", "mode", "confidence", "latency_ms", "user", "feedback_rating"]
    list_filter = ["mode", "backend", "feedback__rating", "created_at"]
    search_fields = ["question", "answer"]
    date_hierarchy = "created_at"
    fields = [
        "created_at", "user", "conversation", "question", "search_query", "answer", "mode", "faq_question",
        "confidence", "citations", "suggestions", "contact", "retrieved", "prompt", "backend", "latency_ms",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [FeedbackInline]
    list_select_related = ["user", "feedback"]

    @admin.display(description="avis")
    def feedback_rating(self, exchange: Exchange) -> str:
        feedback = getattr(exchange, "feedback", None)
        return {"up": "👍", "down": "👎"}.get(feedback.rating, "") if feedback else ""


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "rating", "reason", "comment", "question", "user"]
    list_filter = ["rating", "reason", "created_at"]
    search_fields = ["comment", "exchange__question"]
    fields = ["created_at", "user", "exchange", "rating", "reason", "comment"]
    readonly_fields = fields
    list_select_related = ["exchange", "user"]

    @admin.display(description="question")
    def question(self, feedback: Feedback) -> str:
        return feedback.exchange.question[:100]


@admin.register(UsageCounter)
class UsageCounterAdmin(ReadOnlyAdmin):
    list_display = [
        "day", "service", "mode", "audience", "exchanges", "thumbs_up", "thumbs_down", "followed_by_ticket",
        "handovers", "outside_hours", "screened",
    ]  # fmt: skip
    list_filter = ["audience", "service", "mode"]
    date_hierarchy = "day"


@admin.register(PublicAssistant)
class PublicAssistantAdmin(admin.ModelAdmin):
    """« Mettre en pause l'assistant des citoyens »: one row, edited in place (its changes reach the audit log
    through the admin's own log, relais.audit.signals)."""

    fields = ["paused", "pause_message", "asked_while_paused", "updated_at", "updated_by"]
    readonly_fields = ["asked_while_paused", "updated_at", "updated_by"]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        switch = PublicAssistant.current()
        return HttpResponseRedirect(reverse("admin:assistant_publicassistant_change", args=[switch.pk]))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PublicAssistant, form, change: bool) -> None:
        obj.updated_by = request.user
        if "paused" in form.changed_data and obj.paused:
            obj.asked_while_paused = 0  # counted from this pause on
        super().save_model(request, obj, form, change)


@admin.register(AnswerModelFit)
class AnswerModelFitAdmin(admin.ModelAdmin):
    """The town's refits of the answer model (`relais answers fit --save`): read, and taken out of service by
    unticking « en service »; made only by the command, which judges them first."""

    list_display = ["created_at", "active", "signal_counts", "settled"]
    fields = ["created_at", "active", "signals", "figures", "model"]
    readonly_fields = ["created_at", "signals", "figures", "model"]

    @admin.display(description="signaux")
    def signal_counts(self, fit: AnswerModelFit) -> str:
        return ", ".join(f"{origin} {count}" for origin, count in sorted(fit.signals.items()))

    @admin.display(description="validation croisée")
    def settled(self, fit: AnswerModelFit) -> str:
        figures = fit.figures.get("cross_validated", {})
        names = ("correct_source_first", "correct_abstention", "wrong_abstention")
        return " / ".join(str(figures.get(name, "—")) for name in names)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
