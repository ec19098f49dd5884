from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coalition import audit


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit non-zero at the first altered or missing entry."

    def handle(self, *args: Any, **options: Any) -> None:
        count, broken = audit.verify()
        if broken is not None:
            raise CommandError(
                f"Audit log BROKEN at entry #{broken.pk} ({broken.at:%Y-%m-%d %H:%M:%S}, {broken.action}): "
                f"{count} entries before it are intact."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit log OK: {count} entries, chain intact."))
