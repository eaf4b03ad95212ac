"""import_users: create or update users from a CSV file (batch/importing.py)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from batch import csv_rows, importing


class Command(BaseCommand):
    help = (
        "Create or update users from a CSV file (matched by e-mail). Columns: "
        + ", ".join(csv_rows.COLUMNS)
        + ", grants (slug[@YYYY-MM-DD];...), and a column per learner field (reference field, "
        "custom input, survey question) named by its key, each cell checked by the field's "
        "type. Every error is listed by row and column; nothing is written unless the whole "
        "file is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A UTF-8 CSV file whose first row names the columns.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and write nothing."
        )
        parser.add_argument(
            "--valid-rows-only",
            action="store_true",
            help="Write the valid rows even if other rows have errors (those are skipped).",
        )

    def handle(self, *args, file, dry_run, valid_rows_only, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            with path.open(encoding="utf-8-sig", newline="") as stream:
                result = importing.import_users(
                    stream,
                    actor=None,
                    dry_run=dry_run,
                    valid_rows_only=valid_rows_only,
                    source=f"CSV import ({path.name})",
                    progress=self.stdout.write,
                )
        except importing.ImportRefused as refused:
            for error in refused.errors:
                self.stderr.write(str(error))
            raise CommandError("The file was not imported; nothing was written.") from None
        for error in result.errors:
            self.stderr.write(str(error))
        summary = (
            f"{result.rows:,} rows: {result.created:,} new, {result.updated:,} changed, "
            f"{result.unchanged:,} unchanged, {result.grants:,} content grants"
        )
        if result.errors:
            summary += f", {result.skipped:,} rows with errors"
        if dry_run:
            self.stdout.write(f"Dry run, nothing written. {summary}.")
            if result.errors:
                raise CommandError(f"{len(result.errors):,} errors: fix them before importing.")
            return
        if not result.written:
            raise CommandError(f"{len(result.errors):,} errors; nothing was written. {summary}.")
        if result.nothing_changed:
            self.stdout.write(f"Nothing changed: every row was as on record. {summary}.")
            return
        self.stdout.write(self.style.SUCCESS(f"Imported. {summary}."))
        if result.grants_held:
            self.stdout.write(f"{result.grants_held:,} of the grants were already held: unchanged.")
