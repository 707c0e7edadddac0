from django.db import migrations
from django.db.models import OuterRef, Subquery


def chat_ids_fill(apps, schema_editor):
    """Give rows queued before chat ids were stored their participant's chat."""
    outbox = apps.get_model("notifications", "OutboxMessage")
    participant = apps.get_model("core", "Participant")
    outbox.objects.filter(chat_id__isnull=True, participant__isnull=False).update(
        chat_id=Subquery(
            participant.objects.filter(pk=OuterRef("participant_id")).values(
                "telegram_id"
            )[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_user_telegram_chat_id"),
        ("notifications", "0002_mailings_templates_outbox_sender"),
    ]

    operations = [
        migrations.RunPython(chat_ids_fill, migrations.RunPython.noop),
    ]
