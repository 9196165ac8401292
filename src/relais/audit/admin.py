from django.contrib import admin

from relais.admin_base import ReadOnlyAdmin
from relais.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the log is evidence for the DPO."""

    list_display = ["created_at", "actor_label", "action", "target_type", "target"]
    list_filter = ["action", "target_type", "created_at"]
    search_fields = ["actor_label", "target"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "actor", "actor_label", "action", "target_type", "target", "detail"]
