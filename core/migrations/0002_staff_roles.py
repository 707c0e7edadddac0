from django.db import migrations


class Migration(migrations.Migration):
    # Once set up the roles; they are now made after every migrate from what the
    # apps declare (core.roles, a post_migrate receiver). Kept, empty, for the
    # migrations that depend on it.
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = []
