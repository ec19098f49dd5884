from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError

from hotline import services


class Command(BaseCommand):
    help = (
        "Re-encrypt the hotline identity vault under the first key of HOTLINE_IDENTITY_KEYS (key rotation: put the "
        "new key first, run this, then remove the old key)."
    )

    def handle(self, *args, **options):
        try:
            rows = services.reencrypt_identity_vault()
        except InvalidToken:
            raise CommandError(
                "A vault row opens with none of the keys in HOTLINE_IDENTITY_KEYS; nothing was changed. "
                "Add the key it was written with (after the new one) and run again."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Identity vault re-encrypted: {rows} rows under the first key."))
