"""What disable_user and enable_user share: find the user by e-mail, change the state, say so."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from users import services
from users.models import User

# For active = False and True: the state's name, and what the change did.
STATES = {
    False: ("disabled", "is disabled and signed out everywhere."),
    True: ("enabled", "is enabled and can sign in again."),
}


def find_user(email):
    """The user (not a Dual Role learner record) with this e-mail, or a CommandError."""
    normalized = User.objects.normalize_email(email)
    user = User.objects.filter(email__iexact=normalized, learner_record_of__isnull=True).first()
    if user is None:
        raise CommandError(f"No user has the e-mail address {email!r}.")
    return user


class UserStateCommand(BaseCommand):
    """Disable (active = False) or enable (active = True) one user, with a reason."""

    active = None

    def add_arguments(self, parser):
        parser.add_argument("email", help="The user's e-mail address (any case).")
        parser.add_argument("--reason", default="", help="Why; kept in the record's history.")

    def handle(self, *args, email, reason, **options):
        user = find_user(email)
        if len(reason) > 500:
            raise CommandError("--reason: at most 500 characters.")
        state, done = STATES[self.active]
        if user.is_active == self.active:
            self.stdout.write(f"{user.email} was already {state}.")
            return
        change = services.user_enable if self.active else services.user_disable
        try:
            change(user=user, actor=None, reason=reason)
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{user.email} {done}")
