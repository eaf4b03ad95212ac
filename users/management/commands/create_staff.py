import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from users import services
from users.roles import Role

ROLES = {"admin": Role.ADMIN, "customer_service": Role.CUSTOMER_SERVICE}


class Command(BaseCommand):
    help = "Create a staff member (or reset an existing one's password and role)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=sorted(ROLES))
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from standard input (never from the command line).",
        )

    def handle(self, *args, email, role, password_stdin, **options):
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an e-mail address: {email!r}") from error
        if not password_stdin:
            raise CommandError("Pass the password on standard input with --password-stdin.")
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("No password was given on standard input.")
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        user = services.staff_create(email=email, role=ROLES[role], password=password)
        self.stdout.write(f"{user.email} is now {ROLES[role].label}.")
