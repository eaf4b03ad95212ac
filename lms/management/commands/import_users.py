"""import_users: lms wires the access app's content grants into the users import."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from users import importing


def content_grants():
    """The `grants` column of an import or export, backed by the access app."""
    from access.models import AccessGrant, Content
    from access.services import access_add, end_of_day

    def find(slugs):
        return {content.slug: content for content in Content.objects.filter(slug__in=list(slugs))}

    def grant(*, user, item, expires_on, actor):
        """(grant, True) when it opened the item; (the open grant, False) when already held."""
        expires_at = end_of_day(expires_on) if expires_on else None
        return access_add(user=user, item=item, actor=actor, expires_at=expires_at)

    def held(user_ids):
        grants = {}
        rows = (
            AccessGrant.objects.filter(
                user_id__in=user_ids,
                ended_at__isnull=True,
                content__isnull=False,
                parent__isnull=True,
            )
            .exclude(expires_at__lte=timezone.now())
            .order_by("user_id", "content__slug")
            .values_list("user_id", "content__slug", "expires_at")
        )
        for user_id, slug, expires_at in rows:
            day = timezone.localtime(expires_at).date() if expires_at else None
            grants.setdefault(user_id, []).append((slug, day))
        return grants

    return importing.ContentGrants(
        find=find, grant=grant, held=held, permission="access.add_accessgrant"
    )


def register_content_grants():
    """Call once at start-up so the upload page and export_users know the grants column."""
    importing.register_grant_handler(content_grants())


class Command(BaseCommand):
    help = (
        "Create or update users from a CSV file (matched by e-mail). Columns: "
        + ", ".join(importing.COLUMNS)
        + ", ref:<reference field key>, grants (slug[@YYYY-MM-DD];...). Every error is listed "
        "by row and column; nothing is written unless the whole file is valid."
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
                    grants=content_grants(),
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
        self.stdout.write(self.style.SUCCESS(f"Imported. {summary}."))
