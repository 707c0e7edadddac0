from django.core.management.base import BaseCommand

from moderation.demo import demo_seed, staff_ensure


class Command(BaseCommand):
    help = (
        "Create demo staff accounts and, on an empty database, a living demo programme."
    )

    def handle(self, *args, **options) -> None:
        credentials = staff_ensure()
        if demo_seed():
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        else:
            self.stdout.write("Shifts exist already: demo data left as it is.")
        self.stdout.write("Log in at http://127.0.0.1:8000/admin/ as:")
        for username, password in credentials.items():
            self.stdout.write(f"  {username:<12} {password}")
