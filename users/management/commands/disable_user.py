from ._user_state import UserStateCommand


class Command(UserStateCommand):
    help = "Disable a user: they cannot sign in, and every session they have ends now."
    active = False
