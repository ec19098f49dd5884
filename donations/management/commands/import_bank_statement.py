from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from donations import rules, services
from donations.models import Election, StatementImport
from donations.parsing import FileRefused


class Command(BaseCommand):
    help = (
        "Import a bank statement of the election fund (UTF-8 CSV, header "
        "date,bank_reference,amount,currency,payer_name,payer_id,payer_kind,payer_citizenship,purpose). "
        "Idempotent on bank_reference."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--election", required=True, help="the election's slug")

    def handle(self, *args, file, election, **options):
        try:
            target = Election.objects.get(slug=election)
        except Election.DoesNotExist as exc:
            raise CommandError(f"No election {election!r}.") from exc
        path = Path(file)
        try:
            statement = services.import_bank_statement(election=target, file_name=path.name, content=path.read_bytes())
        except (OSError, FileRefused) as exc:
            raise CommandError(str(exc)) from exc
        if statement.status == StatementImport.Status.FAILED:
            raise CommandError("; ".join(e["error"] for e in statement.errors))
        for error in statement.errors:
            self.stderr.write(f"line {error['line']}: {error['error']}")
        s = statement.summary
        self.stdout.write(
            f"rows read: {s['read']}, imported: {s['imported']}, duplicates skipped: {s['duplicates']}, "
            f"refused: {s['refused']}"
        )
        for verdict in rules.VERDICTS:
            self.stdout.write(f"  {verdict}: {s['verdicts'][verdict]}")
