from django.db import migrations

from core.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_staff_roles"),
        ("moderation", "0004_digest_subscriptions"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
