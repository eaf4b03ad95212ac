from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from users import services

from .disable_user import find_user


class Command(BaseCommand):
    help = "Enable a disabled user so they can sign in again."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The user's e-mail address (any case).")
        parser.add_argument("--reason", default="", help="Why; kept in the record's history.")

    def handle(self, *args, email, reason, **options):
        user = find_user(email)
        if len(reason) > 500:
            raise CommandError("--reason: at most 500 characters.")
        if user.is_active:
            self.stdout.write(f"{user.email} was already enabled.")
            return
        try:
            services.user_enable(user=user, actor=None, reason=reason)
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{user.email} is enabled and can sign in again.")
