import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator, ValidationError

from users import services
from users.models import User


def pending_invitations():
    """Users who would be offered Resend Invite: active, never signed in, never accepted."""
    return User.objects.filter(
        is_active=True,
        last_login__isnull=True,
        invite_accepted_at__isnull=True,
        learner_record_of__isnull=True,
    ).order_by("id")


class Command(BaseCommand):
    help = (
        "Send (again) the invitation e-mail to every user whose invitation is pending: active, "
        "never signed in and never accepted one. Each send is audited."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--pending", action="store_true", help="Every user with a pending invitation."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List who would be invited; send nothing."
        )
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "SITE_URL", ""),
            help="The site's address for the link in the e-mail, e.g. https://school.example "
            "(default: the SITE_URL setting).",
        )

    def handle(self, *args, pending, dry_run, base_url, **options):
        if not pending:
            raise CommandError("Say which invitations to resend: --pending.")
        if not dry_run:
            try:
                URLValidator(schemes=["http", "https"])(base_url)
            except ValidationError:
                raise CommandError(
                    "--base-url must be the site's address, e.g. https://school.example"
                ) from None
        run = uuid.uuid4().hex[:12]
        sent = failed = 0
        for user in pending_invitations().iterator(chunk_size=500):
            if dry_run:
                self.stdout.write(f"Would invite {user.email}")
                sent += 1
                continue
            try:
                services.invite_send(
                    user=user,
                    actor=None,
                    request_key=f"resend_invites:{run}:{user.pk}",
                    link_base=base_url,
                )
            except PermissionDenied as error:
                self.stderr.write(f"{user.email}: {error}")
                failed += 1
            else:
                self.stdout.write(f"Invited {user.email}")
                sent += 1
        verb = "would be invited" if dry_run else "invited"
        self.stdout.write(f"{sent:,} users {verb}.")
        if failed:
            raise CommandError(f"{failed:,} invitations could not be sent (see above).")
