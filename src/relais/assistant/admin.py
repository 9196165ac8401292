from django.contrib import admin

from relais.admin_base import ReadOnlyAdmin
from relais.assistant.models import Exchange, Feedback, UsageCounter


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
    list_display = ["day", "service", "mode", "exchanges", "thumbs_up", "thumbs_down", "followed_by_ticket"]
    list_filter = ["service", "mode"]
    date_hierarchy = "day"
