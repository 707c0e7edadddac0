"""Once made beat's periodic task for `tick_task`.

The periodic tasks are declared in core/schedule.py now, and written into beat's
table after every `migrate`; the row this migration made in existing databases
("Daily cycle: tick") is the one that declaration keeps up to date.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0005_coordinators_manage_digests"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
