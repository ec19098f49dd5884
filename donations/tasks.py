"""Celery tasks of the election fund: thin, ids in, one service call, safe to run twice."""

from celery import shared_task

from donations import services


@shared_task(name="donations.tasks.import_statement")
def import_statement(statement_id: int) -> int:
    """Import an uploaded statement (rows already in the ledger are skipped, so a second run adds nothing)."""
    return services.run_statement_import(statement_id=statement_id).processed_rows


@shared_task(name="donations.tasks.send_deadline_alerts")
def send_deadline_alerts() -> int:
    """Daily: email finance officers about returns/transfers due in 2 days or overdue (once per item per day)."""
    return services.send_deadline_alerts()


@shared_task(name="donations.tasks.file_daily_reports")
def file_daily_reports() -> int:
    """Daily: file each election's compliance report and email it (once per election per day)."""
    return len(services.file_daily_reports())
