from django.db import migrations


class Migration(migrations.Migration):
    # Once gave coordinators the digest permissions; roles are now made after
    # every migrate (core.roles). Kept, empty, for the migrations after it.
    dependencies = [
        ("core", "0002_staff_roles"),
        ("moderation", "0004_digest_subscriptions"),
    ]

    operations = []
