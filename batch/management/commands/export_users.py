from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from batch import exporting


class Command(BaseCommand):
    help = (
        "Write users as CSV in the columns import_users reads (an export imports back). "
        "Active users by default, as on the learners list."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="The CSV file to write (default: stdout).")
        parser.add_argument("--disabled", action="store_true", help="Disabled users instead.")
        parser.add_argument(
            "--query", default="", help="Only users whose e-mail or name contains this."
        )

    def handle(self, *args, output, disabled, query, **options):
        if len(query) > 200:
            raise CommandError("--query: at most 200 characters.")
        users = exporting.users_to_export(query=query, disabled=disabled)
        lines = exporting.csv_lines(exporting.rows(users))
        if not output:
            count = self._write(lines, None)
            self.stderr.write(f"{count:,} users exported.")
            return
        path = Path(output)
        if path.is_dir() or not path.parent.is_dir():
            raise CommandError(f"Cannot write {output}: choose a file in an existing folder.")
        try:
            with path.open("w", encoding="utf-8", newline="") as stream:
                count = self._write(lines, stream)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}") from None
        self.stdout.write(f"{count:,} users exported to {output}.")

    def _write(self, lines, stream):
        count = -1
        for line in lines:
            if stream is None:
                self.stdout.write(line, ending="")
            else:
                stream.write(line)
            count += 1
        return count
