"""Participants and the task catalogue with export and import.

Their admins are defined in `core.admin`; `core` may not import moderation, so
they are re-registered here with the export and import machinery added.
"""

from django.contrib import admin

from core import admin as core_admin
from core.models import Participant, Task
from moderation.admin.exports import StreamingExportMixin
from moderation.resources import ParticipantResource, TaskResource

admin.site.unregister(Participant)
admin.site.unregister(Task)


@admin.register(Participant)
class ParticipantAdmin(StreamingExportMixin, core_admin.ParticipantAdmin):
    resource_classes = [ParticipantResource]


@admin.register(Task)
class TaskAdmin(StreamingExportMixin, core_admin.TaskAdmin):
    resource_classes = [TaskResource]
