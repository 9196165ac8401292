from django.contrib import admin, messages
from django.utils import timezone

from relais.helpdesk.models import Delivery, OutboxMessage, Ticket, TicketMessage


class TicketMessageInline(admin.TabularInline):
    model = TicketMessage
    fields = ["created_at", "author", "from_handler", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """For administrators; handlers work in /traitement/, which shows them their services only."""

    list_display = ["reference", "title", "service", "status", "delivery", "connector", "requester", "created_at"]
    list_filter = ["service", "status", "delivery", "connector"]
    search_fields = ["title", "description", "external_id"]
    readonly_fields = ["requester", "conversation", "exchange", "transcript", "sources", "connector", "external_id",
                       "delivery", "created_at", "first_response_at", "resolved_at"]  # fmt: skip
    inlines = [TicketMessageInline]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "ticket", "connector", "state", "attempts", "next_attempt_at", "last_error"]
    list_filter = ["state", "kind", "connector"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Réessayer maintenant (les envois abandonnés repartent)")
    def retry_now(self, request, queryset):
        retried = queryset.exclude(state=OutboxMessage.State.SENT)
        Ticket.objects.filter(outbox__in=retried, delivery=Delivery.FAILED).update(delivery=Delivery.PENDING)
        count = retried.update(
            state=OutboxMessage.State.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_until=None
        )
        from relais.helpdesk.outbox import schedule_delivery

        schedule_delivery()
        self.message_user(request, f"{count} envoi(s) remis en file.", messages.SUCCESS)
