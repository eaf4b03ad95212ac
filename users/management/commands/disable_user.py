from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from users import services
from users.models import User


def find_user(email):
    """The user (not a Dual Role learner record) with this e-mail, or a CommandError."""
    normalized = User.objects.normalize_email(email)
    user = User.objects.filter(email__iexact=normalized, learner_record_of__isnull=True).first()
    if user is None:
        raise CommandError(f"No user has the e-mail address {email!r}.")
    return user


class Command(BaseCommand):
    help = "Disable a user: they cannot sign in, and every session they have ends now."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The user's e-mail address (any case).")
        parser.add_argument("--reason", default="", help="Why; kept in the record's history.")

    def handle(self, *args, email, reason, **options):
        user = find_user(email)
        if len(reason) > 500:
            raise CommandError("--reason: at most 500 characters.")
        if not user.is_active:
            self.stdout.write(f"{user.email} was already disabled.")
            return
        try:
            services.user_disable(user=user, actor=None, reason=reason)
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{user.email} is disabled and signed out everywhere.")
