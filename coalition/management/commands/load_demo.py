from argparse import ArgumentParser
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coalition import demo
from members import demo as members_demo

# Each app may add demo data in <app>/demo.py with a function load(stdout) -> None, called in this order.
# donations.demo before events.demo: it creates the election the demo's polling stations belong to (issue #18).
DEMO_MODULES = ["members.demo", "donations.demo", "events.demo", "hotline.demo", "electionday.demo"]


class Command(BaseCommand):
    help = "Load the demo data (idempotent): the seed organizations, each app's data, one account per role."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-accounts", action="store_true", help="do not create the demo accounts")
        parser.add_argument(
            "--force", action="store_true", help="create demo accounts even with DEBUG off (never in production)"
        )

    def handle(self, *args: Any, no_accounts: bool = False, force: bool = False, **options: Any) -> None:
        if not no_accounts and not settings.DEBUG and not force:
            raise CommandError("Demo accounts have a known password: refused with DEBUG off (use --force).")
        created = members_demo.load_organizations()
        self.stdout.write(f"Organizations: {created} new, {len(members_demo.SEED_ORGANIZATIONS)} in the seed.")
        # Accounts first: the apps' demo data is recorded by the demo staff (e.g. the integrity officer).
        accounts = [] if no_accounts else demo.load_accounts()
        for name in DEMO_MODULES:
            try:
                module = import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            module.load(self.stdout)
        if accounts:
            self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):"))
            for account in accounts:
                role = account.role.label if account.role else "superuser (/admin/)"
                self.stdout.write(f"  {account.username:<12} {role}")
            self.stdout.write(
                "  admin, finance, integrity and auditor need a second factor: at their first login the page shows a "
                "QR code and a secret for any authenticator app (FreeOTP, Aegis, Google Authenticator...), then asks "
                "for its code."
            )
