"""Unread marks in any template: ``{% load notifications %}``, then ``{% unread_mark obj %}`` beside a
conversation, ticket or request (``{% unread_conversation_mark pk %}`` in the chat's list), and
``{% unread_count as n %}`` for the header's « Notifications (n) »."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from relais.helpdesk.notifications import is_unread, unread, unread_keys

register = template.Library()

UNREAD_MARK = '<span class="unread-mark">nouveau<span class="visually-hidden"> : non lu</span></span>'


@register.simple_tag(takes_context=True)
def unread_mark(context, obj) -> str:
    """« nouveau », in words (not a colour only), when something about ``obj`` is unread for the signed-in user."""
    request = context.get("request")
    if request is None or not is_unread(request, obj):
        return ""
    return mark_safe(UNREAD_MARK)


@register.simple_tag(takes_context=True)
def unread_conversation_mark(context, conversation_id: int | None) -> str:
    """The same mark beside a conversation of the chat's list (which may hold plain rows, not models)."""
    request = context.get("request")
    if request is None or conversation_id is None:
        return ""
    return mark_safe(UNREAD_MARK) if ("assistant.conversation", conversation_id) in unread_keys(request) else ""


@register.simple_tag(takes_context=True)
def unread_count(context) -> int:
    """How many notifications the signed-in user has not read."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    return unread(request.user).count()


@register.filter
def is_unread_for(obj, request) -> bool:
    return request is not None and is_unread(request, obj)
