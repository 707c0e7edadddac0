"""The audit trail's messages for admin templates."""

from django import template
from django.contrib.admin.models import LogEntry

from core.audit import audit_message

register = template.Library()


@register.filter(name="audit_message")
def audit_message_filter(entry: LogEntry) -> str:
    """`{{ action|audit_message }}`: "Cancelled: the venue is closed", translated."""
    return audit_message(entry)
